/**
 * The lineage's transition rules, pure: given the lineage as it was read and a request, what
 * changes (the fields set and cleared, and the audit event that records it) and what the caller
 * gets back, or why the request is refused.
 *
 * A store reads the lineage, applies one of these rules, and writes the change conditionally on the
 * version it read; when a concurrent write got there first, it reads again and applies the rule to
 * what it finds. The rules never see the store, so every branch is testable without a database.
 */

import { isoUtc } from '#domain/shared/time';
import { type DeploySignal, deploySignal } from '#domain/signals/signals';
import {
  type AuditEvent,
  type HaltReason,
  inFlightStatuses,
  type Lineage,
  type LineageStatus,
  lineage as lineageSchema,
} from './lineage.ts';

/** Statuses from which a loop may start waiting for a fix deploy. */
export const awaitFixFromStatuses: readonly LineageStatus[] = ['triaging', 'validating', 'awaiting-fix'];
/** Statuses in which a fix deploy is kept for the loop's next wait instead of resuming it at once. */
export const queueFixInStatuses: readonly LineageStatus[] = ['triaging', 'validating', 'awaiting-fix', 'halted'];
/** Statuses from which a loop may start waiting for a human. */
export const parkForHumanFromStatuses: readonly LineageStatus[] = ['triaging', 'awaiting-fix', 'validating', 'halted'];

/** What a rule changes: fields written (each key given is written), fields cleared, and the audit event of the change. */
export interface LineageChange {
  readonly set: Partial<Lineage>;
  readonly clear?: readonly (keyof Lineage)[];
  readonly audit?: Omit<AuditEvent, 'lineageId'>;
}

/** A rule's answer: the caller's result, with the change to write (none when there is nothing to write), or a refusal. */
export type Transition<R> = { readonly result: R; readonly change?: LineageChange } | { readonly refused: string };

/** What a fix deploy did to a lineage's wait. */
export type ClaimFixResult =
  /** The loop was waiting: its task token, taken by conditional write (the lineage is validating now). */
  | { readonly outcome: 'resume'; readonly taskToken: string }
  /** The loop was busy (validating, halted, between waits): the deploy waits on the lineage for the next wait. */
  | { readonly outcome: 'queued' }
  /** Not newer than the deploy that last resumed the loop (a duplicate or an out-of-order event). */
  | { readonly outcome: 'stale'; readonly reason: string }
  /** The lineage is not in a loop that waits for fixes (resolved, escalated, observing, ignored). */
  | { readonly outcome: 'not-waiting'; readonly reason: string };

// ---------------------------------------------------------------------------------------------
// Opening

/** An alarm that opens a lineage (or a new generation of it). */
export interface LineageOpening {
  readonly lineageId: string;
  readonly signal: Lineage['signal'];
  readonly service?: string;
  readonly codePaths: readonly string[];
  readonly budgetUsd: number;
  readonly at: string;
}

/** Execution name of a lineage's generation: `<lineage>-g<generation>`. */
export function executionNameOf(lineageId: string, generation: number): string {
  return `${lineageId}-g${generation}`;
}

/**
 * How long a start claim holds: as long as ingest-alarm may run (its timeout is this), so the caller
 * that holds the claim has started the execution, or failed, or been stopped, by the time it lapses;
 * and shorter than Lambda's first retry of a failed invocation (about a minute), so the retry of a
 * function that died holding the claim finds it lapsed and starts the execution itself.
 */
export const START_LEASE_SECONDS = 30;

/** The end of a start claim taken at `at`. */
export function startLeaseFrom(at: string): string {
  return new Date(Date.parse(at) + START_LEASE_SECONDS * 1000).toISOString();
}

/** Whether the lineage's current execution is yet to be confirmed started (and so may need starting). */
export function startPending(current: Lineage): boolean {
  return current.status === 'triaging' && current.executionName !== undefined && current.startedExecution !== current.executionName;
}

/** Whether a caller holds the claim on starting the lineage's current execution at `at`. */
export function startClaimed(current: Lineage, at: string): boolean {
  return current.startingUntil !== undefined && Date.parse(current.startingUntil) > Date.parse(at);
}

/** A lineage opened for the first time: generation 1, triaging, nothing spent. */
export function firstGeneration(input: LineageOpening): Lineage {
  return lineageSchema.parse({
    lineageId: input.lineageId,
    generation: 1,
    status: 'triaging',
    fingerprint: input.signal.fingerprint,
    alarmName: input.signal.alarmName,
    service: input.service,
    codePaths: [...input.codePaths],
    openedAt: input.at,
    updatedAt: input.at,
    signal: input.signal,
    iterations: 0,
    costUsd: 0,
    budgetUsd: input.budgetUsd,
    executionName: executionNameOf(input.lineageId, 1),
    // The alarm that opens the generation holds the claim on starting its execution.
    startingUntil: startLeaseFrom(input.at),
    version: 0,
  });
}

/**
 * The next generation of a lineage that is no longer in flight (resolved, escalated, observing,
 * ignored), afresh; undefined while it is in flight, when a new alarm starts nothing.
 */
export function nextGeneration(existing: Lineage, input: LineageOpening): Lineage | undefined {
  if (inFlightStatuses.includes(existing.status)) return undefined;
  const generation = existing.generation + 1;
  return lineageSchema.parse({
    ...existing,
    generation,
    status: 'triaging',
    iterations: 0,
    costUsd: 0,
    signal: input.signal,
    fingerprint: input.signal.fingerprint,
    alarmName: input.signal.alarmName,
    service: input.service ?? existing.service,
    codePaths: [...input.codePaths],
    budgetUsd: input.budgetUsd,
    executionName: executionNameOf(input.lineageId, generation),
    startedExecution: undefined,
    startingUntil: startLeaseFrom(input.at),
    // What the generation before measured: the new alarm is measured afresh.
    measured: undefined,
    updatedAt: input.at,
    version: existing.version + 1,
    // A token left by an escalated execution must never be claimed by the next generation.
    taskToken: undefined,
    // Nor a halt, a queued fix or the spend of the generation before.
    haltReason: undefined,
    queuedFix: undefined,
    reportedCostUsd: undefined,
    ownCostUsd: undefined,
  });
}

/** The audit event written with a lineage's (new) generation. */
export function openedEvent(opened: Lineage): AuditEvent {
  return {
    lineageId: opened.lineageId,
    at: opened.updatedAt,
    actor: 'prodloop',
    action: 'lineage-opened',
    detail: {
      generation: opened.generation,
      executionName: opened.executionName,
      alarmName: opened.alarmName,
      fingerprint: opened.fingerprint,
    },
  };
}

/**
 * Takes over the start of `executionName` whose start is unconfirmed and unclaimed at `at` (its
 * claimant failed, or died, and its claim lapsed): the new claim's end, which identifies it. Undefined
 * when the execution is started, or another caller holds the claim, or the lineage moved on.
 */
export function claimStart(current: Lineage, executionName: string, at: string): Transition<string | undefined> {
  if (!startPending(current) || current.executionName !== executionName || startClaimed(current, at)) return { result: undefined };
  const until = startLeaseFrom(at);
  return { result: until, change: { set: { startingUntil: until, updatedAt: at } } };
}

/**
 * Gives up the start claim `claim` (its end) of `executionName` after a failed start, so the next
 * alarm (or the retry) need not wait for it to lapse. False when that claim is no longer held.
 */
export function releaseStart(current: Lineage, executionName: string, claim: string, at: string): Transition<boolean> {
  if (current.executionName !== executionName || current.startedExecution === executionName || current.startingUntil !== claim) {
    return { result: false };
  }
  return { result: true, change: { set: { updatedAt: at }, clear: ['startingUntil'] } };
}

/** Records the start of `executionName` (its claim is done with); true only for the first confirmation of the lineage's current execution. */
export function confirmStarted(current: Lineage, executionName: string, at: string): Transition<boolean> {
  if (current.executionName !== executionName || current.startedExecution === executionName) return { result: false };
  return {
    result: true,
    change: {
      set: { startedExecution: executionName, updatedAt: at },
      ...(current.startingUntil ? { clear: ['startingUntil'] as const } : {}),
    },
  };
}

/** Records what triage measured the lineage through; nothing to write when it is that already. */
export function recordMeasured(current: Lineage, measured: NonNullable<Lineage['measured']>, at: string): Transition<void> {
  if (JSON.stringify(current.measured) === JSON.stringify(measured)) return { result: undefined };
  return { result: undefined, change: { set: { measured, updatedAt: at } } };
}

// ---------------------------------------------------------------------------------------------
// Spend

/** What a lineage's spend and count reached, after a charge. */
export function chargeLimits(current: Lineage, iterationCap: number): { budgetSpent: boolean; iterationCapReached: boolean } {
  return { budgetSpent: current.costUsd >= current.budgetUsd, iterationCapReached: current.iterations >= iterationCap };
}

/** A human's reset of the iteration count and the spend (and, if given, a new budget), audited with what it was before. */
export function resetBudget(current: Lineage, by: { actor: string; reason: string; at: string; budgetUsd?: number }): Transition<void> {
  return {
    result: undefined,
    change: {
      set: { iterations: 0, costUsd: 0, ...(by.budgetUsd !== undefined ? { budgetUsd: by.budgetUsd } : {}), updatedAt: by.at },
      audit: {
        at: by.at,
        actor: by.actor,
        action: 'budget-reset',
        detail: {
          reason: by.reason,
          previousIterations: current.iterations,
          previousCostUsd: current.costUsd,
          previousBudgetUsd: current.budgetUsd,
          budgetUsd: by.budgetUsd ?? current.budgetUsd,
        },
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Fix deploys, halts and hand-overs between executions

/**
 * A deploy that references the lineage as its fix. Never one that is not newer than the deploy that
 * last resumed the loop, or than the one queued already. A waiting loop's token is taken (the
 * lineage is validating); a busy loop keeps the deploy for its next wait.
 */
export function claimFix(current: Lineage, deploy: DeploySignal, at: string): Transition<ClaimFixResult> {
  const fix = { deployId: deploy.deployId, at: isoUtc(deploy.at) };
  const last = current.fixDeploy;
  if (last && (last.deployId === fix.deployId || Date.parse(fix.at) <= Date.parse(last.at))) {
    return {
      result: {
        outcome: 'stale',
        reason:
          last.deployId === fix.deployId
            ? `deploy ${fix.deployId} already resumed the loop`
            : `deploy ${fix.deployId} (${fix.at}) is not newer than ${last.deployId} (${last.at}), which resumed the loop`,
      },
    };
  }
  const queued = current.queuedFix;
  if (queued && (queued.deployId === fix.deployId || Date.parse(fix.at) <= Date.parse(queued.at))) {
    return { result: { outcome: 'stale', reason: `deploy ${queued.deployId} is queued already and not older than ${fix.deployId}` } };
  }
  if (current.status === 'awaiting-fix' && current.taskToken) {
    return {
      result: { outcome: 'resume', taskToken: current.taskToken },
      change: {
        set: { status: 'validating', fixDeploy: fix, updatedAt: at },
        clear: ['taskToken', 'queuedFix'],
        audit: { at, actor: 'prodloop', action: 'fix-deploy-claimed', detail: { deployId: fix.deployId, status: 'validating' } },
      },
    };
  }
  if (queueFixInStatuses.includes(current.status)) {
    return {
      result: { outcome: 'queued' },
      change: {
        set: { queuedFix: deploySignal.parse(deploy), updatedAt: at },
        audit: { at, actor: 'prodloop', action: 'fix-deploy-queued', detail: { deployId: fix.deployId, status: current.status } },
      },
    };
  }
  return { result: { outcome: 'not-waiting', reason: `lineage ${current.lineageId} is ${current.status}` } };
}

/** Undoes the claim of `deployId` whose resume failed: the wait goes on with its token. False when the lineage moved on. */
export function unclaimFix(current: Lineage, deployId: string, taskToken: string, at: string): Transition<boolean> {
  if (current.status !== 'validating' || current.fixDeploy?.deployId !== deployId) return { result: false };
  return {
    result: true,
    change: {
      set: { status: 'awaiting-fix', taskToken, updatedAt: at },
      clear: ['fixDeploy'],
      audit: { at, actor: 'prodloop', action: 'fix-deploy-unclaimed', detail: { deployId, status: 'awaiting-fix' } },
    },
  };
}

/**
 * Starts a wait for a fix: a queued fix deploy newer than the last one is taken at once (the result,
 * the lineage is validating); otherwise the token is parked and the lineage awaits a fix, and a
 * queued deploy that is not newer is dropped.
 */
export function parkForFix(current: Lineage, taskToken: string, at: string): Transition<DeploySignal | undefined> {
  if (!awaitFixFromStatuses.includes(current.status)) {
    return { refused: `lineage ${current.lineageId} is ${current.status}, not ${awaitFixFromStatuses.join(' or ')}: cannot await a fix` };
  }
  const waiting = current.queuedFix;
  const newer = waiting && (!current.fixDeploy || Date.parse(waiting.at) > Date.parse(current.fixDeploy.at));
  if (waiting && newer) {
    return {
      result: waiting,
      change: {
        set: { status: 'validating', fixDeploy: { deployId: waiting.deployId, at: isoUtc(waiting.at) }, updatedAt: at },
        clear: ['taskToken', 'queuedFix'],
        audit: {
          at,
          actor: 'prodloop',
          action: 'fix-deploy-claimed',
          detail: { deployId: waiting.deployId, status: 'validating', queued: true },
        },
      },
    };
  }
  return {
    result: undefined,
    change: { set: { status: 'awaiting-fix', taskToken, updatedAt: at }, ...(waiting ? { clear: ['queuedFix'] as const } : {}) },
  };
}

/** Takes back a parked fix-wait token to stop the loop (the lineage is halted for `reason`); undefined when none is parked. */
export function takeFixToken(
  current: Lineage,
  reason: HaltReason,
  at: string,
  detail: Record<string, unknown> = {},
): Transition<string | undefined> {
  if (current.status !== 'awaiting-fix' || !current.taskToken) return { result: undefined };
  return {
    result: current.taskToken,
    change: {
      set: { status: 'halted', haltReason: reason, haltToken: current.taskToken, updatedAt: at },
      clear: ['taskToken'],
      audit: { at, actor: 'prodloop', action: 'loop-halted', detail: { reason, ...detail } },
    },
  };
}

/** Forgets the kept halt token once Step Functions accepted the failure of its task; false when it was another token, or none. */
export function releaseHaltToken(current: Lineage, token: string, at: string): Transition<boolean> {
  if (current.haltToken !== token) return { result: false };
  return { result: true, change: { set: { updatedAt: at }, clear: ['haltToken'] } };
}

/** Parks the token of a loop that waits for a human; the lineage is halted for `reason`. */
export function parkForHuman(current: Lineage, taskToken: string, reason: HaltReason, at: string): Transition<void> {
  if (!parkForHumanFromStatuses.includes(current.status)) {
    return { refused: `lineage ${current.lineageId} is ${current.status}: its loop cannot wait for a human` };
  }
  return {
    result: undefined,
    change: {
      set: { status: 'halted', haltReason: reason, taskToken, updatedAt: at },
      audit: { at, actor: 'prodloop', action: 'waiting-for-human', detail: { reason, status: 'halted' } },
    },
  };
}

/**
 * A human's word (or a halt that cleared) on a halted lineage: its loop's token is taken and the
 * lineage awaits a fix again. No token, and nothing written, while the loop has not parked yet.
 */
export function releaseHuman(current: Lineage, by: { actor: string; reason: string; at: string }): Transition<string | undefined> {
  if (current.status !== 'halted') {
    return { refused: `lineage ${current.lineageId} is ${current.status}, not halted: there is no stopped loop to resume` };
  }
  if (!current.taskToken) return { result: undefined };
  return {
    result: current.taskToken,
    change: {
      set: { status: 'awaiting-fix', updatedAt: by.at },
      clear: ['taskToken', 'haltReason'],
      audit: {
        at: by.at,
        actor: by.actor,
        action: 'loop-resumed',
        detail: { reason: by.reason, haltReason: current.haltReason, status: 'awaiting-fix' },
      },
    },
  };
}

/** Hands the lineage from execution `from` to `to`; nothing to write when it is in `to` already (a retry). */
export function continueExecution(current: Lineage, from: string, to: string, at: string): Transition<void> {
  if (current.executionName === to) return { result: undefined };
  if (current.executionName !== from) {
    return {
      refused: `lineage ${current.lineageId} runs in ${current.executionName ?? 'no execution'}, not ${from}: cannot continue in ${to}`,
    };
  }
  return {
    result: undefined,
    change: {
      set: { executionName: to, updatedAt: at },
      audit: { at, actor: 'prodloop', action: 'execution-continued', detail: { from, to } },
    },
  };
}
