/**
 * Settings of the friction pipeline: the optional `friction` key of prodloop's configuration. When the
 * key is absent nothing is deployed and the local command uses these defaults.
 */
import * as z from 'zod';

/** The seven kinds of friction, in the order digests list them. */
export const FRICTION_KINDS = [
  'abandoned-tool-flow',
  'repeated-rephrasing',
  'context-churn',
  'error-events',
  'escalation-tone',
  'backtracking',
  'platform-confusion',
] as const;
export const frictionKind = z.enum(FRICTION_KINDS);
export type FrictionKind = z.infer<typeof frictionKind>;

export const SEVERITIES = ['high', 'medium', 'low'] as const;
export const severity = z.enum(SEVERITIES);
export type Severity = z.infer<typeof severity>;

const rateThresholds = z.partialRecord(frictionKind, z.number().gt(0).max(1));

export const frictionConfig = z
  .object({
    /** Deploy the daily pipeline (bucket, schedule, workflow, alarms). */
    enabled: z.boolean().default(true),
    /** Sessions with fewer agentic steps (tool calls and replies of the coding agent) are not analysed. */
    minSteps: z.number().int().min(0).default(30),
    /** Hour (UTC) at which the daily run analyses the previous day. */
    scheduleHourUtc: z.number().int().min(0).max(23).default(3),
    /** Transcripts of a day are the objects under `<transcriptPrefix><YYYY-MM-DD>/`. */
    transcriptPrefix: z
      .string()
      .regex(/^([A-Za-z0-9_.-]+\/)*$/, 'a key prefix ending in "/", or empty')
      .default('transcripts/'),
    /** Days a transcript (and every derived object) is kept before S3 expires it. */
    retentionDays: z.number().int().min(1).max(3650).default(30),
    /**
     * Alarms are named `<alarmNamePrefix><kind>`.
     * @default the first watched alarm name prefix followed by `friction-`, so friction alarms are watched
     */
    alarmNamePrefix: z.string().min(1).optional(),
    /** Rate (sessions with the kind / sessions analysed) above which a kind's alarm fires. */
    defaultRateThreshold: z.number().gt(0).max(1).default(0.2),
    /** Per-kind overrides of `defaultRateThreshold`. */
    rateThresholds: rateThresholds.default({}),
    contextChurn: z
      .object({
        /** Add/remove cycles of one file at which churn is high severity (the seed pattern: 3). */
        cycles: z.number().int().min(1).default(3),
        /** Window the cycles must fall in, when the transcript has timestamps. */
        windowSeconds: z.number().int().min(1).default(120),
        /** Window in user turns, for transcripts without timestamps (Aider). */
        windowTurns: z.number().int().min(1).default(8),
      })
      .default({ cycles: 3, windowSeconds: 120, windowTurns: 8 }),
    rephrasing: z
      .object({
        /** Consecutive user messages restating one request before it counts. */
        minRun: z.number().int().min(2).default(3),
        /** Word-set similarity (0–1) at which two messages are the same request. */
        similarity: z.number().gt(0).max(1).default(0.5),
      })
      .default({ minRun: 3, similarity: 0.5 }),
    /** Transcripts per Lambda invocation in the Distributed Map. */
    batchSize: z.number().int().min(1).max(1000).default(25),
    /** Concurrent batches. */
    maxConcurrency: z.number().int().min(1).max(1000).default(50),
    /** Minutes after the metrics are published before the run comments the day's examples on friction issues. */
    annotateAfterMinutes: z.number().int().min(0).max(120).default(15),
    judge: z
      .object({
        /** Run the model judge (Amazon Bedrock) after the deterministic detectors. */
        enabled: z.boolean().default(false),
        /** A Bedrock model id that supports batch inference with the Anthropic messages format. */
        modelId: z.string().min(1).default('anthropic.claude-3-5-haiku-20241022-v1:0'),
        /** Below this many sessions the judge calls the model directly instead of starting a batch job (Bedrock's minimum is 100). */
        minBatchRecords: z.number().int().min(1).default(100),
        /** At most this many sessions a day go to the judge. */
        maxRecords: z.number().int().min(1).default(10_000),
        /** Polls of the batch job (one every 10 minutes) before the run reports without the judge. */
        maxPolls: z.number().int().min(1).default(72),
      })
      .default({
        enabled: false,
        modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0',
        minBatchRecords: 100,
        maxRecords: 10_000,
        maxPolls: 72,
      }),
  })
  .strict();
export type FrictionConfig = z.infer<typeof frictionConfig>;
export type FrictionConfigInput = z.input<typeof frictionConfig>;

/** The settings with every default filled in (absent key: all defaults). */
export function frictionSettings(raw: FrictionConfigInput | FrictionConfig | undefined): FrictionConfig {
  return frictionConfig.parse(raw ?? {});
}

/** The rate above which a kind's alarm fires. */
export function thresholdFor(config: FrictionConfig, kind: FrictionKind): number {
  return config.rateThresholds[kind] ?? config.defaultRateThreshold;
}

/**
 * The alarm name prefix: the configured one, or the first watched name prefix plus `friction-`
 * (`prod-friction-`), so the lineage loop picks friction alarms up like any other watched alarm.
 */
export function frictionAlarmPrefix(config: FrictionConfig, watchedNamePrefixes: readonly string[]): string {
  return config.alarmNamePrefix ?? `${watchedNamePrefixes[0] ?? 'prodloop-'}friction-`;
}

/**
 * The `friction` key of prodloop's configuration: validated with `frictionConfig` (every problem listed
 * with its path), but kept as written, so the defaults do not take room in the functions' environment;
 * `frictionSettings` fills them in where the pipeline runs.
 */
export const frictionKey = z
  .custom<FrictionConfigInput>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), {
    message: 'must be an object',
  })
  .superRefine((value, ctx) => {
    const result = frictionConfig.safeParse(value);
    if (result.success) return;
    for (const issue of result.error.issues)
      ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path as (string | number)[] });
  });
