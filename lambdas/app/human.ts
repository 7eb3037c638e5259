/**
 * A human's word on a halted loop, shared by the `prodloop` command and local runs: a budget reset
 * (iterations and spend back to zero) or a lifted quarantine lock, each audited with who and why, and
 * each resuming the loops it unblocks, which go back to waiting for the next fix.
 */

import type { Lineage, QuarantineLock } from '#domain/lineage/lineage';
import { haltStillHolds, locksOn } from '#domain/lineage/loop';
import type { Budgets } from '#ports/budgets';
import type { Lineages } from '#ports/lineages';
import type { Locks } from '#ports/locks';
import type { FixWaits } from '#ports/waits';
import type { Workflow } from '#ports/workflow';

export interface HumanWord {
  readonly actor: string;
  readonly reason: string;
  readonly at: string;
}

export type HumanDeps = {
  readonly store: Lineages & FixWaits & Budgets & Locks;
  /** Resumes the parked "waiting for a human" task; absent when no execution can be waiting (a local run that ended). */
  readonly workflow?: Workflow;
  /** The configured iteration cap: a lineage at it stays halted until its iterations are reset. */
  readonly iterationCap: number;
};

export interface Resumption {
  readonly lineageId: string;
  readonly resumed: boolean;
  /** What happened, for a human to read. */
  readonly note: string;
}

/** Resets the lineage's iterations and spend; a loop halted for the cap or the budget resumes. */
export async function resetBudget(
  deps: HumanDeps,
  lineageId: string,
  by: HumanWord & { readonly budgetUsd?: number },
): Promise<{ lineage: Lineage; resumption: Resumption }> {
  const lineage = await deps.store.resetBudget(lineageId, by);
  return { lineage, resumption: await resumeIfClear(deps, lineage, by) };
}

/** Lifts the lock; every loop halted by the andon cord whose paths are no longer locked resumes. */
export async function liftLock(deps: HumanDeps, path: string, by: HumanWord): Promise<{ lock: QuarantineLock; resumptions: Resumption[] }> {
  const lock = await deps.store.liftLock(path, by);
  const resumptions: Resumption[] = [];
  for (const lineage of await deps.store.listLineages()) {
    if (lineage.status !== 'halted' || lineage.haltReason !== 'andon') continue;
    resumptions.push(await resumeIfClear(deps, lineage, by));
  }
  return { lock, resumptions };
}

async function resumeIfClear(deps: HumanDeps, lineage: Lineage, by: HumanWord): Promise<Resumption> {
  const { store, workflow, iterationCap } = deps;
  const id = lineage.lineageId;
  if (lineage.status !== 'halted')
    return { lineageId: id, resumed: false, note: `lineage ${id} is ${lineage.status}: no halted loop to resume` };
  const reason = lineage.haltReason ?? 'iteration-cap';
  const locks = await store.listLocks();
  if (haltStillHolds(lineage, reason, locks, iterationCap)) {
    const held = locksOn(lineage, locks).map((l) => l.path);
    return {
      lineageId: id,
      resumed: false,
      note:
        reason === 'andon'
          ? `lineage ${id} stays halted: ${held.join(', ')} still quarantined; lift ${held.length === 1 ? 'it' : 'them'} to resume`
          : `lineage ${id} stays halted: its ${reason} still holds`,
    };
  }
  // Lifting a lock does not clear a spent budget or a reached cap, and a reset does not lift locks.
  if (reason === 'andon' && (lineage.costUsd >= lineage.budgetUsd || lineage.iterations >= iterationCap)) {
    return {
      lineageId: id,
      resumed: false,
      note: `lineage ${id} stays halted: its paths are free but its budget or cap is spent; reset it to resume`,
    };
  }
  if (!workflow) {
    return {
      lineageId: id,
      resumed: false,
      note: `lineage ${id} stays halted: no execution waits on it here (a local run stops its loops when it ends)`,
    };
  }
  const released = await store.releaseHuman(id, by);
  if (!released.taskToken) {
    return { lineageId: id, resumed: false, note: `lineage ${id}: its loop has not parked yet; it resumes by itself when it does` };
  }
  try {
    await workflow.resume(released.taskToken, { resumedBy: by.actor, reason: by.reason });
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name !== 'TaskDoesNotExist' && name !== 'TaskTimedOut') throw error;
    return {
      lineageId: id,
      resumed: false,
      note: `lineage ${id}: the execution that waited is gone (${name}); the next fix deploy or alarm picks it up`,
    };
  }
  return { lineageId: id, resumed: true, note: `lineage ${id} resumed: it waits for the next fix deploy` };
}
