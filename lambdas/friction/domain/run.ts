/**
 * The daily run's plan and the layout of its bucket. One bucket holds the transcripts and everything
 * derived from them:
 *
 *   <transcriptPrefix><day>/…                    transcripts of a day (any folders below)
 *   runs/<day>/<runId>/partials/<batch>.json     one partial per batch of the map
 *   runs/<day>/<runId>/judge/…                   judge records, manifests, the batch job's input and output
 *   runs/<day>/<runId>/map/                      the Distributed Map's result manifest
 *   summaries/<day>.json                         the day in numbers (kept longer: the 30-day chart reads them)
 *   digests/<day>.md, digests/<day>.svg          the digest and its chart
 */
import * as z from 'zod';
import { alarmFingerprint, lineageIdFor } from '#domain/lineage/fingerprint';
import { type FrictionConfig, type FrictionKind, frictionAlarmPrefix } from './config.ts';
import { FRICTION_NAMESPACE, KIND_DIMENSION, RATE_METRIC, RATE_STATISTIC } from './metrics.ts';

export const DAY = /^\d{4}-\d{2}-\d{2}$/;
export const day = z.string().regex(DAY, 'a day, YYYY-MM-DD');
export const runId = z.string().regex(/^[A-Za-z0-9_-]{1,80}$/);

export const runKeys = (d: string, run: string) => {
  const root = `runs/${d}/${run}/`;
  return {
    root,
    partials: `${root}partials/`,
    partial: (batch: string) => `${root}partials/${batch}.json`,
    judgeInput: `${root}judge/input/`,
    judgeManifest: `${root}judge/manifest/`,
    judgeJobInput: `${root}judge/job/input.jsonl`,
    judgeJobManifest: `${root}judge/job/manifest.jsonl`,
    judgeOutput: `${root}judge/output/`,
    judgePartial: `${root}judge/partial.json`,
    mapResults: `${root}map/`,
  };
};
export const SUMMARIES = 'summaries/';
export const summaryKey = (d: string) => `${SUMMARIES}${d}.json`;
export const digestKey = (d: string, ext: 'md' | 'svg') => `digests/${d}.${ext}`;

/** The day before `at`, UTC. */
export function previousDay(at: Date): string {
  return new Date(at.getTime() - 86_400_000).toISOString().slice(0, 10);
}

export const planInput = z.object({
  /** The execution's input: `{}` from the schedule, or `{ "day": "YYYY-MM-DD" }` to (re)run a day. */
  input: z.object({ day: day.optional() }).passthrough().default({}),
  startedAt: z.string(),
  executionName: z.string().min(1),
});

export const plan = z.object({
  day,
  runId,
  /** Where the map lists the day's transcripts. */
  prefix: z.string(),
  mapResultsPrefix: z.string(),
  batchSize: z.number().int().positive(),
  maxConcurrency: z.number().int().positive(),
  judge: z.boolean(),
  annotateAfterSeconds: z.number().int().min(0),
});
export type Plan = z.infer<typeof plan>;

/** What one daily execution works on: the previous day (or the day asked for), and where. */
export function planRun(raw: unknown, config: FrictionConfig): Plan {
  const input = planInput.parse(raw);
  const d = input.input.day ?? previousDay(new Date(input.startedAt));
  const run = input.executionName.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 80);
  return plan.parse({
    day: d,
    runId: run,
    prefix: `${config.transcriptPrefix}${d}/`,
    mapResultsPrefix: runKeys(d, run).mapResults,
    batchSize: config.batchSize,
    maxConcurrency: config.maxConcurrency,
    judge: config.judge.enabled,
    annotateAfterSeconds: config.annotateAfterMinutes * 60,
  });
}

/** The alarm of a kind. */
export function frictionAlarmName(config: FrictionConfig, watchedNamePrefixes: readonly string[], kind: FrictionKind): string {
  return `${frictionAlarmPrefix(config, watchedNamePrefixes)}${kind}`;
}

/**
 * The lineage a kind's alarm opens: the fingerprint ingestion computes from the alarm's metric
 * (namespace, metric name, statistic, the Kind dimension), so the run finds the issue it files.
 */
export function frictionLineageId(alarmName: string, kind: FrictionKind, tenantDimension: string): string {
  return lineageIdFor(
    alarmFingerprint(
      {
        alarmName,
        variant: 'single-metric',
        metrics: [{ namespace: FRICTION_NAMESPACE, metricName: RATE_METRIC, stat: RATE_STATISTIC, dimensions: { [KIND_DIMENSION]: kind } }],
      },
      { tenantDimension },
    ),
  );
}
