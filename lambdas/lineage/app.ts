/**
 * lineage: the loop's bookkeeping. Parks the task token while a fix is awaited, charges the budget,
 * counts iterations, records ignore decisions and takes quarantine locks when the andon cord is pulled.
 */
import * as z from 'zod';
import type { Deps } from '#core/deps';
import { NotFoundError } from '#core/errors';
import { decision, verdict } from '#core/lineage';
import { deploySignal } from '#core/signals';

export const lineageInput = z.discriminatedUnion('action', [
  z.object({ action: z.literal('await-fix'), lineageId: z.string(), taskToken: z.string().min(1) }),
  z.object({ action: z.literal('charge'), lineageId: z.string(), deployId: z.string(), executionName: z.string() }),
  z.object({ action: z.literal('iterate'), lineageId: z.string(), deployId: z.string(), executionName: z.string() }),
  z.object({ action: z.literal('ignore'), lineageId: z.string(), decision }),
  z.object({ action: z.literal('quarantine'), lineageId: z.string(), deploy: deploySignal, verdict }),
]);

export function makeLineage(deps: Pick<Deps, 'config' | 'store' | 'events' | 'clock' | 'logger'>) {
  const { config, store, events, clock, logger } = deps;
  return async (event: unknown): Promise<Record<string, unknown>> => {
    const input = lineageInput.parse(event);
    const at = clock.now().toISOString();
    switch (input.action) {
      case 'await-fix': {
        const lineage = await store.awaitFix(input.lineageId, input.taskToken, at);
        logger.info('awaiting fix deploy', { lineageId: lineage.lineageId, service: lineage.service });
        return { status: lineage.status };
      }
      case 'charge':
      case 'iterate': {
        const iteration = input.action === 'iterate';
        const result = await store.charge(
          {
            lineageId: input.lineageId,
            costUsd: iteration ? 0 : config.iterationCostUsd,
            iteration,
            reason: iteration ? `fix ${input.deployId} did not move the signal` : `fix attempt ${input.deployId}`,
            at,
            chargeId: `${input.executionName}:${input.action}:${input.deployId}`,
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
        const reason = `deploy ${input.deploy.deployId} made ${lineage.alarmName} worse: ${input.verdict.reason}`;
        const locks = await store.lockPaths(
          paths.map((path) => ({ path, lineageId: lineage.lineageId, reason, deployId: input.deploy.deployId, lockedAt: at })),
        );
        await store.appendAudit({
          lineageId: lineage.lineageId,
          at,
          actor: 'prodloop',
          action: 'andon-pulled',
          detail: { deployId: input.deploy.deployId, paths: locks.map((l) => l.path) },
        });
        await events.publish('Andon Pulled', {
          lineageId: lineage.lineageId,
          deployId: input.deploy.deployId,
          paths: locks.map((l) => l.path),
          verdict: input.verdict,
        });
        logger.warn('andon cord pulled', {
          lineageId: lineage.lineageId,
          deployId: input.deploy.deployId,
          paths: locks.map((l) => l.path),
        });
        return { locked: locks.map((l) => l.path) };
      }
    }
  };
}
