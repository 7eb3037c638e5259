/**
 * Stopping a loop that waits for a fix, by failing its parked task with an error the ASL catches
 * (`prodloop.Halted`, `prodloop.BudgetSpent`). The lineage is halted and audited in one write that
 * keeps the token (its halt token); the token is forgotten only after Step Functions accepted the
 * failure. A throttled or timed-out call leaves the halt token, so the retried invocation (or the
 * next caller) fails the task again (a task failed already answers that it is gone, which the
 * adapter takes as done) and then forgets it. Forgotten first, one failed call lost the token for
 * good: the lineage said halted while its execution went on waiting for a fix for 14 days.
 */
import type { HaltReason } from '#domain/lineage/lineage';
import type { Lineages } from '#ports/lineages';
import type { FixWaits } from '#ports/waits';
import type { Workflow } from '#ports/workflow';

export interface HaltDeps {
  readonly store: Pick<Lineages, 'getLineage'> & Pick<FixWaits, 'takeFixToken' | 'releaseHaltToken'>;
  readonly workflow: Workflow;
}

/** True when the loop is stopped by this call (or a stop left unfinished is finished); false when no wait was parked. */
export async function haltParkedLoop(
  { store, workflow }: HaltDeps,
  halt: { lineageId: string; reason: HaltReason; error: string; at: string; detail: Record<string, unknown> },
): Promise<boolean> {
  const fail = async (token: string) => {
    if (!workflow.fail) throw new Error('this workflow adapter cannot fail a parked task; a halted loop would hang');
    await workflow.fail(token, halt.error, JSON.stringify({ reason: halt.reason, ...halt.detail }));
    await store.releaseHaltToken(halt.lineageId, token, halt.at);
  };
  const lineage = await store.getLineage(halt.lineageId);
  if (!lineage) return false;
  // A stop interrupted after the halt and before Step Functions accepted it: finish it first.
  let stopped = false;
  if (lineage.haltToken) {
    await fail(lineage.haltToken);
    stopped = true;
  }
  if (lineage.status === 'awaiting-fix' && lineage.taskToken) {
    const token = await store.takeFixToken(halt.lineageId, halt.reason, halt.at, halt.detail);
    if (token) {
      await fail(token);
      stopped = true;
    }
  }
  return stopped;
}
