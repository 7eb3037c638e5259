/**
 * The loop's conditional writes against DynamoDB Local: claiming a fix deploy (once, never an older
 * one, kept for later while the loop is busy), taking back a parked wait to halt it, waiting for a
 * human and a human's release, handing the loop to the next execution, and charges by kind.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { ConflictError } from '#domain/shared/errors';
import type { DeploySignal } from '#domain/signals/signals';
import { type TestStore, testStore } from './support/dynamodb.ts';
import { sampleAlarm } from './support/samples.ts';

const T0 = '2025-03-01T10:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

function deploy(id: string, minutes: number): DeploySignal {
  return {
    kind: 'deploy',
    source: 'custom',
    deployId: id,
    service: 'checkout',
    status: 'succeeded',
    at: at(minutes),
    commitSha: 'abcdef1',
    prNumbers: [],
    changedPaths: ['services/checkout/cart.ts'],
    dependencyChanges: [],
  };
}

let t: TestStore;
beforeAll(async () => {
  t = await testStore();
});
afterAll(() => t.client.destroy());

/** A lineage whose loop parked `token` waiting for a fix. */
async function waiting(token = `token-${randomUUID()}`): Promise<{ id: string; token: string }> {
  const id = `lin-${randomUUID().slice(0, 8)}`;
  await t.store.openLineage({
    lineageId: id,
    signal: sampleAlarm({
      alarmName: 'prod-checkout-5xx',
      at: T0,
      fingerprint: `fp-${id}`,
      metrics: [{ namespace: 'Shop/Checkout', metricName: 'Errors5xx', dimensions: { Service: 'checkout' } }],
    }),
    service: 'checkout',
    codePaths: ['services/checkout/**'],
    budgetUsd: 20,
    at: T0,
  });
  const parked = await t.store.parkForFix(id, token, at(1));
  assert.equal(parked.lineage.status, 'awaiting-fix');
  return { id, token };
}

describe('claiming a fix deploy', () => {
  test('ten concurrent deliveries of one fix deploy resume the loop exactly once', async () => {
    const { id, token } = await waiting();
    const claims = await Promise.all(Array.from({ length: 10 }, () => t.store.claimFix(id, deploy('d-1', 30), at(30))));
    const resumed = claims.filter((c) => c.outcome === 'resume');
    assert.equal(resumed.length, 1);
    assert.equal(resumed[0]?.outcome === 'resume' && resumed[0].taskToken, token);
    assert.ok(claims.filter((c) => c.outcome !== 'resume').every((c) => c.outcome === 'stale'));
    const lineage = await t.store.getLineage(id);
    assert.equal(lineage?.status, 'validating');
    assert.deepEqual(lineage?.fixDeploy, { deployId: 'd-1', at: at(30) });
    assert.equal(lineage?.taskToken, undefined);
    const claimed = (await t.store.auditTrail(id)).filter((e) => e.action === 'fix-deploy-claimed');
    assert.equal(claimed.length, 1);
  });

  test('an older deploy arriving after a newer one resumed the loop never resumes the next wait', async () => {
    const { id } = await waiting();
    assert.equal((await t.store.claimFix(id, deploy('d-new', 40), at(40))).outcome, 'resume');
    // The loop comes back to wait for the next fix (the new deploy did nothing).
    await t.store.parkForFix(id, 'token-2', at(60));
    const late = await t.store.claimFix(id, deploy('d-old', 20), at(61));
    assert.equal(late.outcome, 'stale');
    assert.match(late.outcome === 'stale' ? late.reason : '', /not newer than d-new/);
    const redelivered = await t.store.claimFix(id, deploy('d-new', 40), at(62));
    assert.equal(redelivered.outcome, 'stale');
    assert.equal((await t.store.getLineage(id))?.taskToken, 'token-2', 'the second wait is untouched');
  });

  test('a fix that ships while the loop validates is kept, and the next wait takes it at once', async () => {
    const { id } = await waiting();
    await t.store.claimFix(id, deploy('d-1', 30), at(30));
    const meanwhile = await t.store.claimFix(id, deploy('d-2', 40), at(40));
    assert.equal(meanwhile.outcome, 'queued');
    assert.equal((await t.store.claimFix(id, deploy('d-2', 40), at(41))).outcome, 'stale', 'kept once');
    const next = await t.store.parkForFix(id, 'token-2', at(50));
    assert.equal(next.queued?.deployId, 'd-2');
    assert.equal(next.lineage.status, 'validating');
    assert.equal(next.lineage.queuedFix, undefined);
    assert.deepEqual(next.lineage.fixDeploy, { deployId: 'd-2', at: at(40) });
    assert.equal(next.lineage.taskToken, undefined, 'the caller resumes its own token with the queued deploy');
  });

  test('a claim whose resume failed is undone, and the redelivered deploy resumes the loop', async () => {
    const { id, token } = await waiting();
    const claim = await t.store.claimFix(id, deploy('d-1', 30), at(30));
    assert.equal(claim.outcome, 'resume');
    assert.equal(await t.store.unclaimFix(id, 'd-1', token, at(31)), true);
    assert.equal((await t.store.getLineage(id))?.status, 'awaiting-fix');
    const again = await t.store.claimFix(id, deploy('d-1', 30), at(32));
    assert.deepEqual(again, { outcome: 'resume', taskToken: token });
    assert.equal(await t.store.unclaimFix(id, 'd-other', token, at(33)), false, 'only the claim of that deploy is undone');
  });

  test('a resolved lineage takes no fix', async () => {
    const { id } = await waiting();
    await t.store.claimFix(id, deploy('d-1', 30), at(30));
    await t.store.transition(id, { from: ['validating'], to: 'resolved', at: at(45), actor: 'prodloop', action: 'fix-validated' });
    const claim = await t.store.claimFix(id, deploy('d-2', 50), at(50));
    assert.equal(claim.outcome, 'not-waiting');
  });
});

describe('halting and resuming', () => {
  test('taking back a parked wait halts the lineage once; a second taker gets nothing', async () => {
    const { id, token } = await waiting();
    const [a, b] = await Promise.all([
      t.store.takeFixToken(id, 'andon', at(10), { deployId: 'd-bad' }),
      t.store.takeFixToken(id, 'budget-spent', at(10)),
    ]);
    assert.deepEqual([a, b].filter(Boolean), [token]);
    const lineage = await t.store.getLineage(id);
    assert.equal(lineage?.status, 'halted');
    assert.ok(lineage?.haltReason === 'andon' || lineage?.haltReason === 'budget-spent');
    assert.equal((await t.store.auditTrail(id)).filter((e) => e.action === 'loop-halted').length, 1);
  });

  test("a halted loop parks for a human; a human's release takes the token once, audited with who and why", async () => {
    const { id } = await waiting();
    await t.store.takeFixToken(id, 'iteration-cap', at(10));
    assert.deepEqual(await t.store.releaseHuman(id, { actor: 'dana', reason: 'early', at: at(11) }).then((r) => r.taskToken), undefined);
    await t.store.parkForHuman(id, 'human-token', 'iteration-cap', at(12));
    const [first, second] = await Promise.allSettled([
      t.store.releaseHuman(id, { actor: 'dana', reason: 'one more try', at: at(20) }),
      t.store.releaseHuman(id, { actor: 'sam', reason: 'me too', at: at(20) }),
    ]);
    const tokens = [first, second].flatMap((r) => (r.status === 'fulfilled' && r.value.taskToken ? [r.value.taskToken] : []));
    assert.deepEqual(tokens, ['human-token']);
    const lineage = await t.store.getLineage(id);
    assert.equal(lineage?.status, 'awaiting-fix');
    assert.equal(lineage?.haltReason, undefined);
    const resumed = (await t.store.auditTrail(id)).filter((e) => e.action === 'loop-resumed');
    assert.equal(resumed.length, 1);
    assert.ok(['dana', 'sam'].includes(resumed[0]?.actor as string));
    await assert.rejects(t.store.releaseHuman(id, { actor: 'dana', reason: 'again', at: at(21) }), ConflictError);
  });

  test('a halted lineage stays in flight: a new alarm starts no new generation', async () => {
    const { id } = await waiting();
    await t.store.takeFixToken(id, 'andon', at(10));
    const lineage = await t.store.getLineage(id);
    const again = await t.store.openLineage({
      lineageId: id,
      signal: lineage?.signal as never,
      service: 'checkout',
      codePaths: ['services/checkout/**'],
      budgetUsd: 20,
      at: at(30),
    });
    assert.equal(again.started, false);
  });
});

describe('one execution per iteration', () => {
  test('the loop moves to the next execution once; a retry of the hand-over is a no-op; a stale one is refused', async () => {
    const { id } = await waiting();
    const from = (await t.store.getLineage(id))?.executionName as string;
    const moved = await t.store.continueExecution(id, from, `${id}-g1-r2`, at(40));
    assert.equal(moved.executionName, `${id}-g1-r2`);
    assert.equal((await t.store.continueExecution(id, from, `${id}-g1-r2`, at(41))).executionName, `${id}-g1-r2`);
    await assert.rejects(t.store.continueExecution(id, from, `${id}-g1-r9`, at(42)), ConflictError);
  });
});

describe('charges by kind', () => {
  test('reported and own costs add to the spend and to their own share, once per charge id', async () => {
    const { id } = await waiting();
    const charge = (chargeId: string, costUsd: number, category: 'attempt' | 'reported' | 'prodloop') =>
      t.store.charge({ lineageId: id, costUsd, iteration: false, reason: category, at: at(5), chargeId, category }, { iterationCap: 3 });
    await charge('a', 5, 'attempt');
    await charge('r', 12.5, 'reported');
    await charge('r', 12.5, 'reported');
    const last = await charge('p', 0.0004, 'prodloop');
    assert.equal(last.lineage.costUsd, 17.5004);
    assert.equal(last.lineage.reportedCostUsd, 12.5);
    assert.equal(last.lineage.ownCostUsd, 0.0004);
    assert.equal(last.budgetSpent, false);
    assert.equal((await charge('r2', 3, 'reported')).budgetSpent, true);
  });
});
