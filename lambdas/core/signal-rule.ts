/** How validation reads an alarm's signal (docs/validation.md): kind, and the traffic metric a rate is divided by. */
import * as z from 'zod';
import { metricRef } from './signals.ts';

export const signalRule = z.object({
  /** Alarms whose name starts with one of these (every alarm when empty). */
  alarmNamePrefixes: z.array(z.string().min(1)).default([]),
  /** `rate` (events over traffic), `count` (events per period) or `level` (latency quantile, CPU…). */
  kind: z.enum(['rate', 'count', 'level']).optional(),
  /** The traffic (requests) metric of a rate, read with its own statistic (Sum). */
  traffic: metricRef.optional(),
});
export type SignalRule = z.infer<typeof signalRule>;
