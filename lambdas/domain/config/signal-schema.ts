/** The configuration's schema of how validation reads an alarm's signal, and of which way it gets worse (rules in validation/signal-rule.ts). */
import * as z from 'zod';
import { metricRef } from '#domain/signals/signals';

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

/**
 * Which way a signal gets worse: `higher` (errors, latency: the default) or `lower` (throughput,
 * successful orders, orders per minute).
 */
export const worseWhen = z.enum(['higher', 'lower']);
export type WorseWhen = z.infer<typeof worseWhen>;
