import type { AuditEvent, Lineage } from '#domain/lineage/lineage';

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
  /** Written in the same transaction as the charge: a charge applied is never without its audit event. */
  readonly audit?: AuditEvent;
}

export interface ChargeResult {
  readonly lineage: Lineage;
  readonly applied: boolean;
  readonly budgetSpent: boolean;
  readonly iterationCapReached: boolean;
}

/** A lineage's cost budget and iteration count. */
export interface Budgets {
  /** Adds cost (and an iteration) by conditional write; idempotent per chargeId. */
  charge(input: ChargeInput, limits: { iterationCap: number }): Promise<ChargeResult>;
  /** Resets the iteration count (and optionally the spend) on a human's word; audited. */
  resetBudget(lineageId: string, by: { actor: string; reason: string; at: string; budgetUsd?: number }): Promise<Lineage>;
}
