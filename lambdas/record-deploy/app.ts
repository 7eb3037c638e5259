/**
 * record-deploy: every deploy event is recorded (idempotently) for attribution; a successful deploy
 * resumes the lineages waiting for a fix on its service. AWS Health events are recorded the same way.
 */

import { parseDeployEvent } from '#core/deploy';
import type { Deps } from '#core/deps';
import { parseHealthEvent } from '#core/health';
import type { DeploySignal } from '#core/signals';

export type RecordOutcome =
  | { readonly outcome: 'recorded'; readonly deployId: string; readonly duplicate: boolean; readonly resumed: string[] }
  | { readonly outcome: 'health-recorded'; readonly eventArn: string }
  | { readonly outcome: 'ignored' | 'rejected'; readonly reason: string };

const isHealth = (event: unknown) => typeof event === 'object' && event !== null && (event as { source?: unknown }).source === 'aws.health';

export function makeRecordDeploy(deps: Pick<Deps, 'store' | 'workflow' | 'parking' | 'clock' | 'logger'>) {
  const { store, workflow, parking, clock, logger } = deps;

  async function resumeWaiting(deploy: DeploySignal): Promise<string[]> {
    if (deploy.status !== 'succeeded') return [];
    const resumed: string[] = [];
    for (const lineage of await store.findAwaitingFix(deploy.service)) {
      const token = await store.claimTaskToken(lineage.lineageId, clock.now().toISOString(), deploy.deployId);
      if (!token) continue; // another delivery of this deploy (or another deploy) resumed it first
      await workflow.resume(token, { deploy });
      resumed.push(lineage.lineageId);
      logger.info('fix deploy resumed lineage', { lineageId: lineage.lineageId, deployId: deploy.deployId });
    }
    return resumed;
  }

  return async (event: unknown): Promise<RecordOutcome> => {
    if (isHealth(event)) {
      const parsed = parseHealthEvent(event);
      if (parsed.outcome !== 'accepted') {
        if (parsed.outcome === 'rejected') await parking.park(event, parsed.reason, 'record-deploy');
        logger.warn(`health event ${parsed.outcome}`, { reason: parsed.reason });
        return parsed;
      }
      await store.recordHealthEvent(parsed.signal);
      return { outcome: 'health-recorded', eventArn: parsed.signal.eventArn };
    }
    const parsed = parseDeployEvent(event);
    if (parsed.outcome === 'rejected') {
      logger.warn('deploy event rejected and parked', { reason: parsed.reason });
      await parking.park(event, parsed.reason, 'record-deploy');
      return parsed;
    }
    if (parsed.outcome === 'ignored') {
      logger.info('not a deploy event; ignored', { reason: parsed.reason });
      return parsed;
    }
    const deploy = parsed.signal;
    const fresh = await store.recordDeploy(deploy, clock.now().toISOString());
    // Resume even on a duplicate: a first delivery may have recorded the deploy and failed before
    // resuming. Claiming the task token is the guard against resuming twice.
    const resumed = await resumeWaiting(deploy);
    return { outcome: 'recorded', deployId: deploy.deployId, duplicate: !fresh, resumed };
  };
}
