/** The lineage: the life of one problem, and what the loop decides about it. */
import * as z from 'zod';
import { alarmSignal, deploySignal, isoDate, metricRef } from '#domain/signals/signals';
import { triageDecisionFields, triageEvidenceFields } from '#domain/triage/evidence';

export const lineageStatus = z.enum([
  /** Opened, triage running. */
  'triaging',
  /** Below the evidence bar: an observation was filed for a human. */
  'observing',
  /** Issue filed; waiting for the deploy that ships a fix. */
  'awaiting-fix',
  /** A fix deploy shipped; validating it against the baseline. */
  'validating',
  /** The signal recovered; issue closed. */
  'resolved',
  /** A human has it now (inconclusive, failure, no fix): the loop ended. */
  'escalated',
  /** The loop stopped (iteration cap, budget, andon cord) and waits for a human; a reset or lift resumes it. */
  'halted',
  /** Below the noise thresholds; nothing filed. */
  'ignored',
]);
export type LineageStatus = z.infer<typeof lineageStatus>;

/** Statuses in which a lineage is still in flight: a new alarm for it starts nothing. */
export const inFlightStatuses: readonly LineageStatus[] = ['triaging', 'awaiting-fix', 'validating', 'halted'];

/** Why a loop waits for a human. */
export const haltReason = z.enum(['iteration-cap', 'budget-spent', 'andon']);
export type HaltReason = z.infer<typeof haltReason>;

export const issueRef = z.object({
  number: z.number().int().positive(),
  url: z.string(),
  kind: z.enum(['issue', 'observation']),
  /** True when the issue went to the outbox only (shadow mode or local run). */
  shadow: z.boolean(),
});
export type IssueRef = z.infer<typeof issueRef>;

export const lineage = z.object({
  lineageId: z.string().min(1),
  /** Bumped each time a resolved or escalated lineage opens again; part of the execution name. */
  generation: z.number().int().min(1),
  status: lineageStatus,
  fingerprint: z.string(),
  alarmName: z.string(),
  service: z.string().optional(),
  codePaths: z.array(z.string()).default([]),
  openedAt: isoDate,
  updatedAt: isoDate,
  signal: alarmSignal,
  issue: issueRef.optional(),
  /** Consecutive iterations without improvement. */
  iterations: z.number().int().min(0),
  costUsd: z.number().min(0),
  budgetUsd: z.number().positive(),
  /** Task token of the execution waiting for a fix deploy, while awaiting-fix. */
  taskToken: z.string().optional(),
  /**
   * A fix-wait token taken back to stop the loop, kept until Step Functions accepted the failure of
   * its task: a stop interrupted between the two is finished by the next caller with this token.
   */
  haltToken: z.string().optional(),
  executionName: z.string().optional(),
  /** The execution whose start was confirmed: later alarms of a storm call no StartExecution. */
  startedExecution: z.string().optional(),
  /**
   * The start claim on the current execution, until its start is confirmed: the instant (UTC) until
   * which one caller (the alarm that opened the generation, or the one that took the start over) is
   * starting it, and no other alarm calls StartExecution (transitions.ts, `claimStart`).
   */
  startingUntil: z.string().optional(),
  /**
   * What triage measured the problem through: a composite alarm's child (a composite has no metric of
   * its own), and which way is worse (DescribeAlarms knows an alarm's comparison operator even when its
   * event did not carry it). Validation and the deploy watch read the signal from here when it is set.
   */
  measured: z
    .object({ alarmName: z.string().min(1), metrics: z.array(metricRef).min(1), comparisonOperator: z.string().optional() })
    .optional(),
  /** While halted: what stopped the loop. */
  haltReason: haltReason.optional(),
  /** The last deploy that resumed the loop; an older or equal deploy never resumes it again. */
  fixDeploy: z.object({ deployId: z.string(), at: isoDate }).optional(),
  /** A fix deploy that arrived while the loop was not waiting; the next wait takes it at once. */
  queuedFix: deploySignal.optional(),
  /** Part of costUsd reported by CI or a coding agent ("Cost Reported"). */
  reportedCostUsd: z.number().min(0).optional(),
  /** Part of costUsd that is prodloop's own estimate of its state transitions and Lambda time. */
  ownCostUsd: z.number().min(0).optional(),
  /** Optimistic-lock version, bumped on every write. */
  version: z.number().int().min(0),
});
export type Lineage = z.infer<typeof lineage>;

export const auditEvent = z.object({
  lineageId: z.string(),
  at: isoDate,
  /** Who did it: `prodloop` or a human's name. */
  actor: z.string(),
  action: z.string(),
  detail: z.record(z.string(), z.unknown()).default({}),
});
export type AuditEvent = z.infer<typeof auditEvent>;

export const quarantineLock = z.object({
  /** Code path glob. */
  path: z.string().min(1),
  lineageId: z.string(),
  reason: z.string(),
  deployId: z.string().optional(),
  lockedAt: isoDate,
});
export type QuarantineLock = z.infer<typeof quarantineLock>;

export const recordedDeploy = deploySignal.extend({ recordedAt: isoDate });
export type RecordedDeploy = z.infer<typeof recordedDeploy>;

export const attributionCause = z.enum(['platform-deploy', 'dependency-change', 'external-dependency', 'user-configuration', 'unknown']);
export type AttributionCause = z.infer<typeof attributionCause>;

export const candidate = z.object({
  cause: attributionCause,
  confidence: z.number().min(0).max(1),
  why: z.string(),
  deployId: z.string().optional(),
});
export type Candidate = z.infer<typeof candidate>;

export const windowStats = z.object({
  from: isoDate,
  to: isoDate,
  mean: z.number(),
  stddev: z.number(),
  points: z.number().int().min(0),
});
export type WindowStats = z.infer<typeof windowStats>;

export const evidence = z.object({
  baseline: windowStats,
  current: windowStats,
  onset: isoDate,
  durationMinutes: z.number(),
  /** Shift of the current mean over the baseline, in baseline standard deviations. */
  signalToNoise: z.number(),
  /** Relative change of the mean (current / baseline). */
  ratio: z.number(),
  tenantsAffected: z.number().int().min(0),
  tenantsActive: z.number().int().min(0),
  breadth: z.number().min(0).max(1),
  /** Each deploy with at most MAX_EVIDENCE_PATHS of its changed paths, and how many were left out. */
  suspectDeploys: z.array(recordedDeploy.extend({ changedPathsOmitted: z.number().int().positive().optional() })).default([]),
  candidates: z.array(candidate).default([]),
  quarantinedPaths: z.array(z.string()).default([]),
  ...triageEvidenceFields,
});
export type Evidence = z.infer<typeof evidence>;

export const decisionKind = z.enum(['actionable', 'observation', 'ignore']);
export type DecisionKind = z.infer<typeof decisionKind>;

export const decision = z.object({
  kind: decisionKind,
  tier: z.union([z.literal(1), z.literal(2)]),
  priority: z.enum(['P0', 'P1', 'P2', 'P3']),
  confidence: z.number().min(0).max(1),
  attribution: attributionCause,
  reasons: z.array(z.string()),
  evidence,
  ...triageDecisionFields,
});
export type Decision = z.infer<typeof decision>;

export const verdictKind = z.enum(['recovered', 'unchanged', 'worse', 'inconclusive']);
export type VerdictKind = z.infer<typeof verdictKind>;

export const verdict = z.object({
  kind: verdictKind,
  /** When the evaluation was made, ISO 8601. */
  at: isoDate,
  baselineMean: z.number(),
  currentMean: z.number(),
  /** Shift of the post-deploy mean over the pre-deploy baseline, in baseline standard deviations. */
  signalToNoise: z.number(),
  points: z.number().int().min(0),
  reason: z.string(),
  /** The signal since the deploy as a multiple of its trend-adjusted healthy baseline (docs/validation.md). */
  ratio: z.number().optional(),
  /** While undecided: minutes until a verdict is expected at the current volume. */
  etaMinutes: z.number().min(0).optional(),
  /** The e-value behind the verdict: evidence against its null hypothesis that holds at any look. */
  eValue: z.number().min(0).optional(),
});
export type Verdict = z.infer<typeof verdict>;

/** The alarm, metrics and direction a lineage is judged by: what triage measured, else the alarm as it arrived. */
export function measuredSignal(l: Pick<Lineage, 'signal' | 'measured'>): {
  readonly alarmName: string;
  readonly metrics: Lineage['signal']['metrics'];
  readonly comparisonOperator?: string;
} {
  if (l.measured) return l.measured;
  const { alarmName, metrics, comparisonOperator } = l.signal;
  return { alarmName, metrics, ...(comparisonOperator ? { comparisonOperator } : {}) };
}
