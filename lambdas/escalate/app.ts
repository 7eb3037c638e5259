/** escalate: pages a human through the notifier, publishes Escalated, and hands the lineage over. */
import * as z from 'zod';
import type { Deps } from '#core/deps';
import { NotFoundError } from '#core/errors';
import { renderEscalation } from '#core/escalation';
import { decision, type LineageStatus, verdict } from '#core/lineage';

export const escalationReason = z.enum(['iteration-cap', 'budget-spent', 'inconclusive', 'andon', 'failure', 'no-fix']);

export const escalateInput = z.object({
  lineageId: z.string(),
  reason: escalationReason,
  /** The execution's state at the escalation: whatever of it exists is evidence. */
  state: z
    .object({
      triage: decision.optional(),
      validation: z.object({ verdict: verdict.optional() }).passthrough().optional(),
      quarantine: z.object({ locked: z.array(z.string()) }).optional(),
      budget: z.object({ iterations: z.number(), costUsd: z.number(), budgetUsd: z.number() }).passthrough().optional(),
      error: z.object({ Error: z.string(), Cause: z.string().optional() }).optional(),
    })
    .passthrough()
    .default({}),
});

const ACTIONS: Record<z.infer<typeof escalationReason>, string> = {
  'iteration-cap': 'Stopped the fix loop: iterations without improvement reached the cap.',
  'budget-spent': "Stopped the fix loop: the lineage's cost budget is spent.",
  inconclusive: 'Stopped validating: no verdict before the deadline; the fix is NOT declared done.',
  andon: 'Pulled the andon cord: quarantined the code paths and halted agent work there.',
  failure: 'A step failed after its retries; the loop stopped.',
  'no-fix': 'No fix deploy arrived before the wait timed out; the loop stopped.',
};

const fromStatuses: readonly LineageStatus[] = ['triaging', 'awaiting-fix', 'validating', 'observing'];

export function makeEscalate(deps: Pick<Deps, 'store' | 'notifier' | 'events' | 'clock' | 'logger'>) {
  const { store, notifier, events, clock, logger } = deps;
  return async (event: unknown): Promise<{ notified: true; subject: string }> => {
    const input = escalateInput.parse(event);
    const lineage = await store.getLineage(input.lineageId);
    if (!lineage) throw new NotFoundError(`lineage ${input.lineageId} does not exist`);
    const reason = input.reason === 'no-fix' ? 'failure' : input.reason;
    const locks = input.state.quarantine?.locked ?? [];
    const actionsTaken = [ACTIONS[input.reason]];
    if (lineage.issue)
      actionsTaken.push(
        `Issue #${lineage.issue.number}${lineage.issue.shadow ? ' (shadow mode: outbox only)' : ''} stays open for a human.`,
      );
    if (input.state.error)
      actionsTaken.push(`Error: ${input.state.error.Error}${input.state.error.Cause ? ` — ${input.state.error.Cause.slice(0, 300)}` : ''}`);
    const message = renderEscalation({
      lineage,
      reason,
      ...(input.state.validation?.verdict ? { verdict: input.state.validation.verdict } : {}),
      ...(input.state.triage ? { decision: input.state.triage } : {}),
      actionsTaken,
      locks,
    });
    await notifier.escalate(message);
    const at = clock.now().toISOString();
    if (fromStatuses.includes(lineage.status)) {
      await store.transition(lineage.lineageId, {
        from: fromStatuses,
        to: 'escalated',
        at,
        actor: 'prodloop',
        action: 'escalated',
        detail: { reason: input.reason, locks },
      });
    }
    await events.publish('Escalated', { lineageId: lineage.lineageId, reason: input.reason, subject: message.subject, locks });
    logger.warn('escalated', { lineageId: lineage.lineageId, reason: input.reason });
    return { notified: true, subject: message.subject };
  };
}
