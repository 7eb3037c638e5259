/** How validation reads an alarm's signal (docs/validation.md): kind, and the traffic metric a rate is divided by. */
import type { ProdloopConfig } from '#domain/config/config';
import { type SignalRule, signalRule, type WorseWhen, worseWhen } from '#domain/config/signal-schema';
import type { MetricRef } from '#domain/signals/signals';
import { trafficRef } from '#domain/triage/config';
import type { SignalKind } from './baseline.ts';

export { type SignalRule, signalRule, type WorseWhen, worseWhen };

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
    return [{ alarmNamePrefixes: r.alarmNamePrefixes, namespaces: r.namespaces, traffic: trafficRef(t) }];
  });
  return [...config.validation.signals, ...fromCodePaths];
}

export interface ResolvedSignal {
  readonly kind: SignalKind;
  /** What to read for the value (events for counts and rates). */
  readonly value: readonly MetricRef[];
  /** What to read for the traffic of a rate. */
  readonly traffic?: readonly MetricRef[];
}

/**
 * How an alarm's metric is read: a rule with a kind says; else a metric-math ratio `a / b` of two
 * metrics is a rate (events a over traffic b); else a Sum or SampleCount is a count, or a rate when
 * a rule (or the alarm's code path) names its traffic metric; anything else is a level.
 */
export function resolveSignal(alarmName: string, metrics: readonly MetricRef[], rules: readonly SignalRule[]): ResolvedSignal {
  const rule = ruleFor(rules, alarmName, metrics);
  const traffic = rule?.traffic ? [{ ...rule.traffic, returnData: true }] : undefined;
  if (rule?.kind === 'rate' && traffic) return { kind: 'rate', value: metrics, traffic };
  const ratio = metrics.find((m) => m.expression && m.returnData !== false && ratioOf(m.expression));
  if (ratio?.expression && (!rule?.kind || rule.kind === 'rate')) {
    const [eventsId, trafficId] = ratioOf(ratio.expression) ?? [];
    const events = metrics.find((m) => m.id === eventsId && m.metricName);
    const denominator = metrics.find((m) => m.id === trafficId && m.metricName);
    if (events && denominator)
      return { kind: 'rate', value: [{ ...events, returnData: true }], traffic: [{ ...denominator, returnData: true }] };
  }
  if (rule?.kind) return { kind: rule.kind === 'rate' ? 'count' : rule.kind, value: metrics };
  const stat = metrics.find((m) => m.returnData !== false && m.stat)?.stat ?? metrics[0]?.stat;
  const counts = stat === 'Sum' || stat === 'SampleCount';
  if (counts && traffic) return { kind: 'rate', value: metrics, traffic };
  return { kind: counts ? 'count' : 'level', value: metrics };
}

/** The two ids of an expression `a / b`, `(a / b) * 100` or `100 * a / b`; undefined for anything else. */
function ratioOf(expression: string): [string, string] | undefined {
  let e = expression.replace(/\s+/g, '');
  e = e.replace(/^100\*/, '').replace(/\*100$/, '');
  if (e.startsWith('(') && e.endsWith(')')) e = e.slice(1, -1);
  const match = /^(\w+)\/(\w+)$/.exec(e);
  return match ? [match[1] as string, match[2] as string] : undefined;
}

/**
 * The direction an alarm watches, from its comparison operator: `LessThanThreshold`,
 * `LessThanOrEqualToThreshold` and `LessThanLowerThreshold` fire when the signal falls, so lower is
 * worse; anything else (the greater-than operators, a two-sided anomaly band, an operator the event
 * did not carry) keeps the default, higher is worse.
 */
export function worseWhenOf(comparisonOperator: string | undefined): WorseWhen {
  return comparisonOperator === 'LessThanThreshold' ||
    comparisonOperator === 'LessThanOrEqualToThreshold' ||
    comparisonOperator === 'LessThanLowerThreshold'
    ? 'lower'
    : 'higher';
}
