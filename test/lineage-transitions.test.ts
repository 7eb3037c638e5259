/** The lineage's transition rules, without a store: what each request changes, returns, or is refused for. */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { inFlightStatuses, type Lineage, type LineageStatus, lineageStatus } from '#domain/lineage/lineage';
import {
  awaitFixFromStatuses,
  chargeLimits,
  claimFix,
  claimStart,
  confirmStarted,
  continueExecution,
  firstGeneration,
  nextGeneration,
  openedEvent,
  parkForFix,
  parkForHuman,
  queueFixInStatuses,
  recordMeasured,
  releaseHaltToken,
  releaseHuman,
  releaseStart,
  resetBudget,
  START_LEASE_SECONDS,
  type Transition,
  takeFixToken,
  unclaimFix,
} from '#domain/lineage/transitions';
import { type DeploySignal, deploySignal } from '#domain/signals/signals';
import { sampleLineage } from './support/samples.ts';

const AT = '2026-11-22T15:00:00.000Z';
const ALL: readonly LineageStatus[] = lineageStatus.options;
const inStatus = (status: LineageStatus, overrides: Partial<Lineage> = {}) => sampleLineage({ status, ...overrides });
const deploy = (deployId: string, at: string): DeploySignal =>
  deploySignal.parse({ kind: 'deploy', source: 'custom', deployId, service: 'checkout', status: 'succeeded', at });

function accepted<R>(t: Transition<R>): { result: R; change?: NonNullable<Extract<Transition<R>, { result: R }>['change']> } {
  assert.ok(!('refused' in t), `refused: ${'refused' in t ? t.refused : ''}`);
  return t;
}
function refusal<R>(t: Transition<R>): string {
  assert.ok('refused' in t, 'expected a refusal');
  return t.refused;
}

describe('opening a lineage', () => {
  const opening = {
    lineageId: 'lin-checkout-5xx',
    signal: sampleLineage().signal,
    service: 'checkout',
    codePaths: ['services/checkout/**'],
    budgetUsd: 40,
    at: AT,
  };

  test('the first alarm opens generation 1, triaging, in its first execution, with nothing spent', () => {
    const first = firstGeneration(opening);
    assert.equal(first.generation, 1);
    assert.equal(first.status, 'triaging');
    assert.equal(first.executionName, 'lin-checkout-5xx-g1');
    assert.deepEqual([first.iterations, first.costUsd, first.budgetUsd, first.version], [0, 0, 40, 0]);
    assert.deepEqual(openedEvent(first), {
      lineageId: 'lin-checkout-5xx',
      at: AT,
      actor: 'prodloop',
      action: 'lineage-opened',
      detail: { generation: 1, executionName: 'lin-checkout-5xx-g1', alarmName: 'checkout-5xx-rate', fingerprint: 'fp-checkout-5xx' },
    });
  });

  test('an alarm for an in-flight lineage opens nothing', () => {
    for (const status of inFlightStatuses) assert.equal(nextGeneration(inStatus(status), opening), undefined, status);
  });

  test('an alarm for a lineage no longer in flight opens its next generation afresh', () => {
    for (const status of ALL.filter((s) => !inFlightStatuses.includes(s))) {
      const before = inStatus(status, {
        generation: 3,
        iterations: 4,
        costUsd: 12,
        taskToken: 'left-behind',
        haltReason: 'budget-spent',
        queuedFix: deploy('d-old', '2026-11-22T14:00:00Z'),
        reportedCostUsd: 2,
        ownCostUsd: 1,
        startedExecution: 'lin-checkout-5xx-g3',
        measured: { alarmName: 'child', metrics: sampleLineage().signal.metrics },
      });
      const next = nextGeneration(before, { ...opening, service: undefined });
      assert.ok(next, status);
      assert.deepEqual([next.generation, next.status, next.executionName, next.version], [4, 'triaging', 'lin-checkout-5xx-g4', 2]);
      assert.deepEqual([next.iterations, next.costUsd, next.budgetUsd], [0, 0, 40]);
      assert.equal(next.service, 'checkout', 'the service it had when the alarm names none');
      for (const field of [
        'taskToken',
        'haltReason',
        'queuedFix',
        'reportedCostUsd',
        'ownCostUsd',
        'startedExecution',
        'measured',
      ] as const)
        assert.equal(next[field], undefined, `${status}: ${field}`);
    }
  });

  test('the alarm that opens a generation holds the claim on starting its execution', () => {
    const until = new Date(Date.parse(AT) + START_LEASE_SECONDS * 1000).toISOString();
    assert.equal(firstGeneration(opening).startingUntil, until);
    const later = '2026-11-22T16:00:00.000Z';
    const next = nextGeneration(inStatus('resolved', { startingUntil: AT }), { ...opening, at: later });
    assert.equal(next?.startingUntil, new Date(Date.parse(later) + START_LEASE_SECONDS * 1000).toISOString());
  });

  test('an unconfirmed start is claimed only once its claim has lapsed, and not at all once confirmed or moved on', () => {
    const name = 'lin-checkout-5xx-g1';
    const held = sampleLineage({ status: 'triaging', executionName: name, startingUntil: '2026-11-22T15:00:30.000Z' });
    assert.deepEqual(claimStart(held, name, '2026-11-22T15:00:29.999Z'), { result: undefined });
    assert.deepEqual(accepted(claimStart(held, name, '2026-11-22T15:00:30.000Z')), {
      result: '2026-11-22T15:01:00.000Z',
      change: { set: { startingUntil: '2026-11-22T15:01:00.000Z', updatedAt: '2026-11-22T15:00:30.000Z' } },
    });
    const unclaimed = { ...held, startingUntil: undefined };
    assert.equal(accepted(claimStart(unclaimed, name, AT)).result, '2026-11-22T15:00:30.000Z');
    assert.deepEqual(claimStart({ ...unclaimed, startedExecution: name }, name, AT), { result: undefined });
    assert.deepEqual(claimStart(unclaimed, 'lin-checkout-5xx-g0', AT), { result: undefined });
    assert.deepEqual(claimStart({ ...unclaimed, status: 'awaiting-fix' }, name, AT), { result: undefined });
  });

  test('a start claim is released only by its holder, and only while the start is unconfirmed', () => {
    const name = 'lin-checkout-5xx-g1';
    const claim = '2026-11-22T15:00:30.000Z';
    const held = sampleLineage({ status: 'triaging', executionName: name, startingUntil: claim });
    assert.deepEqual(accepted(releaseStart(held, name, claim, AT)), {
      result: true,
      change: { set: { updatedAt: AT }, clear: ['startingUntil'] },
    });
    assert.deepEqual(releaseStart(held, name, '2026-11-22T15:01:00.000Z', AT), { result: false }, 'another caller took it over');
    assert.deepEqual(releaseStart({ ...held, startedExecution: name }, name, claim, AT), { result: false });
    assert.deepEqual(releaseStart(held, 'lin-checkout-5xx-g0', claim, AT), { result: false });
  });

  test('confirming a start ends its claim', () => {
    const current = sampleLineage({ executionName: 'lin-checkout-5xx-g1', startingUntil: '2026-11-22T15:00:30.000Z' });
    assert.deepEqual(accepted(confirmStarted(current, 'lin-checkout-5xx-g1', AT)).change, {
      set: { startedExecution: 'lin-checkout-5xx-g1', updatedAt: AT },
      clear: ['startingUntil'],
    });
  });

  test('only the first confirmation of the current execution records its start', () => {
    const current = sampleLineage({ executionName: 'lin-checkout-5xx-g1' });
    assert.deepEqual(accepted(confirmStarted(current, 'lin-checkout-5xx-g1', AT)), {
      result: true,
      change: { set: { startedExecution: 'lin-checkout-5xx-g1', updatedAt: AT } },
    });
    assert.deepEqual(confirmStarted({ ...current, startedExecution: 'lin-checkout-5xx-g1' }, 'lin-checkout-5xx-g1', AT), { result: false });
    assert.deepEqual(confirmStarted(current, 'lin-checkout-5xx-g0', AT), { result: false });
  });

  test('what triage measured is written only when it changed', () => {
    const measured = { alarmName: 'child', metrics: sampleLineage().signal.metrics };
    assert.deepEqual(accepted(recordMeasured(sampleLineage(), measured, AT)).change, { set: { measured, updatedAt: AT } });
    assert.deepEqual(recordMeasured(sampleLineage({ measured }), measured, AT), { result: undefined });
  });
});

describe('spend', () => {
  test('the budget is spent at the budget and the cap reached at the cap', () => {
    assert.deepEqual(chargeLimits(sampleLineage({ costUsd: 49.99, iterations: 2 }), 3), { budgetSpent: false, iterationCapReached: false });
    assert.deepEqual(chargeLimits(sampleLineage({ costUsd: 50, iterations: 3 }), 3), { budgetSpent: true, iterationCapReached: true });
  });

  test("a human's reset zeroes count and spend, keeps the budget unless given one, and records what it was", () => {
    const current = sampleLineage({ iterations: 5, costUsd: 51 });
    const kept = accepted(resetBudget(current, { actor: 'alice', reason: 'new approach', at: AT })).change;
    assert.deepEqual(kept?.set, { iterations: 0, costUsd: 0, updatedAt: AT });
    assert.deepEqual(kept?.audit, {
      at: AT,
      actor: 'alice',
      action: 'budget-reset',
      detail: { reason: 'new approach', previousIterations: 5, previousCostUsd: 51, previousBudgetUsd: 50, budgetUsd: 50 },
    });
    const raised = accepted(resetBudget(current, { actor: 'alice', reason: 'more', at: AT, budgetUsd: 80 })).change;
    assert.equal(raised?.set.budgetUsd, 80);
    assert.equal(raised?.audit?.detail.budgetUsd, 80);
  });
});

describe('a fix deploy claims the wait', () => {
  const fix = deploy('d-2', '2026-11-22T14:50:00+01:00');

  test('a waiting loop is resumed with its token, and the lineage is validating', () => {
    const claim = accepted(
      claimFix(inStatus('awaiting-fix', { taskToken: 'tok', queuedFix: deploy('d-1', '2026-11-22T13:00:00Z') }), fix, AT),
    );
    assert.deepEqual(claim.result, { outcome: 'resume', taskToken: 'tok' });
    assert.deepEqual(claim.change, {
      set: { status: 'validating', fixDeploy: { deployId: 'd-2', at: '2026-11-22T13:50:00.000Z' }, updatedAt: AT },
      clear: ['taskToken', 'queuedFix'],
      audit: { at: AT, actor: 'prodloop', action: 'fix-deploy-claimed', detail: { deployId: 'd-2', status: 'validating' } },
    });
  });

  test('a busy loop keeps the deploy for its next wait', () => {
    for (const status of queueFixInStatuses) {
      const claim = accepted(claimFix(inStatus(status), fix, AT));
      assert.deepEqual(claim.result, { outcome: 'queued' }, status);
      assert.deepEqual(claim.change?.set, { queuedFix: fix, updatedAt: AT });
      assert.deepEqual(claim.change?.audit?.detail, { deployId: 'd-2', status });
    }
    assert.deepEqual(
      accepted(claimFix(inStatus('awaiting-fix'), fix, AT)).result,
      { outcome: 'queued' },
      'awaiting, its token not parked yet',
    );
  });

  test('a lineage whose loop does not wait for fixes is not waiting', () => {
    for (const status of ALL.filter((s) => !queueFixInStatuses.includes(s))) {
      assert.deepEqual(claimFix(inStatus(status), fix, AT), {
        result: { outcome: 'not-waiting', reason: `lineage lin-checkout-5xx is ${status}` },
      });
    }
  });

  test('the deploy that resumed the loop, or an older one, is stale', () => {
    const resumed = { fixDeploy: { deployId: 'd-2', at: '2026-11-22T13:50:00.000Z' }, taskToken: 'tok' };
    assert.deepEqual(claimFix(inStatus('awaiting-fix', resumed), fix, AT), {
      result: { outcome: 'stale', reason: 'deploy d-2 already resumed the loop' },
    });
    const newer = { fixDeploy: { deployId: 'd-3', at: '2026-11-22T13:50:00.000Z' }, taskToken: 'tok' };
    assert.deepEqual(claimFix(inStatus('awaiting-fix', newer), fix, AT), {
      result: {
        outcome: 'stale',
        reason: 'deploy d-2 (2026-11-22T13:50:00.000Z) is not newer than d-3 (2026-11-22T13:50:00.000Z), which resumed the loop',
      },
    });
  });

  test('a deploy no newer than the one queued already is stale', () => {
    for (const queued of [deploy('d-2', '2026-11-22T13:50:00Z'), deploy('d-9', '2026-11-22T14:00:00Z')]) {
      assert.deepEqual(claimFix(inStatus('validating', { queuedFix: queued }), fix, AT), {
        result: { outcome: 'stale', reason: `deploy ${queued.deployId} is queued already and not older than d-2` },
      });
    }
    assert.deepEqual(accepted(claimFix(inStatus('validating', { queuedFix: deploy('d-1', '2026-11-22T13:00:00Z') }), fix, AT)).result, {
      outcome: 'queued',
    });
  });

  test('a claim whose resume failed is undone only for that deploy while the lineage validates it', () => {
    const validating = inStatus('validating', { fixDeploy: { deployId: 'd-2', at: '2026-11-22T13:50:00.000Z' } });
    assert.deepEqual(accepted(unclaimFix(validating, 'd-2', 'tok', AT)), {
      result: true,
      change: {
        set: { status: 'awaiting-fix', taskToken: 'tok', updatedAt: AT },
        clear: ['fixDeploy'],
        audit: { at: AT, actor: 'prodloop', action: 'fix-deploy-unclaimed', detail: { deployId: 'd-2', status: 'awaiting-fix' } },
      },
    });
    assert.deepEqual(unclaimFix(validating, 'd-other', 'tok', AT), { result: false });
    assert.deepEqual(unclaimFix({ ...validating, status: 'halted' }, 'd-2', 'tok', AT), { result: false });
  });
});

describe('a loop starts waiting for a fix', () => {
  test('only from triaging, validating or awaiting a fix', () => {
    for (const status of ALL.filter((s) => !awaitFixFromStatuses.includes(s))) {
      assert.equal(
        refusal(parkForFix(inStatus(status), 'tok', AT)),
        `lineage lin-checkout-5xx is ${status}, not triaging or validating or awaiting-fix: cannot await a fix`,
      );
    }
  });

  test('with nothing queued, its token is parked and the lineage awaits a fix', () => {
    for (const status of awaitFixFromStatuses) {
      assert.deepEqual(accepted(parkForFix(inStatus(status), 'tok', AT)), {
        result: undefined,
        change: { set: { status: 'awaiting-fix', taskToken: 'tok', updatedAt: AT } },
      });
    }
  });

  test('a queued deploy newer than the last fix is taken at once, and the lineage validates it', () => {
    const queued = deploy('d-3', '2026-11-22T14:30:00+01:00');
    for (const fixDeploy of [undefined, { deployId: 'd-2', at: '2026-11-22T13:00:00.000Z' }]) {
      const park = accepted(parkForFix(inStatus('validating', { queuedFix: queued, fixDeploy }), 'tok', AT));
      assert.deepEqual(park.result, queued);
      assert.deepEqual(park.change, {
        set: { status: 'validating', fixDeploy: { deployId: 'd-3', at: '2026-11-22T13:30:00.000Z' }, updatedAt: AT },
        clear: ['taskToken', 'queuedFix'],
        audit: { at: AT, actor: 'prodloop', action: 'fix-deploy-claimed', detail: { deployId: 'd-3', status: 'validating', queued: true } },
      });
    }
  });

  test('a queued deploy not newer than the last fix is dropped and the token parked', () => {
    const current = inStatus('validating', {
      queuedFix: deploy('d-1', '2026-11-22T13:00:00Z'),
      fixDeploy: { deployId: 'd-2', at: '2026-11-22T13:00:00.000Z' },
    });
    assert.deepEqual(accepted(parkForFix(current, 'tok', AT)), {
      result: undefined,
      change: { set: { status: 'awaiting-fix', taskToken: 'tok', updatedAt: AT }, clear: ['queuedFix'] },
    });
  });
});

describe('halts and hand-overs', () => {
  test('a parked fix-wait token is taken back to halt the loop; nothing when none is parked', () => {
    assert.deepEqual(accepted(takeFixToken(inStatus('awaiting-fix', { taskToken: 'tok' }), 'andon', AT, { paths: ['services/**'] })), {
      result: 'tok',
      change: {
        set: { status: 'halted', haltReason: 'andon', haltToken: 'tok', updatedAt: AT },
        clear: ['taskToken'],
        audit: { at: AT, actor: 'prodloop', action: 'loop-halted', detail: { reason: 'andon', paths: ['services/**'] } },
      },
    });
    assert.deepEqual(takeFixToken(inStatus('awaiting-fix'), 'andon', AT), { result: undefined });
    assert.deepEqual(takeFixToken(inStatus('validating', { taskToken: 'tok' }), 'andon', AT), { result: undefined });
  });

  test('the kept halt token is forgotten only by the caller holding that token', () => {
    const halted = inStatus('halted', { haltToken: 'tok' });
    assert.deepEqual(accepted(releaseHaltToken(halted, 'tok', AT)), {
      result: true,
      change: { set: { updatedAt: AT }, clear: ['haltToken'] },
    });
    assert.deepEqual(releaseHaltToken(halted, 'other', AT), { result: false });
    assert.deepEqual(releaseHaltToken(inStatus('halted'), 'tok', AT), { result: false });
  });

  test('a loop may wait for a human from any in-flight status, and from nothing else', () => {
    for (const status of inFlightStatuses) {
      assert.deepEqual(accepted(parkForHuman(inStatus(status), 'tok', 'iteration-cap', AT)).change, {
        set: { status: 'halted', haltReason: 'iteration-cap', taskToken: 'tok', updatedAt: AT },
        audit: { at: AT, actor: 'prodloop', action: 'waiting-for-human', detail: { reason: 'iteration-cap', status: 'halted' } },
      });
    }
    for (const status of ALL.filter((s) => !inFlightStatuses.includes(s))) {
      assert.equal(
        refusal(parkForHuman(inStatus(status), 'tok', 'andon', AT)),
        `lineage lin-checkout-5xx is ${status}: its loop cannot wait for a human`,
      );
    }
  });

  test("a human's word resumes a halted loop that parked its token, and is refused for a lineage not halted", () => {
    const by = { actor: 'alice', reason: 'fixed by hand', at: AT };
    assert.deepEqual(accepted(releaseHuman(inStatus('halted', { taskToken: 'tok', haltReason: 'budget-spent' }), by)), {
      result: 'tok',
      change: {
        set: { status: 'awaiting-fix', updatedAt: AT },
        clear: ['taskToken', 'haltReason'],
        audit: {
          at: AT,
          actor: 'alice',
          action: 'loop-resumed',
          detail: { reason: 'fixed by hand', haltReason: 'budget-spent', status: 'awaiting-fix' },
        },
      },
    });
    assert.deepEqual(releaseHuman(inStatus('halted', { haltReason: 'andon' }), by), { result: undefined }, 'the loop has not parked yet');
    assert.equal(
      refusal(releaseHuman(inStatus('awaiting-fix'), by)),
      'lineage lin-checkout-5xx is awaiting-fix, not halted: there is no stopped loop to resume',
    );
  });

  test('the next execution takes over from the current one; a retry writes nothing; another execution is refused', () => {
    const current = sampleLineage({ executionName: 'lin-checkout-5xx-g1' });
    assert.deepEqual(accepted(continueExecution(current, 'lin-checkout-5xx-g1', 'lin-checkout-5xx-g1-r2', AT)).change, {
      set: { executionName: 'lin-checkout-5xx-g1-r2', updatedAt: AT },
      audit: {
        at: AT,
        actor: 'prodloop',
        action: 'execution-continued',
        detail: { from: 'lin-checkout-5xx-g1', to: 'lin-checkout-5xx-g1-r2' },
      },
    });
    assert.deepEqual(
      continueExecution({ ...current, executionName: 'lin-checkout-5xx-g1-r2' }, 'lin-checkout-5xx-g1', 'lin-checkout-5xx-g1-r2', AT),
      {
        result: undefined,
      },
    );
    assert.equal(
      refusal(continueExecution(current, 'lin-checkout-5xx-g0', 'lin-checkout-5xx-g0-r2', AT)),
      'lineage lin-checkout-5xx runs in lin-checkout-5xx-g1, not lin-checkout-5xx-g0: cannot continue in lin-checkout-5xx-g0-r2',
    );
    assert.match(refusal(continueExecution(sampleLineage(), 'a', 'b', AT)), /runs in no execution, not a/);
  });
});
