import type { IssueRef, Lineage, LineageStatus } from '#domain/lineage/lineage';
import type { AlarmSignal } from '#domain/signals/signals';

export interface OpenLineageInput {
  readonly lineageId: string;
  readonly signal: AlarmSignal;
  readonly service?: string;
  readonly codePaths: readonly string[];
  readonly budgetUsd: number;
  readonly at: string;
}

export type OpenLineageResult =
  /** A new lineage (or a new generation of a closed one): start an execution with this name. */
  | { readonly started: true; readonly lineage: Lineage; readonly executionName: string }
  /** The lineage is already in flight: nothing new starts. */
  | { readonly started: false; readonly lineage: Lineage };

/** A conditional status change: from one of `from` to `to`, audited as `action` by `actor`. */
export interface StatusChange {
  readonly from: readonly LineageStatus[];
  readonly to: LineageStatus;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly detail?: Record<string, unknown>;
}

/** Lineages: opening one per problem, its status changes and the execution it runs in. */
export interface Lineages {
  /**
   * Opens a lineage by conditional write: creates it, or starts a new generation of a resolved,
   * escalated, observing or ignored one; an in-flight lineage is returned unchanged with started=false.
   * Concurrent calls for one lineage start exactly one execution.
   */
  openLineage(input: OpenLineageInput): Promise<OpenLineageResult>;
  /**
   * Takes over the start of the lineage's execution `executionName` when it is unconfirmed and no
   * caller's claim on it is valid at `at`: the end of the new claim, or undefined when the execution
   * is started, another caller holds the claim, or the lineage moved on. (The alarm that opens a
   * generation holds its claim from `openLineage`: `lineage.startingUntil`.)
   */
  claimStart(lineageId: string, executionName: string, at: string): Promise<string | undefined>;
  /** Gives up the start claim `claim` (its end) after a failed start; false when it is no longer held. */
  releaseStart(lineageId: string, executionName: string, claim: string, at: string): Promise<boolean>;
  /**
   * Records that the execution `executionName` of a lineage was started (and ends its start claim);
   * true for the call that recorded it, false when it was already recorded or the lineage has moved
   * on to another execution.
   */
  confirmStarted(lineageId: string, executionName: string, at: string): Promise<boolean>;
  /** Records what triage measured the lineage through (`Lineage.measured`); a no-op when it is already that. */
  recordMeasured(lineageId: string, measured: NonNullable<Lineage['measured']>, at: string): Promise<void>;
  getLineage(lineageId: string): Promise<Lineage | undefined>;
  listLineages(): Promise<Lineage[]>;
  /** Conditional status change; throws ConflictError when the current status is not one of `from`. */
  transition(lineageId: string, change: StatusChange): Promise<Lineage>;
  recordIssue(lineageId: string, issue: IssueRef, at: string): Promise<Lineage>;
  /** Hands the lineage from one execution to the next (a fresh history per iteration); idempotent for a retry. */
  continueExecution(lineageId: string, from: string, to: string, at: string): Promise<Lineage>;
}
