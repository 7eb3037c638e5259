/**
 * The day's friction as CloudWatch metrics, in the embedded metric format: JSON documents a Lambda
 * function writes to its log, which CloudWatch turns into metrics without a PutMetricData call.
 *
 *   Prodloop/Friction  SessionsAnalysed, SessionsWithFriction, FrictionRate, AbandonedRate, …   (no dimension)
 *   Prodloop/Friction  FrictionRate, SessionsWithKind, Moments                                 Kind
 *   Prodloop/Friction  Moments                                                                Kind, Severity
 *
 * The alarm of a kind watches `FrictionRate` with its `Kind`: the share of analysed sessions with at
 * least one moment of that kind.
 */
import type { DaySummary } from './aggregate.ts';
import { SEVERITIES } from './config.ts';

export const FRICTION_NAMESPACE = 'Prodloop/Friction';
export const RATE_METRIC = 'FrictionRate';
export const KIND_DIMENSION = 'Kind';
/** The statistic the alarms use; one datapoint a day, so Maximum is that datapoint. */
export const RATE_STATISTIC = 'Maximum';

type Unit = 'Count' | 'None';

function document(at: Date, dimensions: Record<string, string>, metrics: Record<string, [number, Unit]>) {
  return {
    _aws: {
      Timestamp: at.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: FRICTION_NAMESPACE,
          Dimensions: [Object.keys(dimensions)],
          Metrics: Object.entries(metrics).map(([Name, [, Unit]]) => ({ Name, Unit })),
        },
      ],
    },
    ...dimensions,
    ...Object.fromEntries(Object.entries(metrics).map(([name, [value]]) => [name, value])),
  };
}

/**
 * The documents for one day. `at` is when they are published: CloudWatch evaluates alarms on recent
 * datapoints, so the run's own time (not the analysed day) carries them.
 */
export function emfDocuments(summary: DaySummary, at: Date): Record<string, unknown>[] {
  const docs: Record<string, unknown>[] = [
    document(
      at,
      {},
      {
        TranscriptsRead: [summary.transcripts, 'Count'],
        TranscriptsSkipped: [summary.skipped, 'Count'],
        SessionsFiltered: [summary.filtered, 'Count'],
        SessionsAnalysed: [summary.analysed, 'Count'],
        SessionsWithFriction: [summary.withFriction, 'Count'],
        [RATE_METRIC]: [summary.frictionRate, 'None'],
        AbandonedRate: [summary.abandonedRate, 'None'],
        ...(summary.judge ? { JudgeCitationsDropped: [summary.judge.citationsDropped, 'Count'] as [number, Unit] } : {}),
      },
    ),
  ];
  for (const k of summary.kinds) {
    docs.push(
      document(
        at,
        { [KIND_DIMENSION]: k.kind },
        { [RATE_METRIC]: [k.rate, 'None'], SessionsWithKind: [k.sessions, 'Count'], Moments: [k.high + k.medium + k.low, 'Count'] },
      ),
    );
    for (const s of SEVERITIES) docs.push(document(at, { [KIND_DIMENSION]: k.kind, Severity: s }, { Moments: [k[s], 'Count'] }));
  }
  return docs;
}
