/**
 * Configuration of signal-driven triage and of the sanitizer: the `triage` and `privacy` keys of the
 * prodloop configuration, and what a code path rule adds for triage (log groups, the AWS services it
 * depends on, its traffic metric). Every key has a default; docs/triage.md explains each default.
 */
import * as z from 'zod';
import { identifierPatternError } from '#domain/privacy/sanitize';
import type { MetricRef } from '#domain/signals/signals';
import { logOrigin } from './evidence.ts';

export const DEFAULT_LOGS_QUERY =
  'fields @timestamp, @message | filter @message like /(?i)(error|exception|fail|fatal|panic|timeout|denied|invalid)/ | sort @timestamp desc | limit 50';

/** The metric of all operations (requests) of a service, for depth: the fraction of operations failing. */
export const trafficMetric = z.object({
  namespace: z.string().min(1),
  metricName: z.string().min(1),
  dimensions: z.record(z.string(), z.string()).default({}),
  stat: z.string().default('Sum'),
  periodSeconds: z.number().int().positive().optional(),
});
export type TrafficMetric = z.infer<typeof trafficMetric>;

/** The query that reads a traffic metric: returned, under the id `traffic`. */
export function trafficRef(t: TrafficMetric): MetricRef {
  return { ...t, id: 'traffic', returnData: true };
}

/** What a code path rule gains for triage. */
export const codePathTriageFields = {
  /** CloudWatch Logs groups of the service, read with Logs Insights for samples and error codes. */
  logGroups: z.array(z.string().min(1)).default([]),
  /** AWS Health service codes the service depends on (`DYNAMODB`, `S3`…): their events are external-cause evidence. */
  awsServices: z.array(z.string().min(1)).default([]),
  /** All operations of the service, for depth (fraction failing); without it depth is unknown. */
  trafficMetric: trafficMetric.optional(),
};

export const errorCodeRule = z.object({
  /** The code as it appears in log lines (`E_PAYMENT_DECLINED`, `ThrottlingException`). */
  code: z.string().min(1),
  /** A regular expression to find it instead of the literal code. */
  pattern: z.string().optional(),
  /** Where errors with this code come from: our code, a dependency, something external, or the tenant. */
  origin: logOrigin.exclude(['unknown']),
  /** The code paths (globs) that raise it. */
  codePaths: z.array(z.string().min(1)).default([]),
});
export type ErrorCodeRule = z.infer<typeof errorCodeRule>;

export const triageSettings = z.object({
  /** Minutes of metric before the alarm that triage reads: the baseline and the onset must both be in it. */
  windowMinutes: z.number().int().min(30).max(1440).default(180),
  /** Previous weeks read for the same hours (weekly seasonality); 0 turns seasonality off. */
  seasonalityWeeks: z.number().int().min(0).max(8).default(4),
  /** Family-wise error rate of the shift test (Bonferroni over candidate onsets). */
  alpha: z.number().gt(0).lt(0.5).default(0.01),
  /** Per-tenant test level when counting affected tenants (a rate of false "affected" per healthy tenant). */
  tenantAlpha: z.number().gt(0).lt(0.5).default(0.001),
  /**
   * Counts only: a significant change of the event rate by at least this fraction is a large enough effect even
   * when its size per point is under thresholds.minSignalToNoise (Poisson noise caps that for sparse counts).
   */
  minRelativeShift: z.number().min(0).default(0.5),
  /** Counts only: fewest extra events since the onset before the evidence is more than a handful of requests. */
  minExcessEvents: z.number().min(0).default(20),
  /** With a traffic metric: fewest operations since the onset. */
  minOperations: z.number().min(0).default(200),
  /** Least confidence in a deploy or dependency cause for a code-ready issue. */
  minAttributionConfidence: z.number().min(0).max(1).default(0.5),
  /** At most this many affected tenants (or 2 % of active ones, if more) make a narrow, tenant-side pattern. */
  narrowTenants: z.number().int().min(1).default(3),
  /** Other services alarming at once that make an outage look external (or architectural). */
  crossServiceAlarms: z.number().int().min(1).default(2),
  /** Paths whose change is architectural (shared, schema, infrastructure): issues there are Tier 2. */
  architecturalPaths: z.array(z.string().min(1)).default(['**/migrations/**', 'infra/**', 'shared/**']),
  /** New issues and observations per UTC day; beyond it they go into one digest observation. */
  dailyIssueCap: z.number().int().min(1).default(20),
  /** Alarms of one service within this many minutes of a filed problem are the same problem. */
  foldWindowMinutes: z.number().int().min(1).default(60),
  logs: z
    .object({
      /** Logs Insights query; its @message lines are the samples. */
      query: z.string().min(1).default(DEFAULT_LOGS_QUERY),
      /** Samples kept (sanitized) in the evidence. */
      samples: z.number().int().min(0).max(50).default(12),
    })
    .prefault({}),
  /** Error codes, where they come from and the code paths that raise them. */
  errorCodes: z.array(errorCodeRule).default([]),
});
export type TriageSettings = z.infer<typeof triageSettings>;

export const privacySettings = z.object({
  /**
   * Key of the identifier pseudonyms (HMAC-SHA256). Set a random value: without it a fixed key is used,
   * which keeps identifiers out of issues but does not stop someone from guessing one from its pseudonym.
   */
  hashKey: z.string().min(16).optional(),
  /** More keys whose values are tenant or user identifiers, besides the built-in ones and the tenant dimension. */
  identifierKeys: z.array(z.string().min(1)).default([]),
  /**
   * More identifier patterns, besides the built-in ones (`tenant <id>`, `user id <id>`…): a regular
   * expression (flags `g` and `i`; with a capture group, the first group is the identifier) and the
   * kind of its pseudonym (`[kind:…]`). Refused at synth when it does not compile or matches the empty
   * string. Keep it linear: no nested quantifiers over the same characters.
   */
  identifierPatterns: z
    .array(
      z
        .object({ kind: z.string().min(1), pattern: z.string().min(1) })
        .strict()
        .superRefine((p, ctx) => {
          const error = identifierPatternError(p);
          if (error) ctx.addIssue({ code: 'custom', message: error });
        }),
    )
    .default([]),
});
export type PrivacySettings = z.infer<typeof privacySettings>;

/** The triage settings of a configuration that may predate them (tests and old decisions): defaults fill in. */
export function triageSettingsOf(config: { triage?: Partial<TriageSettings> | undefined }): TriageSettings {
  return triageSettings.parse(config.triage ?? {});
}
