/**
 * Fingerprints and lineage ids: the stable identity of a problem. Alarms that differ only in the
 * tenant dimension describe one problem and share a lineage.
 */
import { createHash } from 'node:crypto';
import type { AlarmVariant } from '#domain/signals/signals';

/** The parts of a metric that identify it (ids, periods and labels do not). */
export interface FingerprintMetric {
  readonly namespace?: string | undefined;
  readonly metricName?: string | undefined;
  readonly stat?: string | undefined;
  readonly expression?: string | undefined;
  readonly dimensions?: Readonly<Record<string, string>> | undefined;
}

/** An alarm signal, or anything shaped enough like one. */
export interface FingerprintInput {
  readonly alarmName: string;
  readonly variant: AlarmVariant;
  readonly metrics: readonly FingerprintMetric[];
}

/**
 * The fingerprint of an alarm: for a composite alarm its name; for a metric alarm its metrics
 * (namespace, metric name, statistic, expression and dimensions without the tenant dimension), in a
 * canonical order so that neither metric order nor dimension order matters. A metric alarm whose
 * metrics are unknown falls back to its name.
 */
export function alarmFingerprint(alarm: FingerprintInput, opts: { readonly tenantDimension: string }): string {
  if (alarm.variant === 'composite') return `composite:${alarm.alarmName}`;
  if (alarm.metrics.length === 0) return `alarm:${alarm.alarmName}`;
  const canonical = alarm.metrics
    .map((m) =>
      JSON.stringify([
        m.namespace ?? '',
        m.metricName ?? '',
        m.stat ?? '',
        normalizeExpression(m.expression),
        Object.entries(m.dimensions ?? {})
          .filter(([name]) => name !== opts.tenantDimension)
          .sort(([a], [b]) => compare(a, b))
          .map(([name, value]) => `${name}=${value}`),
      ]),
    )
    .sort(compare);
  return `metrics:[${[...new Set(canonical)].join(',')}]`;
}

/** The lineage id of a fingerprint: `lin-` and the first 16 hex characters of its SHA-256. */
export function lineageIdFor(fingerprint: string): string {
  return `lin-${createHash('sha256').update(fingerprint, 'utf8').digest('hex').slice(0, 16)}`;
}

function normalizeExpression(expression: string | undefined): string {
  return expression === undefined ? '' : expression.trim().replace(/\s+/g, ' ');
}

/** Code-unit order, independent of locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
