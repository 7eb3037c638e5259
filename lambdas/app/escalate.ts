/**
 * escalate: pages a human through the notifier and publishes Escalated on prodloop's bus, with what
 * happened, the evidence in numbers, what prodloop did and the exact next commands.
 *
 * A lineage escalated for the iteration cap, the budget or the andon cord is halted, not ended: its
 * execution goes on to wait for a human, and `prodloop budget reset` (or `quarantine lift`) resumes it.
 * Other reasons (inconclusive, failure, no fix) end the loop. The deploy watch pages here too, for an
 * andon it pulled on a deploy that belongs to no lineage.
 */
import * as z from 'zod';
import { renderEscalation } from '#domain/issue/escalation';
import { decision, type Lineage, type LineageStatus, verdict } from '#domain/lineage/lineage';
import { NotFoundError } from '#domain/shared/errors';
import { deploySignal } from '#domain/signals/signals';
import { renderDeployAndonPage, signalJudgement } from '#domain/validation/deploy-watch';
import type { AuditLog } from '#ports/audit';
import type { Deps } from '#ports/deps';
import type { Lineages } from '#ports/lineages';

export const escalationReason = z.enum(['iteration-cap', 'budget-spent', 'inconclusive', 'andon', 'failure', 'no-fix']);

const revertResult = z.union([
  z.object({ proposed: z.literal(true), number: z.number(), url: z.string(), branch: z.string(), existing: z.boolean() }),
  z.object({ proposed: z.literal(false), reason: z.string() }),
]);

export const escalateInput = z.object({
  lineageId: z.string(),
  reason: escalationReason,
  /** The execution's state at the escalation: whatever of it exists is evidence. */
  state: z
    .object({
      triage: decision.optional(),
      validation: z.object({ verdict: verdict.optional() }).passthrough().optional(),
      quarantine: z.object({ locked: z.array(z.string()), halted: z.array(z.string()).default([]) }).optional(),
      revert: revertResult.optional(),
      budget: z.object({ iterations: z.number(), costUsd: z.number(), budgetUsd: z.number() }).passthrough().optional(),
      error: z.object({ Error: z.string(), Cause: z.string().optional() }).optional(),
    })
    .passthrough()
    .default({}),
});

export const deployAndonInput = z.object({
  kind: z.literal('deploy-andon'),
  deploy: deploySignal,
  judgements: z.array(signalJudgement),
  prs: z.array(z.object({ number: z.number(), title: z.string() })).default([]),
  andon: z.object({ locked: z.array(z.string()), halted: z.array(z.string()).default([]) }),
  revert: revertResult.optional(),
});

export const deployWatchFailureInput = z.object({
  kind: z.literal('deploy-watch-failure'),
  deploy: deploySignal,
  error: z.object({ Error: z.string(), Cause: z.string().optional() }).optional(),
});

/** Reasons that halt the loop until a human resets or lifts; the others end it. */
const HALTING: readonly z.infer<typeof escalationReason>[] = ['iteration-cap', 'budget-spent', 'andon'];

const ACTIONS: Record<z.infer<typeof escalationReason>, string> = {
  'iteration-cap': 'Stopped the fix loop: iterations without improvement reached the cap.',
  'budget-spent': "Stopped the fix loop: the lineage's cost budget is spent.",
  inconclusive: 'Stopped validating: no verdict before the deadline; the fix is NOT declared done.',
  andon: 'Pulled the andon cord: quarantined the code paths and halted agent work there.',
  failure: 'A step failed after its retries; the loop stopped.',
  'no-fix': 'No fix deploy arrived before the wait timed out; the loop stopped.',
};

const endFrom: readonly LineageStatus[] = ['triaging', 'awaiting-fix', 'validating', 'observing', 'halted'];

export function makeEscalate(deps: Pick<Deps, 'notifier' | 'events' | 'clock' | 'logger'> & { readonly store: Lineages & AuditLog }) {
  const { store, notifier, events, clock, logger } = deps;

  async function deployAndon(input: z.infer<typeof deployAndonInput>) {
    const message = renderDeployAndonPage({
      deploy: input.deploy,
      judgements: input.judgements,
      prs: input.prs,
      locks: input.andon.locked.map((path) => ({ path })),
      halted: input.andon.halted,
      ...(input.revert ? { revert: input.revert } : {}),
    });
    await notifier.escalate(message);
    await events.publish('Escalated', {
      reason: 'andon',
      by: 'deploy-watch',
      deployId: input.deploy.deployId,
      service: input.deploy.service,
      subject: message.subject,
      locks: input.andon.locked,
      halted: input.andon.halted,
      ...(input.revert?.proposed ? { revertUrl: input.revert.url } : {}),
      text: message.text.slice(0, 8000),
    });
    logger.warn('escalated', { deployId: input.deploy.deployId, reason: 'andon', by: 'deploy-watch' });
    return { notified: true as const, subject: message.subject };
  }

  async function deployWatchFailure(input: z.infer<typeof deployWatchFailureInput>) {
    const { deploy } = input;
    const subject = `[prodloop] deploy watch failed: ${deploy.service} ${deploy.deployId}`.slice(0, 99);
    const text = [
      'WHAT HAPPENED',
      `prodloop could not finish watching deploy ${deploy.deployId} of ${deploy.service} (${deploy.at}) for regressions.`,
      '',
      'EVIDENCE',
      `- Error: ${input.error?.Error ?? 'unknown'}${input.error?.Cause ? ` — ${input.error.Cause.slice(0, 300)}` : ''}`,
      '',
      'WHAT PRODLOOP DID',
      '- Nothing was locked or halted; the deploy is not being watched any more.',
      '',
      'NEXT',
      `- Look at the watched signals of ${deploy.service} by hand; the deploy watch execution shows the failed step.`,
      '',
    ].join('\n');
    await notifier.escalate({ lineageId: `deploy:${deploy.deployId}`, reason: 'failure', subject, text });
    await events.publish('Escalated', { reason: 'failure', by: 'deploy-watch', deployId: deploy.deployId, subject });
    return { notified: true as const, subject };
  }

  return async (event: unknown): Promise<{ notified: true; subject: string }> => {
    const kind = (event as { kind?: unknown } | null)?.kind;
    if (kind === 'deploy-andon') return deployAndon(deployAndonInput.parse(event));
    if (kind === 'deploy-watch-failure') return deployWatchFailure(deployWatchFailureInput.parse(event));

    const input = escalateInput.parse(event);
    const lineage = await store.getLineage(input.lineageId);
    if (!lineage) throw new NotFoundError(`lineage ${input.lineageId} does not exist`);
    const reason = input.reason === 'no-fix' ? 'failure' : input.reason;
    const halting = HALTING.includes(input.reason);
    const locks = input.state.quarantine?.locked ?? [];
    const haltedOthers = input.state.quarantine?.halted ?? [];
    const actionsTaken = [ACTIONS[input.reason]];
    if (input.reason === 'andon' && haltedOthers.length > 0) {
      actionsTaken.push(`Halted ${haltedOthers.length} other fix loop(s) on those paths: ${haltedOthers.join(', ')}.`);
    }
    if (input.state.revert) {
      actionsTaken.push(
        input.state.revert.proposed
          ? `Proposed a revert: pull request #${input.state.revert.number} ${input.state.revert.url}`
          : `No revert pull request: ${input.state.revert.reason}. Revert by hand.`,
      );
    }
    if (halting) {
      actionsTaken.push(
        input.reason === 'andon'
          ? 'Halted this loop: it waits for a human; lifting the last lock on its paths resumes it.'
          : 'Halted this loop: it waits for a human (up to 14 days); a budget reset resumes it and it waits for the next fix.',
      );
    }
    actionsTaken.push(spendLine(lineage));
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
    if (halting) {
      // The loop parks for a human next, which halts the lineage; until then it stays in flight.
      await store.appendAudit({
        lineageId: lineage.lineageId,
        at,
        actor: 'prodloop',
        action: 'escalated',
        detail: { reason: input.reason, locks },
      });
    } else if (endFrom.includes(lineage.status)) {
      await store.transition(lineage.lineageId, {
        from: endFrom,
        to: 'escalated',
        at,
        actor: 'prodloop',
        action: 'escalated',
        detail: { reason: input.reason, locks },
      });
    }
    await events.publish('Escalated', {
      lineageId: lineage.lineageId,
      reason: input.reason,
      subject: message.subject,
      locks,
      halted: halting,
      iterations: lineage.iterations,
      costUsd: lineage.costUsd,
      budgetUsd: lineage.budgetUsd,
      ...(input.state.revert?.proposed ? { revertUrl: input.state.revert.url } : {}),
      text: message.text.slice(0, 8000),
    });
    logger.warn('escalated', { lineageId: lineage.lineageId, reason: input.reason });
    return { notified: true, subject: message.subject };
  };
}

/** The spend, split by where it comes from. */
function spendLine(lineage: Lineage): string {
  const reported = lineage.reportedCostUsd ?? 0;
  const own = lineage.ownCostUsd ?? 0;
  const attempts = Math.max(lineage.costUsd - reported - own, 0);
  return `Spend so far: $${lineage.costUsd.toFixed(2)} of $${lineage.budgetUsd.toFixed(2)} ($${attempts.toFixed(2)} fix attempts at the configured rate, $${reported.toFixed(2)} reported by CI or agents, $${own.toFixed(4)} prodloop's own estimate).`;
}
