/**
 * Reading a signal as validation and the deploy watch judge it: the resolved signal's values from the
 * metric source, and its traffic for a rate.
 */
import type { Point } from '#domain/signals/series';
import type { SignalKind } from '#domain/validation/baseline';
import type { ResolvedSignal } from '#domain/validation/signal-rule';
import type { MetricSource } from '#ports/metrics';

/** What was read of a signal: how it is judged, its values, and the traffic of a rate. */
export interface SignalReading {
  readonly kind: SignalKind;
  readonly values: Point[];
  readonly traffic?: Point[];
}

/**
 * Reads a resolved signal over [from, to): its values, and its traffic for a rate. A traffic metric
 * that returns nothing (not published, a wrong name) makes the events a count rather than drop them all.
 */
export async function readSignal(
  metrics: Pick<MetricSource, 'series'>,
  signal: ResolvedSignal,
  from: string,
  to: string,
): Promise<SignalReading> {
  const [values, traffic] = await Promise.all([
    metrics.series(signal.value, from, to),
    signal.traffic ? metrics.series(signal.traffic, from, to) : Promise.resolve(undefined),
  ]);
  if (signal.kind !== 'rate') return { kind: signal.kind, values };
  return traffic?.length ? { kind: 'rate', values, traffic } : { kind: 'count', values };
}
