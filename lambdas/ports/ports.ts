/**
 * Ports: what the core needs from the outside world. Each has a real adapter (AWS, GitHub) and a
 * local one (DynamoDB Local is real, the rest write to an outbox folder or replay files).
 */
import type {
  AuditEvent,
  Decision,
  HaltReason,
  IssueRef,
  Lineage,
  LineageStatus,
  QuarantineLock,
  RecordedDeploy,
  Verdict,
} from '#domain/lineage/lineage';
import type { ClaimFixResult, LineageOpening } from '#domain/lineage/transitions';
import type { DeploySignal, HealthSignal, MetricRef } from '#domain/signals/signals';

/** An alarm that opens a lineage (or a new generation of it). */
export type OpenLineageInput = LineageOpening;

export type OpenLineageResult =
  /** A new lineage (or a new generation of a closed one): start an execution with this name. */
  | { readonly started: true; readonly lineage: Lineage; readonly executionName: string }
  /** The lineage is already in flight: nothing new starts. */
  | { readonly started: false; readonly lineage: Lineage };

export interface ChargeInput {
  readonly lineageId: string;
  readonly costUsd: number;
  /** Count this charge as one more iteration without improvement. */
  readonly iteration: boolean;
  readonly reason: string;
  readonly at: string;
  /** Idempotency key: a retried charge with the same key is applied once. */
  readonly chargeId: string;
  /** Also added to the lineage's share of that kind: reported by CI or an agent, or prodloop's own estimate. */
  readonly category?: 'attempt' | 'reported' | 'prodloop';
}

export interface ChargeResult {
  readonly lineage: Lineage;
  readonly applied: boolean;
  readonly budgetSpent: boolean;
  readonly iterationCapReached: boolean;
}

export interface LineageStore {
  /**
   * Opens a lineage by conditional write: creates it, or starts a new generation of a resolved,
   * escalated, observing or ignored one; an in-flight lineage is returned unchanged with started=false.
   * Concurrent calls for one lineage start exactly one execution.
   */
  openLineage(input: OpenLineageInput): Promise<OpenLineageResult>;
  /**
   * Records that the execution `executionName` of a lineage was started; true for the call that
   * recorded it, false when it was already recorded or the lineage has moved on to another execution.
   */
  confirmStarted(lineageId: string, executionName: string, at: string): Promise<boolean>;
  /** Records what triage measured the lineage through (`Lineage.measured`); a no-op when it is already that. */
  recordMeasured(lineageId: string, measured: NonNullable<Lineage['measured']>, at: string): Promise<void>;
  getLineage(lineageId: string): Promise<Lineage | undefined>;
  listLineages(): Promise<Lineage[]>;
  /** Conditional status change; throws ConflictError when the current status is not one of `from`. */
  transition(
    lineageId: string,
    change: {
      from: readonly LineageStatus[];
      to: LineageStatus;
      at: string;
      actor: string;
      action: string;
      detail?: Record<string, unknown>;
    },
  ): Promise<Lineage>;
  recordIssue(lineageId: string, issue: IssueRef, at: string): Promise<Lineage>;
  /**
   * Claims a deploy that references the lineage as its fix, by conditional write. Of two deliveries
   * of one deploy, or two fix deploys at once, exactly one resumes the loop; an older deploy never does.
   */
  claimFix(lineageId: string, deploy: DeploySignal, at: string): Promise<ClaimFixResult>;
  /**
   * Undoes a claim whose resume failed (the wait goes on with its token), so that a redelivery of the
   * deploy resumes the loop; false when the lineage moved on since the claim.
   */
  unclaimFix(lineageId: string, deployId: string, taskToken: string, at: string): Promise<boolean>;
  /**
   * Starts a wait for a fix: takes a queued fix deploy (returned, the lineage moves to validating and
   * the caller resumes its own token with it), or parks the token and moves the lineage to awaiting-fix.
   */
  parkForFix(lineageId: string, taskToken: string, at: string): Promise<{ lineage: Lineage; queued?: DeploySignal }>;
  /** Takes back the parked fix-wait token to stop the loop; the lineage is halted for `reason`. Undefined when none is parked. */
  takeFixToken(lineageId: string, reason: HaltReason, at: string, detail?: Record<string, unknown>): Promise<string | undefined>;
  /** Parks the token of a loop that waits for a human; the lineage is halted for `reason`. */
  parkForHuman(lineageId: string, taskToken: string, reason: HaltReason, at: string): Promise<Lineage>;
  /**
   * A human's word (or a halt that cleared): takes the token of a halted loop, moves the lineage to
   * awaiting-fix and records who and why. No token when the loop has not parked yet.
   */
  releaseHuman(lineageId: string, by: { actor: string; reason: string; at: string }): Promise<{ lineage: Lineage; taskToken?: string }>;
  /** Hands the lineage from one execution to the next (a fresh history per iteration); idempotent for a retry. */
  continueExecution(lineageId: string, from: string, to: string, at: string): Promise<Lineage>;
  /** Adds cost (and an iteration) by conditional write; idempotent per chargeId. */
  charge(input: ChargeInput, limits: { iterationCap: number }): Promise<ChargeResult>;
  /** Resets the iteration count (and optionally the spend) on a human's word; audited. */
  resetBudget(lineageId: string, by: { actor: string; reason: string; at: string; budgetUsd?: number }): Promise<Lineage>;
  appendAudit(event: AuditEvent): Promise<void>;
  auditTrail(lineageId: string): Promise<AuditEvent[]>;

  /** Records a deploy once (idempotent on deployId and status); returns false for a duplicate. */
  recordDeploy(deploy: DeploySignal, recordedAt: string): Promise<boolean>;
  /** Deploys of a service that finished between `from` and `to`, oldest first. */
  deploysBetween(service: string, from: string, to: string): Promise<RecordedDeploy[]>;
  recordHealthEvent(event: HealthSignal): Promise<boolean>;

  /** Locks every path in one transaction; paths already locked keep their first lock. */
  lockPaths(locks: readonly QuarantineLock[]): Promise<QuarantineLock[]>;
  listLocks(): Promise<QuarantineLock[]>;
  /** Lifts a lock on a human's word; audited under the lock's lineage. */
  liftLock(path: string, by: { actor: string; reason: string; at: string }): Promise<QuarantineLock>;

  /** Claims an idempotency key; false when it was claimed before (within its TTL). */
  claimOnce(key: string, ttlSeconds: number, at: string): Promise<boolean>;
  /** Gives a claimed key back, so that the next attempt may claim it (its work failed after the claim). */
  releaseClaim(key: string): Promise<void>;
}

export interface IssueDraft {
  readonly lineageId: string;
  readonly kind: 'issue' | 'observation';
  readonly title: string;
  readonly body: string;
  readonly labels: readonly string[];
  readonly assignees: readonly string[];
}

export interface IssueTracker {
  /** Files the issue, or finds the one already filed for the lineage (by its marker) and returns it. */
  fileIssue(draft: IssueDraft): Promise<IssueRef>;
  comment(issue: IssueRef, body: string): Promise<void>;
  close(issue: IssueRef, comment: string): Promise<void>;
  /** Replaces labels and body, e.g. when a re-evaluation changes the priority. */
  update(issue: IssueRef, change: { body?: string; labels?: readonly string[] }): Promise<void>;
}

export interface EscalationMessage {
  readonly lineageId: string;
  readonly subject: string;
  readonly text: string;
  readonly reason: 'iteration-cap' | 'budget-spent' | 'inconclusive' | 'andon' | 'failure';
}

export interface Notifier {
  escalate(message: EscalationMessage): Promise<void>;
}

/** A pull request a deploy ships, with the text that may reference a lineage. */
export interface ShippedPullRequest {
  readonly number: number;
  readonly title: string;
  readonly body: string;
  readonly url?: string;
  readonly merged?: boolean;
}

/** What a deploy ships, as far as the code host can tell. */
export interface DeployContents {
  readonly prs: readonly ShippedPullRequest[];
  /** Commit messages between the previous and the new commit (trailers may name a lineage). */
  readonly commitMessages: readonly string[];
  /** Files changed between the previous and the new commit. */
  readonly files: readonly string[];
  /** How it was resolved: compare of the two commits, the event's own fields, or not at all. */
  readonly resolvedBy: 'compare' | 'event' | 'none';
  /** Why the resolution is partial, when it is. */
  readonly note?: string;
}

export interface RevertRequest {
  readonly deploy: DeploySignal;
  /** The commit that ran before the deploy, when known. */
  readonly previousSha?: string;
  readonly title: string;
  /** Markdown: the evidence and what to do. */
  readonly body: string;
}

export type RevertResult =
  | { readonly proposed: true; readonly number: number; readonly url: string; readonly branch: string; readonly existing: boolean }
  | { readonly proposed: false; readonly reason: string };

/** The code host (GitHub): which pull requests a deploy ships, and a pull request that reverts a deploy. */
export interface CodeHost {
  /** Resolves a deploy to its pull requests; `previousSha` stands in when the event names none. */
  resolveDeploy(deploy: DeploySignal, previousSha?: string): Promise<DeployContents>;
  /** Opens (or finds, idempotently per deploy) a pull request that reverts the deploy's changes. */
  proposeRevert(request: RevertRequest): Promise<RevertResult>;
}

/** The commit an AWS-native deploy shipped and the one that ran before it, as far as AWS can tell. */
export interface DeployVersion {
  readonly commitSha?: string;
  readonly previousSha?: string;
  /** Where the commits were read, or why none was found (access denied, not found, none recorded). */
  readonly how: string;
}

/** Reads the commits of CodeDeploy, ECS and CloudFormation deploys, whose events carry none. */
export interface DeployVersions {
  /**
   * Never throws for a lookup that cannot succeed (denied, not found, no commit recorded): the answer
   * has no commit and says why. Throws TransientError when AWS throttles or fails, for a retry.
   */
  versionOf(deploy: DeploySignal): Promise<DeployVersion>;
}

export interface Point {
  readonly at: string;
  readonly value: number;
}

export interface MetricSource {
  /** Values of the alarm's metric (or its expression) between two instants, oldest first. */
  series(metric: readonly MetricRef[], from: string, to: string): Promise<Point[]>;
  /** Tenants with data in the window, and those among them in breach. */
  tenants(metric: readonly MetricRef[], tenantDimension: string, from: string, to: string): Promise<{ active: number; affected: number }>;
  /**
   * The metric per tenant (a SEARCH over the tenant dimension), so triage tests each tenant at the
   * onset itself. Optional: without it breadth comes from `tenants`.
   */
  tenantSeries?(metric: readonly MetricRef[], tenantDimension: string, from: string, to: string): Promise<TenantSeries[]>;
}

/** One tenant's series of a metric; `tenant` is the raw dimension value (triage hashes it before use). */
export interface TenantSeries {
  readonly tenant: string;
  readonly points: readonly Point[];
}

export interface Workflow {
  /** Starts the lineage execution; a second start with the same name is a no-op. */
  start(executionName: string, input: unknown): Promise<void>;
  resume(taskToken: string, output: unknown): Promise<void>;
  /** Fails a parked task with an error the ASL catches (e.g. `prodloop.Halted`). */
  fail?(taskToken: string, error: string, cause: string): Promise<void>;
}

export type ProdloopEventType = 'Lineage Opened' | 'Issue Filed' | 'Fix Validated' | 'Andon Pulled' | 'Escalated';

export interface EventPublisher {
  publish(detailType: ProdloopEventType, detail: Record<string, unknown>): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** An alarm as CloudWatch describes it. */
export interface AlarmDescription {
  readonly alarmName: string;
  readonly state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';
  /** When the alarm entered its state. */
  readonly stateSince?: string;
  /** A metric alarm's metrics (metric math and anomaly bands as expressions); empty for a composite alarm. */
  readonly metrics: readonly MetricRef[];
  /** A composite alarm's rule: the alarms it names. */
  readonly childAlarms: readonly string[];
  /** A metric alarm's comparison operator (`GreaterThanThreshold`, `LessThanThreshold`…): which way is worse. */
  readonly comparisonOperator?: string;
}

/** Tags of CloudWatch alarms, for watching alarms by tag. */
export interface AlarmTags {
  /**
   * The alarm's tags; `undefined` when the alarm no longer exists. Throws TransientError when AWS
   * throttles or fails, and an error that says why when the tags cannot be read (access denied).
   */
  tagsOf(alarmArn: string): Promise<Readonly<Record<string, string>> | undefined>;
}

/** CloudWatch alarms: composite alarms resolve to their children; alarms in ALARM show how wide an outage is. */
export interface AlarmDirectory {
  /** Describes alarms by name (metric and composite); names CloudWatch does not know are left out. */
  describe(alarmNames: readonly string[]): Promise<AlarmDescription[]>;
  /** Metric alarms in ALARM now. */
  inAlarm(): Promise<AlarmDescription[]>;
}

export interface LogSample {
  readonly at: string;
  /** The raw line: triage sanitizes it before anything else sees it. */
  readonly message: string;
}

/** CloudWatch Logs Insights (or a replay of it). */
export interface LogSource {
  /** Runs the query over the log groups between two instants; its rows as samples, newest first, at most `limit`. */
  samples(query: { logGroups: readonly string[]; query: string; from: string; to: string; limit: number }): Promise<LogSample[]>;
}

/** AWS Health events as record-deploy recorded them. */
export interface HealthEventSource {
  /** Events of these AWS services that started between two instants, oldest first. */
  between(services: readonly string[], from: string, to: string): Promise<HealthSignal[]>;
}

export type { ClaimFixResult, Decision, Verdict };
