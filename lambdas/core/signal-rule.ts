/** How validation reads an alarm's signal (docs/validation.md): kind, and the traffic metric a rate is divided by. */
import * as z from 'zod';
import type { ProdloopConfig } from './config.ts';
import { type MetricRef, metricRef } from './signals.ts';

export const signalRule = z.object({
  /** Alarms whose name starts with one of these… */
  alarmNamePrefixes: z.array(z.string().min(1)).default([]),
  /** …or whose metric is in one of these namespaces (every alarm when both are empty). */
  namespaces: z.array(z.string().min(1)).default([]),
  /**
   * `rate` (events over traffic), `count` (events per period) or `level` (latency quantile, CPU…).
   * Unset: a Sum or SampleCount alarm is a rate when `traffic` is given, else a count; anything else a level.
   */
  kind: z.enum(['rate', 'count', 'level']).optional(),
  /** The traffic (requests) metric of a rate, read with its own statistic (Sum). */
  traffic: metricRef.optional(),
});
export type SignalRule = z.infer<typeof signalRule>;

/** The first rule that names the alarm, by name prefix or metric namespace. */
export function ruleFor(rules: readonly SignalRule[], alarmName: string, metrics: readonly MetricRef[]): SignalRule | undefined {
  return rules.find(
    (r) =>
      (r.alarmNamePrefixes.length === 0 && r.namespaces.length === 0) ||
      r.alarmNamePrefixes.some((p) => alarmName.startsWith(p)) ||
      metrics.some((m) => m.namespace !== undefined && r.namespaces.includes(m.namespace)),
  );
}

/**
 * The rules validation reads alarms by: the configured ones first, then one per code path that
 * names a traffic metric (triage's, for depth), so that an error count of that service is judged
 * as a rate over its requests without further configuration.
 */
export function signalRules(config: Pick<ProdloopConfig, 'validation' | 'codePaths'>): SignalRule[] {
  const fromCodePaths = config.codePaths.flatMap((r) => {
    const t = r.trafficMetric;
    if (!t || (r.alarmNamePrefixes.length === 0 && r.namespaces.length === 0)) return [];
    return [{ alarmNamePrefixes: r.alarmNamePrefixes, namespaces: r.namespaces, traffic: { ...t, id: 'traffic', returnData: true } }];
  });
  return [...config.validation.signals, ...fromCodePaths];
}
