import type { HaltReason, Lineage } from '#domain/lineage/lineage';
import type { ClaimFixResult } from '#domain/lineage/transitions';
import type { DeploySignal } from '#domain/signals/signals';

export type { ClaimFixResult };

/** The loop's waits: a fix deploy claimed once, the task token parked and taken back, a human's word. */
export interface FixWaits {
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
  /**
   * Takes back the parked fix-wait token to stop the loop; the lineage is halted for `reason` and the
   * token kept as its halt token until `releaseHaltToken`. Undefined when none is parked.
   */
  takeFixToken(lineageId: string, reason: HaltReason, at: string, detail?: Record<string, unknown>): Promise<string | undefined>;
  /** Forgets the halt token once Step Functions accepted the failure of its task; false when the lineage holds another. */
  releaseHaltToken(lineageId: string, token: string, at: string): Promise<boolean>;
  /** Parks the token of a loop that waits for a human; the lineage is halted for `reason`. */
  parkForHuman(lineageId: string, taskToken: string, reason: HaltReason, at: string): Promise<Lineage>;
  /**
   * A human's word (or a halt that cleared): takes the token of a halted loop, moves the lineage to
   * awaiting-fix and records who and why. No token when the loop has not parked yet.
   */
  releaseHuman(lineageId: string, by: { actor: string; reason: string; at: string }): Promise<{ lineage: Lineage; taskToken?: string }>;
}
