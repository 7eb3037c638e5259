/**
 * lineage: the loop's bookkeeping. Parks the task token while a fix is awaited (or takes a fix that
 * arrived early, or halts at once when the code is quarantined or the budget spent), charges the
 * budget, counts iterations, checks before each look whether the loop must stop, hands the loop to a
 * fresh execution per iteration, parks it for a human after an escalation, and pulls the andon cord.
 */
import * as z from 'zod';
import { decision, haltReason, verdict } from '#domain/lineage/lineage';
import { BUDGET_SPENT_ERROR, HALTED_ERROR, haltStillHolds, nextExecutionName, ownIterationCostUsd, stopReason } from '#domain/lineage/loop';
import { NotFoundError } from '#domain/shared/errors';
import { deploySignal } from '#domain/signals/signals';
import type { AuditLog } from '#ports/audit';
import type { Budgets } from '#ports/budgets';
import type { Deps } from '#ports/deps';
import type { Lineages } from '#ports/lineages';
import type { Locks } from '#ports/locks';
import type { OnceKeys } from '#ports/once-keys';
import type { FixWaits } from '#ports/waits';
import type { Workflow } from '#ports/workflow';
import { pullAndon } from './andon.ts';
import { haltParkedLoop } from './halt.ts';

const loopCounters = z.object({ evaluations: z.number().int().min(0), recoveredStreak: z.number().int().min(0) }).passthrough();

export const lineageInput = z.discriminatedUnion('action', [
  z.object({ action: z.literal('await-fix'), lineageId: z.string(), taskToken: z.string().min(1) }),
  z.object({ action: z.literal('charge'), lineageId: z.string(), deployId: z.string(), executionName: z.string() }),
  z.object({
    action: z.literal('iterate'),
    lineageId: z.string(),
    deployId: z.string(),
    executionName: z.string(),
    /** Looks this iteration took, for prodloop's estimate of its own cost. */
    evaluations: z.number().int().min(0).default(0),
  }),
  z.object({ action: z.literal('ignore'), lineageId: z.string(), decision }),
  z.object({ action: z.literal('quarantine'), lineageId: z.string(), deploy: deploySignal, verdict }),
  z.object({ action: z.literal('check'), lineageId: z.string(), loop: loopCounters }),
  z.object({
    action: z.literal('continue'),
    lineageId: z.string(),
    generation: z.number().int().min(1),
    executionName: z.string(),
    stateMachineArn: z.string().min(1),
    settings: z.record(z.string(), z.unknown()),
    triage: decision,
  }),
  z.object({ action: z.literal('await-human'), lineageId: z.string(), taskToken: z.string().min(1), reason: haltReason }),
  z.object({ action: z.literal('abandon'), lineageId: z.string() }),
]);

/** `workflow` resumes and fails parked tasks of the lineage state machine (and starts executions when `workflowFor` is not given). */
export type LineageDeps = Pick<Deps, 'config' | 'events' | 'clock' | 'logger' | 'workflow'> & {
  readonly store: Lineages & FixWaits & Budgets & AuditLog & Locks & OnceKeys;
} & {
  /** Starts executions of the state machine with this ARN (the loop's own, from the execution's context). */
  readonly workflowFor?: (stateMachineArn: string) => Workflow;
};

export function makeLineage(deps: LineageDeps) {
  const { config, store, events, clock, logger, workflow } = deps;
  const workflowFor = deps.workflowFor ?? (() => workflow);

  return async (event: unknown): Promise<Record<string, unknown>> => {
    const input = lineageInput.parse(event);
    const at = clock.now().toISOString();
    switch (input.action) {
      case 'await-fix': {
        const { lineage, queued } = await store.parkForFix(input.lineageId, input.taskToken, at);
        if (queued) {
          // A fix shipped while the loop was busy: take it now rather than wait for another.
          await workflow.resume(input.taskToken, { deploy: queued, fixedBy: 'queued while the loop was busy' });
          logger.info('took a queued fix deploy', { lineageId: lineage.lineageId, deployId: queued.deployId });
          return { status: 'validating', deployId: queued.deployId };
        }
        // Parked first, checked second: an andon or a cost report racing with this wait sees the token, or this sees them.
        const stop = stopReason(lineage, await store.listLocks());
        if (stop) {
          const error = stop.reason === 'andon' ? HALTED_ERROR : BUDGET_SPENT_ERROR;
          await haltParkedLoop({ store, workflow }, { lineageId: lineage.lineageId, reason: stop.reason, error, at, detail: stop.detail });
          logger.warn('loop halted before waiting for a fix', { lineageId: lineage.lineageId, reason: stop.reason });
          return { status: 'halted', reason: stop.reason };
        }
        logger.info('awaiting fix deploy', { lineageId: lineage.lineageId, service: lineage.service });
        return { status: lineage.status };
      }
      case 'charge':
      case 'iterate': {
        const iteration = input.action === 'iterate';
        const costUsd = iteration ? ownIterationCostUsd(input.evaluations, config.costModel) : config.iterationCostUsd;
        const result = await store.charge(
          {
            lineageId: input.lineageId,
            costUsd,
            iteration,
            reason: iteration
              ? `fix ${input.deployId} did not move the signal; prodloop's own cost of ${input.evaluations} looks`
              : `fix attempt ${input.deployId}`,
            at,
            chargeId: `${input.executionName}:${input.action}:${input.deployId}`,
            category: iteration ? 'prodloop' : 'attempt',
          },
          { iterationCap: config.iterationCap },
        );
        const { lineage } = result;
        return {
          applied: result.applied,
          budgetSpent: result.budgetSpent,
          iterationCapReached: result.iterationCapReached,
          iterations: lineage.iterations,
          iterationCap: config.iterationCap,
          chargedUsd: costUsd,
          costUsd: lineage.costUsd,
          budgetUsd: lineage.budgetUsd,
        };
      }
      case 'ignore': {
        await store.transition(input.lineageId, {
          from: ['triaging'],
          to: 'ignored',
          at,
          actor: 'prodloop',
          action: 'ignored',
          detail: { reasons: input.decision.reasons },
        });
        return { status: 'ignored' };
      }
      case 'quarantine': {
        const lineage = await store.getLineage(input.lineageId);
        if (!lineage) throw new NotFoundError(`lineage ${input.lineageId} does not exist`);
        const paths = lineage.codePaths.length > 0 ? lineage.codePaths : input.deploy.changedPaths;
        const result = await pullAndon(
          { store, events, clock, logger, workflow },
          {
            deploy: input.deploy,
            paths,
            reason: `deploy ${input.deploy.deployId} made ${lineage.alarmName} worse: ${input.verdict.reason}`,
            lineageId: lineage.lineageId,
            by: 'lineage-loop',
            evidence: { verdict: input.verdict },
          },
        );
        return { locked: result.locked, halted: result.halted };
      }
      case 'check': {
        const lineage = await store.getLineage(input.lineageId);
        if (!lineage) throw new NotFoundError(`lineage ${input.lineageId} does not exist`);
        const stop = stopReason(lineage, await store.listLocks());
        if (stop) {
          await store.appendAudit({
            lineageId: lineage.lineageId,
            at,
            actor: 'prodloop',
            action: 'loop-halted',
            detail: { reason: stop.reason, ...stop.detail },
          });
          logger.warn('loop halted between looks', { lineageId: lineage.lineageId, reason: stop.reason });
        }
        // Lands on $.loop: the counters go on to the next look, with the verdict of this check beside them.
        return { ...input.loop, stop: stop?.reason ?? 'none', ...(stop ? { stopDetail: stop.detail } : {}) };
      }
      case 'continue': {
        const lineage = await store.getLineage(input.lineageId);
        if (!lineage) throw new NotFoundError(`lineage ${input.lineageId} does not exist`);
        const next = nextExecutionName(input.executionName, lineage.lineageId, input.generation);
        await store.continueExecution(lineage.lineageId, input.executionName, next, at);
        await workflowFor(input.stateMachineArn).start(next, {
          lineageId: lineage.lineageId,
          generation: input.generation,
          executionName: next,
          settings: input.settings,
          triage: input.triage,
          resumeAt: 'await-fix',
        });
        logger.info('loop continues in a fresh execution', { lineageId: lineage.lineageId, from: input.executionName, to: next });
        return { executionName: next };
      }
      case 'await-human': {
        const lineage = await store.parkForHuman(input.lineageId, input.taskToken, input.reason, at);
        // A human who reset the budget (or lifted the lock) before the loop parked has already given their word.
        if (!haltStillHolds(lineage, input.reason, await store.listLocks(), config.iterationCap)) {
          const released = await store.releaseHuman(lineage.lineageId, {
            actor: 'prodloop',
            reason: `the ${input.reason} halt cleared before the loop parked`,
            at,
          });
          if (released.taskToken) await workflow.resume(released.taskToken, { resumedBy: 'prodloop', reason: 'halt cleared' });
          return { status: 'awaiting-fix', resumed: true };
        }
        logger.warn('loop waits for a human', { lineageId: lineage.lineageId, reason: input.reason });
        return { status: 'halted', reason: input.reason };
      }
      case 'abandon': {
        await store.transition(input.lineageId, {
          from: ['halted'],
          to: 'escalated',
          at,
          actor: 'prodloop',
          action: 'human-wait-expired',
          detail: { reason: 'no human reset or lift arrived before the wait timed out' },
        });
        return { status: 'escalated' };
      }
    }
  };
}
