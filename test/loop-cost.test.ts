/**
 * "Cost Reported" events at record-cost, with the real store on DynamoDB Local: charged once per cost
 * id, found by lineage id or by issue number, rejected with a reason when malformed, and a charge that
 * spends the budget stops the loop waiting for a fix (its task fails with prodloop.BudgetSpent, which the
 * lineage ASL turns into a budget escalation). Step Functions is answered at the SDK boundary.
 */
import assert from 'node:assert/strict';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { StepFunctionsLoop } from '#adapters/aws/sfn-loop';
import { makeRecordCost } from '#app/record-cost';
import { parseConfig } from '#domain/config/config';
import { parseCostEvent } from '#domain/signals/cost';
import { costReportedEvent } from '../bin/local/events.ts';
import { localDefaultConfig } from '../bin/local/scenario.ts';
import { type TestStore, testStore } from './support/dynamodb.ts';
import { sampleAlarm } from './support/samples.ts';
import { recordingSfnClient } from './support/sfn.ts';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const T0 = new Date('2026-03-02T10:00:00Z');

let t: TestStore;
beforeAll(async () => {
  t = await testStore();
});
afterAll(() => t.client.destroy());

async function waitingLineage(budgetUsd: number, issue: number): Promise<string> {
  const id = `lin-cost${issue}${Date.now().toString(36)}`;
  await t.store.openLineage({
    lineageId: id,
    signal: sampleAlarm({ alarmName: 'prod-checkout-5xx', at: T0.toISOString(), fingerprint: `fp-${id}` }),
    service: 'checkout',
    codePaths: ['services/checkout/**'],
    budgetUsd,
    at: T0.toISOString(),
  });
  await t.store.recordIssue(
    id,
    { number: issue, url: `https://github.com/acme/shop/issues/${issue}`, kind: 'issue', shadow: false },
    T0.toISOString(),
  );
  await t.store.parkForFix(id, `token-${id}`, T0.toISOString());
  return id;
}

/** record-cost against the test table (or `store`), Step Functions through `client`. */
function recordCostWith(
  client: SFNClient,
  store: typeof t.store = t.store,
  park: (reason: string) => void = () => assert.fail('nothing is parked'),
) {
  return makeRecordCost({
    config: parseConfig(localDefaultConfig),
    store,
    clock: { now: () => T0 },
    logger: quiet,
    workflow: new StepFunctionsLoop(client, 'arn:aws:states:us-east-1:1:stateMachine:lineage'),
    parking: {
      async park(_event, reason) {
        park(reason);
      },
    },
  });
}

function world() {
  const { client, sent } = recordingSfnClient();
  const parked: string[] = [];
  const record = recordCostWith(client, t.store, (reason) => parked.push(reason));
  return { record, sent, parked };
}

describe('Cost Reported', () => {
  test('a malformed event is rejected with the field named; a cost for no lineage is parked', async () => {
    const bad = parseCostEvent({
      'detail-type': 'Cost Reported',
      id: 'e1',
      time: T0.toISOString(),
      detail: { lineageId: 'lin-x', amountUsd: -3, source: 'ci' },
    });
    assert.equal(bad.outcome, 'rejected');
    assert.match(bad.outcome === 'rejected' ? bad.reason : '', /detail\.amountUsd: must not be negative/);
    const anonymous = parseCostEvent({ 'detail-type': 'Cost Reported', id: 'e2', detail: { amountUsd: 3, source: 'ci' } });
    assert.match(anonymous.outcome === 'rejected' ? anonymous.reason : '', /name the lineage: lineageId or issueNumber/);
    const w = world();
    const out = await w.record(costReportedEvent({ lineageId: 'lin-nobody', amountUsd: 2, costId: 'c-0', at: T0 }));
    assert.equal(out.outcome, 'rejected');
    assert.match(w.parked[0] ?? '', /no lineage lin-nobody/);
  });

  test('a cost is charged once per cost id, found by issue number too, and audited with who reported it', async () => {
    const id = await waitingLineage(50, 41);
    const w = world();
    const event = { ...costReportedEvent({ lineageId: id, amountUsd: 3.5, costId: 'ci-run-77', at: T0, source: 'github-actions' }) };
    const first = await w.record(event);
    const again = await w.record(event);
    assert.ok(first.outcome === 'charged' && first.applied && first.costUsd === 3.5);
    assert.ok(again.outcome === 'charged' && !again.applied && again.costUsd === 3.5);
    const byIssue = await w.record({
      'detail-type': 'Cost Reported',
      id: 'evt-9',
      time: T0.toISOString(),
      detail: { issueNumber: 41, amountUsd: 1.25, source: 'coding-agent', description: 'agent run for #41' },
    });
    assert.ok(byIssue.outcome === 'charged' && byIssue.lineageId === id && byIssue.costUsd === 4.75);
    const lineage = await t.store.getLineage(id);
    assert.equal(lineage?.reportedCostUsd, 4.75);
    const audit = (await t.store.auditTrail(id)).filter((e) => e.action === 'cost-reported');
    assert.deepEqual(
      audit.map((e) => [e.actor, e.detail.amountUsd]),
      [
        ['github-actions', 3.5],
        ['coding-agent', 1.25],
      ],
    );
    assert.equal(w.sent.length, 0, 'the budget is not spent: the loop keeps waiting');
  });

  test('a crash right after the charge loses neither the cost nor its audit event: the retry finds both written once', async () => {
    const id = await waitingLineage(50, 44);
    const { client } = recordingSfnClient();
    let crash = true;
    // The store as deployed, except that the first audit append written on its own dies, as a function would.
    const store = new Proxy(t.store, {
      get(target, name, receiver) {
        if (name === 'appendAudit' && crash) {
          return async () => {
            crash = false;
            throw new Error('the function ran out of time');
          };
        }
        const value = Reflect.get(target, name, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const record = recordCostWith(client, store);
    const event = costReportedEvent({ lineageId: id, amountUsd: 2, costId: 'agent-crash', at: T0 });
    await record(event).catch(() => undefined);
    await record(event);
    assert.equal((await t.store.getLineage(id))?.reportedCostUsd, 2);
    assert.equal((await t.store.auditTrail(id)).filter((e) => e.action === 'cost-reported' && e.detail.costId === 'agent-crash').length, 1);
  });

  test('when SendTaskFailure is throttled once, the retried delivery still stops the loop: the token is not lost', async () => {
    const id = await waitingLineage(10, 43);
    const sent: string[] = [];
    let throttled = false;
    const client = {
      send: async (command: { input: Record<string, unknown> }) => {
        if (!throttled) {
          throttled = true;
          throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
        }
        sent.push(String(command.input.taskToken));
        return {};
      },
    } as unknown as SFNClient;
    const record = recordCostWith(client, t.store);
    const event = costReportedEvent({ lineageId: id, amountUsd: 12, costId: 'agent-throttled', at: T0 });
    await assert.rejects(record(event), /Rate exceeded/);
    assert.equal((await t.store.getLineage(id))?.haltToken, `token-${id}`, 'the token is kept until Step Functions accepts');
    const retried = await record(event);
    assert.ok(retried.outcome === 'charged' && !retried.applied && retried.budgetSpent && retried.halted);
    assert.deepEqual(sent, [`token-${id}`]);
    const lineage = await t.store.getLineage(id);
    assert.equal(lineage?.status, 'halted');
    assert.equal(lineage?.taskToken, undefined);
    assert.equal(lineage?.haltToken, undefined, 'forgotten once Step Functions accepted');
    assert.equal((await t.store.auditTrail(id)).filter((e) => e.action === 'loop-halted').length, 1);
  });

  test('a cost that spends the budget stops the waiting loop at once: its wait fails with prodloop.BudgetSpent', async () => {
    const id = await waitingLineage(10, 42);
    const w = world();
    const out = await w.record(costReportedEvent({ lineageId: id, amountUsd: 12, costId: 'agent-1', at: T0 }));
    assert.ok(out.outcome === 'charged' && out.budgetSpent && out.halted);
    assert.deepEqual(
      w.sent.map((s) => [s.command, s.input.taskToken, s.input.error]),
      [['SendTaskFailureCommand', `token-${id}`, 'prodloop.BudgetSpent']],
    );
    assert.deepEqual(JSON.parse(String(w.sent[0]?.input.cause)), { reason: 'budget-spent', costUsd: 12, budgetUsd: 10, costId: 'agent-1' });
    const lineage = await t.store.getLineage(id);
    assert.equal(lineage?.status, 'halted');
    assert.equal(lineage?.haltReason, 'budget-spent');
    // A second report finds no parked wait: nothing more to stop.
    const more = await w.record(costReportedEvent({ lineageId: id, amountUsd: 1, costId: 'agent-2', at: T0 }));
    assert.ok(more.outcome === 'charged' && more.budgetSpent && !more.halted);
    assert.equal(w.sent.length, 1);
  });
});
