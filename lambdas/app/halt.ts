/**
 * Stopping a loop that waits for a fix, by failing its parked task with an error the ASL catches
 * (`prodloop.Halted`, `prodloop.BudgetSpent`). Step Functions is told first and the token released
 * second: a throttled or timed-out call leaves the token parked, so the retried invocation fails the
 * task again (a task failed already answers that it is gone, which the adapter takes as done) and
 * then releases it. Released first, one failed call lost the token for good: the lineage said halted
 * while its execution went on waiting for a fix for 14 days.
 */
import type { HaltReason } from '#domain/lineage/lineage';
import type { Lineages } from '#ports/lineages';
import type { FixWaits } from '#ports/waits';
import type { Workflow } from '#ports/workflow';

export interface HaltDeps {
  readonly store: Pick<Lineages, 'getLineage'> & Pick<FixWaits, 'takeFixToken'>;
  readonly workflow: Workflow;
}

/** True when this call stopped the loop; false when no wait was parked (another caller stopped or resumed it first). */
export async function haltParkedLoop(
  { store, workflow }: HaltDeps,
  halt: { lineageId: string; reason: HaltReason; error: string; at: string; detail: Record<string, unknown> },
): Promise<boolean> {
  const lineage = await store.getLineage(halt.lineageId);
  const token = lineage?.status === 'awaiting-fix' ? lineage.taskToken : undefined;
  if (!token) return false;
  if (!workflow.fail) throw new Error('this workflow adapter cannot fail a parked task; a halted loop would hang');
  await workflow.fail(token, halt.error, JSON.stringify({ reason: halt.reason, ...halt.detail }));
  return (await store.takeFixToken(halt.lineageId, halt.reason, halt.at, halt.detail)) !== undefined;
}
