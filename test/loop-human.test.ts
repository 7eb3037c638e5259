/**
 * A human's word on a deployed stack, as `prodloop budget reset` and `prodloop quarantine lift` give it:
 * the real store on DynamoDB Local, Step Functions answered at the SDK boundary. The reset or lift is
 * audited with who and why, and the halted loop's "waiting for a human" task gets SendTaskSuccess.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { StepFunctionsWorkflow } from '#adapters/aws/sfn';
import { liftLock, resetBudget } from '#app/human';
import { type TestStore, testStore } from './support/dynamodb.ts';
import { sampleAlarm } from './support/samples.ts';
import { recordingSfnClient } from './support/sfn.ts';

const T0 = '2026-03-02T10:00:00.000Z';

let t: TestStore;
beforeAll(async () => {
  t = await testStore();
});
afterAll(() => t.client.destroy());

function sfn() {
  const { client, sent } = recordingSfnClient();
  return { workflow: new StepFunctionsWorkflow(client, 'unused'), sent };
}

/** A lineage whose loop stopped for `reason` and parked its "waiting for a human" token. */
async function halted(reason: 'iteration-cap' | 'budget-spent' | 'andon', name: string): Promise<string> {
  const id = `lin-${name}${Date.now().toString(36)}`;
  await t.store.openLineage({
    lineageId: id,
    signal: sampleAlarm({ alarmName: `prod-checkout-${name}`, at: T0, fingerprint: `fp-${id}` }),
    service: 'checkout',
    codePaths: [`services/${name}/**`],
    budgetUsd: 10,
    at: T0,
  });
  for (let i = 0; i < 3; i++) {
    await t.store.charge(
      { lineageId: id, costUsd: 4, iteration: true, reason: 'attempt', at: T0, chargeId: `${id}-${i}` },
      { iterationCap: 3 },
    );
  }
  await t.store.parkForHuman(id, `human-${id}`, reason, T0);
  return id;
}

describe("a human's word", () => {
  test('budget reset: counters back to zero, audited with who and why, and the halted loop resumed once', async () => {
    const id = await halted('iteration-cap', 'cart');
    const { workflow, sent } = sfn();
    const by = { actor: 'dana', reason: 'the rewrite in #904 is the real fix', at: '2026-03-02T11:00:00.000Z' };
    const { lineage, resumption } = await resetBudget({ store: t.store, workflow, iterationCap: 3 }, id, { ...by, budgetUsd: 30 });
    assert.equal(lineage.iterations, 0);
    assert.equal(lineage.costUsd, 0);
    assert.equal(lineage.budgetUsd, 30);
    assert.equal(resumption.resumed, true);
    assert.deepEqual(
      sent.map((s) => [s.command, s.input.taskToken, JSON.parse(String(s.input.output))]),
      [['SendTaskSuccessCommand', `human-${id}`, { resumedBy: 'dana', reason: by.reason }]],
    );
    const trail = await t.store.auditTrail(id);
    assert.deepEqual(
      trail.filter((e) => e.action === 'budget-reset' || e.action === 'loop-resumed').map((e) => [e.action, e.actor, e.detail.reason]),
      [
        ['budget-reset', 'dana', by.reason],
        ['loop-resumed', 'dana', by.reason],
      ],
    );
    // Again: the counters reset again (audited), but there is no halted loop left to resume.
    const again = await resetBudget({ store: t.store, workflow, iterationCap: 3 }, id, by);
    assert.equal(again.resumption.resumed, false);
    assert.equal(sent.length, 1);
  });

  test('a reset does not lift a lock: a loop halted by the andon cord resumes only when its last locked path is lifted', async () => {
    const id = await halted('andon', 'pricing');
    await t.store.lockPaths([
      { path: 'services/pricing/**', lineageId: 'deploy:d-9', reason: 'deploy d-9 doubled 5xx', deployId: 'd-9', lockedAt: T0 },
      { path: 'services/pricing/rules/**', lineageId: 'deploy:d-9', reason: 'deploy d-9 doubled 5xx', deployId: 'd-9', lockedAt: T0 },
    ]);
    const { workflow, sent } = sfn();
    const human = { store: t.store, workflow, iterationCap: 3 };
    const by = { actor: 'sam', reason: 'rolled back', at: '2026-03-02T11:00:00.000Z' };
    const reset = await resetBudget(human, id, by);
    assert.equal(reset.resumption.resumed, false);
    assert.match(reset.resumption.note, /stays halted: .* still quarantined; lift them to resume/);
    assert.ok(reset.resumption.note.includes('services/pricing/**') && reset.resumption.note.includes('services/pricing/rules/**'));
    const first = await liftLock(human, 'services/pricing/**', by);
    assert.deepEqual(
      first.resumptions.filter((r) => r.lineageId === id).map((r) => r.resumed),
      [false],
    );
    const second = await liftLock(human, 'services/pricing/rules/**', by);
    assert.deepEqual(
      second.resumptions.filter((r) => r.lineageId === id).map((r) => r.resumed),
      [true],
    );
    assert.deepEqual(
      sent.map((s) => s.input.taskToken),
      [`human-${id}`],
    );
    assert.equal((await t.store.getLineage(id))?.status, 'awaiting-fix');
    const lifted = (await t.store.auditTrail('deploy:d-9')).filter((e) => e.action === 'quarantine-lifted');
    assert.deepEqual(
      lifted.map((e) => [e.actor, e.detail.path]),
      [
        ['sam', 'services/pricing/**'],
        ['sam', 'services/pricing/rules/**'],
      ],
    );
  });
});
