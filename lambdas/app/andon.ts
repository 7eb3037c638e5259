/**
 * Pulling the andon cord, shared by a lineage whose fix made it worse and by the deploy watch: lock the
 * code paths, halt every lineage loop working on them, and say so once on prodloop's bus. Each step is
 * idempotent, so a retried invocation completes what a failed one started. The revert pull request and
 * the page are the next states of the calling state machine.
 */

import type { QuarantineLock } from '#domain/lineage/lineage';
import { HALTED_ERROR, locksOn } from '#domain/lineage/loop';
import type { DeploySignal } from '#domain/signals/signals';
import type { AuditLog } from '#ports/audit';
import type { Deps } from '#ports/deps';
import type { Lineages } from '#ports/lineages';
import type { Locks } from '#ports/locks';
import type { OnceKeys } from '#ports/once-keys';
import type { FixWaits } from '#ports/waits';
import type { Workflow } from '#ports/workflow';
import { haltParkedLoop } from './halt.ts';

export interface AndonRequest {
  readonly deploy: DeploySignal;
  /** The code paths to lock. */
  readonly paths: readonly string[];
  /** Why, in one line with the numbers; stored with each lock. */
  readonly reason: string;
  /** The lineage whose own fix deploy this was; it is escalated by its own loop, not halted here. */
  readonly lineageId?: string;
  /** Who pulled it: the lineage loop or the deploy watch. */
  readonly by: 'lineage-loop' | 'deploy-watch';
  /** The evidence, published with the event. */
  readonly evidence: Record<string, unknown>;
}

export interface AndonResult {
  readonly locked: string[];
  readonly halted: string[];
}

export type AndonDeps = Pick<Deps, 'events' | 'clock' | 'logger'> & {
  readonly store: Lineages & FixWaits & AuditLog & Locks & OnceKeys;
} & { readonly workflow: Workflow };

export async function pullAndon(deps: AndonDeps, request: AndonRequest): Promise<AndonResult> {
  const { store, events, clock, logger, workflow } = deps;
  const at = clock.now().toISOString();
  const owner = request.lineageId ?? `deploy:${request.deploy.deployId}`;
  const locks = await store.lockPaths(
    [...new Set(request.paths)].map(
      (path): QuarantineLock => ({ path, lineageId: owner, reason: request.reason, deployId: request.deploy.deployId, lockedAt: at }),
    ),
  );
  const locked = locks.map((l) => l.path);

  const halted: string[] = [];
  for (const lineage of await store.listLineages()) {
    if (lineage.lineageId === request.lineageId) continue;
    if (lineage.status !== 'awaiting-fix' && lineage.status !== 'validating' && !lineage.haltToken) continue;
    const held = locksOn(lineage, locks);
    if (held.length === 0) continue;
    const detail = { deployId: request.deploy.deployId, paths: held.map((l) => l.path), by: request.by };
    if (lineage.status === 'awaiting-fix' || lineage.haltToken) {
      if (await haltParkedLoop({ store, workflow }, { lineageId: lineage.lineageId, reason: 'andon', error: HALTED_ERROR, at, detail })) {
        halted.push(lineage.lineageId);
        continue;
      }
    }
    // Validating (or resumed a moment ago): its loop sees the lock at its next look and halts itself.
    await store.appendAudit({
      lineageId: lineage.lineageId,
      at,
      actor: 'prodloop',
      action: 'halt-requested',
      detail: { reason: 'andon', ...detail },
    });
    halted.push(lineage.lineageId);
  }

  if (request.lineageId) {
    await store.appendAudit({
      lineageId: request.lineageId,
      at,
      actor: 'prodloop',
      action: 'andon-pulled',
      detail: { deployId: request.deploy.deployId, paths: locked, halted },
    });
  }
  // Once per deploy, and never lost: a failed put gives the claim back, so the retry puts it.
  const once = `andon:${request.deploy.deployId}`;
  if (await store.claimOnce(once, 30 * 24 * 3600, at)) {
    try {
      await events.publish('Andon Pulled', {
        ...(request.lineageId ? { lineageId: request.lineageId } : {}),
        deployId: request.deploy.deployId,
        service: request.deploy.service,
        by: request.by,
        paths: locked,
        halted,
        ...request.evidence,
      });
    } catch (error) {
      await store.releaseClaim(once);
      throw error;
    }
  }
  logger.warn('andon cord pulled', { deployId: request.deploy.deployId, by: request.by, paths: locked, halted });
  return { locked, halted };
}
