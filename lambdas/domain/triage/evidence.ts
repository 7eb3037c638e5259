/**
 * Schemas of the evidence triage gathers beyond the metric's baseline and current windows: the shift
 * test, depth, per-tenant breadth, AWS Health events, log samples and error codes, alarms of other
 * services. Every field is optional in the evidence, so decisions made before they existed still parse.
 */
import * as z from 'zod';
import { healthSignal, isoDate } from '#domain/signals/signals';

export const logOrigin = z.enum(['platform', 'dependency', 'external', 'user', 'unknown']);
export type LogOrigin = z.infer<typeof logOrigin>;

export const shiftStatistics = z.object({
  /** What "expected" is made of: a flat level, a trend, the weekly seasonal profile, or both. */
  model: z.enum(['flat', 'trend', 'seasonal', 'seasonal+trend']),
  seasonalWeeks: z.number().int().min(0),
  /** Trend of the baseline, relative to its level, per hour. */
  trendPerHour: z.number(),
  /** The expected level over the shifted window (counterfactual without the shift). */
  expectedMean: z.number(),
  /** Residual noise of one point around the expected level. */
  noise: z.number(),
  z: z.number(),
  pValue: z.number().min(0).max(1),
  /** Bonferroni-adjusted for the number of onsets tried. */
  pAdjusted: z.number().min(0).max(1),
  alpha: z.number(),
  onsetsTried: z.number().int().min(0),
  autocorrelation: z.number(),
  /** False when the signal had already returned to the expected level at triage time. */
  stillShifted: z.boolean(),
  lastShiftedAt: isoDate,
});
export type ShiftStatistics = z.infer<typeof shiftStatistics>;

export const depthEvidence = z.object({
  /** Fraction of operations failing since the onset. */
  failing: z.number().min(0),
  /** Fraction of operations failing beyond the expected failures: the incident's own share. */
  excess: z.number(),
  operations: z.number().min(0),
});
export type DepthEvidence = z.infer<typeof depthEvidence>;

export const tenantEvidence = z.object({
  /** Where breadth came from: per-tenant series tested one by one, the adapter's aggregate, or nothing. */
  source: z.enum(['per-tenant', 'aggregate', 'none']),
  /** Per-tenant: tenants whose own shift is significant (a lower bound). */
  confirmed: z.number().int().min(0).optional(),
  /** Per-tenant: Storey's estimate of tenants off their baseline, from the p-values of all (0 when not significant). */
  estimated: z.number().int().min(0).optional(),
  /** The most affected tenants, as keyed-hash pseudonyms (never the identifiers). */
  top: z.array(z.object({ tenant: z.string(), excess: z.number() })).default([]),
});
export type TenantEvidence = z.infer<typeof tenantEvidence>;

export const errorCodeCount = z.object({
  code: z.string(),
  count: z.number().int().min(0),
  origin: logOrigin,
  codePaths: z.array(z.string()).default([]),
  /** True when the code is in the configured registry (origin and paths from configuration). */
  registered: z.boolean(),
});
export type ErrorCodeCount = z.infer<typeof errorCodeCount>;

export const logEvidence = z.object({
  /** The Logs Insights query that was run, and on which log groups. */
  query: z.string(),
  logGroups: z.array(z.string()).default([]),
  /** Sanitized samples, newest first. */
  samples: z.array(z.object({ at: isoDate, message: z.string() })).default([]),
  codes: z.array(errorCodeCount).default([]),
  /** Samples by the origin their content points to. */
  origins: z.record(z.string(), z.number()).default({}),
  dominant: logOrigin,
  /** False when most classified samples point outside the platform (upstream failures, tenant errors). */
  consistentWithPlatform: z.boolean(),
  /** Set when the logs could not be read: triage goes on without them. */
  error: z.string().optional(),
});
export type LogEvidence = z.infer<typeof logEvidence>;

export const otherAlarm = z.object({
  alarmName: z.string(),
  service: z.string().optional(),
  namespace: z.string().optional(),
  since: isoDate.optional(),
});
export type OtherAlarm = z.infer<typeof otherAlarm>;

/** The fields evidence gains from signal-driven triage (all optional). */
export const triageEvidenceFields = {
  statistics: shiftStatistics.optional(),
  depth: depthEvidence.optional(),
  /** Slope of the signal since the onset, relative to the expected level, per hour (positive: still rising). */
  rateOfChangePerHour: z.number().optional(),
  /** Counts only: events beyond the expected count since the onset. */
  excessEvents: z.number().optional(),
  tenants: tenantEvidence.optional(),
  healthEvents: z.array(healthSignal).optional(),
  logs: logEvidence.optional(),
  /** Alarms of other services in ALARM around the onset. */
  otherAlarms: z.array(otherAlarm).optional(),
  /** Code paths the signal points at (from error codes), narrower than the service's paths. */
  signalPaths: z.array(z.string()).optional(),
  /** A composite alarm measured through the child alarm that triggered it. */
  resolvedFrom: z.object({ compositeAlarm: z.string(), childAlarm: z.string() }).optional(),
  /** A one-paragraph root-cause hypothesis, from the top candidate and the evidence behind it. */
  hypothesis: z.string().optional(),
};

/** The fields a decision gains (all optional). */
export const triageDecisionFields = {
  /** Why this tier and this priority, in words. */
  rank: z.object({ tier: z.string(), priority: z.string() }).optional(),
  /** Set when the lineage's problem is already handled by another lineage (a storm across alarms). */
  relatedTo: z.string().optional(),
  /** Set when the daily issue cap was reached: the observation goes into this day's digest. */
  digest: z.string().optional(),
  /** The last re-evaluation after a fix deploy, which recomputed the priority from the current numbers. */
  reevaluation: z
    .object({
      at: isoDate,
      verdict: z.enum(['recovered', 'unchanged', 'worse', 'inconclusive']),
      currentMean: z.number(),
      ratio: z.number(),
      previousPriority: z.enum(['P0', 'P1', 'P2', 'P3']),
    })
    .optional(),
};
