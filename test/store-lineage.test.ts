/**
 * The DynamoDB store's writes of a lineage, against DynamoDB Local: opening, status changes, waiting
 * for a fix, the budget, the audit trail and once-keys. It stays one file at just over 400 lines: the
 * cases share the alarm and opening builders and the one table; deploys and locks, and the loop's
 * writes, have their own files (store-deploys-locks, store-loop).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { DynamoDbLineageStore } from '#adapters/dynamodb/store';
import { dynamoDbClientFor } from '#adapters/dynamodb/table';
import { ConflictError, NotFoundError } from '#domain/shared/errors';
import type { AlarmSignal } from '#domain/signals/signals';
import type { OpenLineageInput } from '#ports/lineages';
import { dynamoDbLocalEndpoint, type TestStore, testStore } from './support/dynamodb.ts';

const T0 = '2025-03-01T10:00:00.000Z';

function minutesAfter(start: string, minutes: number): string {
  return new Date(Date.parse(start) + minutes * 60_000).toISOString();
}

function alarm(overrides: Partial<AlarmSignal> = {}): AlarmSignal {
  return {
    kind: 'alarm',
    source: 'eventbridge',
    alarmName: 'checkout-p99-latency',
    state: 'ALARM',
    previousState: 'OK',
    reason: 'Threshold crossed',
    at: T0,
    variant: 'single-metric',
    metrics: [{ namespace: 'Shop', metricName: 'Latency', dimensions: { Service: 'checkout' }, stat: 'p99', periodSeconds: 60 }],
    childAlarms: [],
    fingerprint: 'Shop/Latency/Service=checkout',
    ...overrides,
  };
}

function opening(lineageId: string, overrides: Partial<OpenLineageInput> = {}): OpenLineageInput {
  return { lineageId, signal: alarm(), service: 'checkout', codePaths: ['services/checkout/**'], budgetUsd: 50, at: T0, ...overrides };
}

function newId(): string {
  return `lin-${randomUUID().slice(0, 8)}`;
}

let t: TestStore;
beforeAll(async () => {
  t = await testStore();
});
afterAll(() => t.client.destroy());

describe('opening lineages', () => {
  test('a first alarm opens generation 1, triaging, with an execution name and an audit event', async () => {
    const id = newId();
    const result = await t.store.openLineage(opening(id));
    assert.equal(result.started, true);
    assert.equal(result.started && result.executionName, `${id}-g1`);
    assert.deepEqual(
      { ...result.lineage },
      {
        lineageId: id,
        generation: 1,
        status: 'triaging',
        fingerprint: 'Shop/Latency/Service=checkout',
        alarmName: 'checkout-p99-latency',
        service: 'checkout',
        codePaths: ['services/checkout/**'],
        openedAt: T0,
        updatedAt: T0,
        signal: alarm(),
        iterations: 0,
        costUsd: 0,
        budgetUsd: 50,
        executionName: `${id}-g1`,
        // The opening alarm's claim on starting the execution, for START_LEASE_SECONDS.
        startingUntil: '2025-03-01T10:00:30.000Z',
        version: 0,
      },
    );
    assert.deepEqual(await t.store.getLineage(id), result.lineage);
    const trail = await t.store.auditTrail(id);
    assert.deepEqual(
      trail.map((e) => [e.action, e.actor, e.detail.generation]),
      [['lineage-opened', 'prodloop', 1]],
    );
  });

  test('fifty concurrent alarms for one lineage start exactly one execution', async () => {
    const id = newId();
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => t.store.openLineage(opening(id, { at: minutesAfter(T0, i) }))));
    const started = results.filter((r) => r.started);
    assert.equal(started.length, 1);
    assert.equal(started[0]?.started && started[0].executionName, `${id}-g1`);
    for (const r of results) assert.equal(r.lineage.generation, 1);
    const trail = await t.store.auditTrail(id);
    assert.equal(trail.filter((e) => e.action === 'lineage-opened').length, 1);
  });

  test('a lapsed start claim is taken over by exactly one of fifty concurrent callers, and confirming the start ends it', async () => {
    const id = newId();
    await t.store.openLineage(opening(id));
    assert.equal(await t.store.claimStart(id, `${id}-g1`, minutesAfter(T0, 0.25)), undefined, 'the opener holds it still');
    const later = minutesAfter(T0, 1);
    const claims = await Promise.all(Array.from({ length: 50 }, () => t.store.claimStart(id, `${id}-g1`, later)));
    const won = claims.filter((c) => c !== undefined);
    assert.deepEqual(won, ['2025-03-01T10:01:30.000Z']);
    assert.equal(await t.store.releaseStart(id, `${id}-g1`, '2025-03-01T10:00:30.000Z', later), false, 'a lapsed claim is not released');
    assert.equal(await t.store.releaseStart(id, `${id}-g1`, won[0] as string, later), true);
    assert.equal((await t.store.getLineage(id))?.startingUntil, undefined);
    const again = await t.store.claimStart(id, `${id}-g1`, later);
    assert.ok(again, 'a released claim is free at once');
    assert.equal(await t.store.confirmStarted(id, `${id}-g1`, later), true);
    const confirmed = await t.store.getLineage(id);
    assert.deepEqual([confirmed?.startedExecution, confirmed?.startingUntil], [`${id}-g1`, undefined]);
    assert.equal(await t.store.claimStart(id, `${id}-g1`, minutesAfter(T0, 10)), undefined, 'a started execution is not claimed');
  });

  test('an alarm for an in-flight lineage starts nothing and changes nothing', async () => {
    const id = newId();
    const first = await t.store.openLineage(opening(id));
    const again = await t.store.openLineage(opening(id, { at: minutesAfter(T0, 5), signal: alarm({ reason: 'still breaching' }) }));
    assert.equal(again.started, false);
    assert.deepEqual(again.lineage, first.lineage);
  });

  test('a resolved lineage opens a second generation', async () => {
    const id = newId();
    await t.store.openLineage(opening(id));
    await t.store.charge(
      { lineageId: id, costUsd: 5, iteration: true, reason: 'triage', at: T0, chargeId: `${id}-c1` },
      { iterationCap: 3 },
    );
    await t.store.transition(id, { from: ['triaging'], to: 'resolved', at: minutesAfter(T0, 30), actor: 'prodloop', action: 'resolved' });

    const at = minutesAfter(T0, 60);
    const signal = alarm({ at, reason: 'breaching again' });
    const result = await t.store.openLineage(opening(id, { at, signal, budgetUsd: 80 }));
    assert.equal(result.started, true);
    assert.equal(result.started && result.executionName, `${id}-g2`);
    const l = result.lineage;
    assert.equal(l.generation, 2);
    assert.equal(l.status, 'triaging');
    assert.equal(l.iterations, 0);
    assert.equal(l.costUsd, 0);
    assert.equal(l.budgetUsd, 80);
    assert.deepEqual(l.signal, signal);
    assert.equal(l.executionName, `${id}-g2`);
    assert.equal(l.openedAt, T0, 'the lineage keeps the instant it first opened');
    assert.equal(l.updatedAt, at);
    assert.deepEqual(
      (await t.store.auditTrail(id)).map((e) => e.action),
      ['lineage-opened', 'resolved', 'lineage-opened'],
    );
  });

  test('fifty concurrent alarms for an escalated lineage open one new generation', async () => {
    const id = newId();
    await t.store.openLineage(opening(id));
    await t.store.transition(id, { from: ['triaging'], to: 'escalated', at: T0, actor: 'prodloop', action: 'escalated' });
    const at = minutesAfter(T0, 10);
    const results = await Promise.all(Array.from({ length: 50 }, () => t.store.openLineage(opening(id, { at }))));
    assert.equal(results.filter((r) => r.started).length, 1);
    const current = await t.store.getLineage(id);
    assert.equal(current?.generation, 2);
    assert.equal(current?.status, 'triaging');
  });

  test('a new generation cannot claim the task token an escalated execution left behind', async () => {
    const id = newId();
    await t.store.openLineage(opening(id));
    await t.store.parkForFix(id, 'token-g1', T0);
    await t.store.transition(id, { from: ['awaiting-fix'], to: 'escalated', at: T0, actor: 'alice', action: 'andon' });
    const reopened = await t.store.openLineage(opening(id, { at: minutesAfter(T0, 1) }));
    assert.equal(reopened.started, true);
    assert.equal(reopened.lineage.taskToken, undefined);
  });

  test('listing lineages returns every lineage, most recently updated first', async () => {
    const store = (await testStore()).store;
    await store.openLineage(opening('older', { at: T0 }));
    await store.openLineage(opening('newer', { at: minutesAfter(T0, 1) }));
    assert.deepEqual(
      (await store.listLineages()).map((l) => l.lineageId),
      ['newer', 'older'],
    );
  });
});

describe('status changes', () => {
  test('a transition is audited in the same write with actor, action and detail', async () => {
    const id = newId();
    await t.store.openLineage(opening(id));
    const at = minutesAfter(T0, 3);
    const moved = await t.store.transition(id, {
      from: ['triaging'],
      to: 'observing',
      at,
      actor: 'prodloop',
      action: 'observation-filed',
      detail: { breadth: 0.01 },
    });
    assert.equal(moved.status, 'observing');
    assert.equal(moved.updatedAt, at);
    assert.equal(moved.version, 1);
    const last = (await t.store.auditTrail(id)).at(-1);
    assert.deepEqual(last, {
      lineageId: id,
      at,
      actor: 'prodloop',
      action: 'observation-filed',
      detail: { status: 'observing', breadth: 0.01 },
    });
  });

  test('a transition from the wrong status is refused, names the current status and leaves no trace', async () => {
    const id = newId();
    await t.store.openLineage(opening(id));
    await assert.rejects(
      t.store.transition(id, { from: ['awaiting-fix', 'validating'], to: 'resolved', at: T0, actor: 'prodloop', action: 'resolved' }),
      (error: unknown) => error instanceof ConflictError && /is triaging/.test(error.message),
    );
    assert.equal((await t.store.getLineage(id))?.status, 'triaging');
    assert.deepEqual(
      (await t.store.auditTrail(id)).map((e) => e.action),
      ['lineage-opened'],
    );
  });

  test('a transition of an unknown lineage is not found', async () => {
    await assert.rejects(
      t.store.transition('nobody', { from: ['triaging'], to: 'resolved', at: T0, actor: 'prodloop', action: 'resolved' }),
      NotFoundError,
    );
  });

  test('a filed issue is stored on the lineage', async () => {
    const id = newId();
    await t.store.openLineage(opening(id));
    const issue = { number: 42, url: 'https://github.com/acme/shop/issues/42', kind: 'issue' as const, shadow: true };
    const updated = await t.store.recordIssue(id, issue, minutesAfter(T0, 2));
    assert.deepEqual(updated.issue, issue);
    assert.deepEqual((await t.store.getLineage(id))?.issue, issue);
    await assert.rejects(t.store.recordIssue('nobody', issue, T0), NotFoundError);
  });
});

describe('waiting for a fix', () => {
  test('a resolved lineage cannot await a fix', async () => {
    const id = newId();
    await t.store.openLineage(opening(id));
    await t.store.transition(id, { from: ['triaging'], to: 'resolved', at: T0, actor: 'prodloop', action: 'resolved' });
    await assert.rejects(
      t.store.parkForFix(id, 'token', T0),
      (error: unknown) => error instanceof ConflictError && /is resolved/.test(error.message),
    );
    await assert.rejects(t.store.parkForFix('nobody', 'token', T0), NotFoundError);
  });
});

describe('budget', () => {
  test('a charge retried with the same id is applied once', async () => {
    const id = newId();
    await t.store.openLineage(opening(id));
    const charge = { lineageId: id, costUsd: 5, iteration: true, reason: 'iteration 1', at: T0, chargeId: `${id}-iter-1` };
    const first = await t.store.charge(charge, { iterationCap: 3 });
    const retried = await t.store.charge(charge, { iterationCap: 3 });
    assert.equal(first.applied, true);
    assert.equal(retried.applied, false);
    assert.equal(retried.lineage.costUsd, 5);
    assert.equal(retried.lineage.iterations, 1);
  });

  test('the same charge retried concurrently is applied once', async () => {
    const id = newId();
    await t.store.openLineage(opening(id));
    const charge = { lineageId: id, costUsd: 2.5, iteration: true, reason: 'iteration 1', at: T0, chargeId: `${id}-iter-1` };
    const results = await Promise.all(Array.from({ length: 10 }, () => t.store.charge(charge, { iterationCap: 3 })));
    assert.equal(results.filter((r) => r.applied).length, 1);
    const current = await t.store.getLineage(id);
    assert.equal(current?.costUsd, 2.5);
    assert.equal(current?.iterations, 1);
  });

  test('concurrent charges with distinct ids all count', async () => {
    const id = newId();
    await t.store.openLineage(opening(id));
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.store.charge(
          { lineageId: id, costUsd: 0.1, iteration: i % 2 === 0, reason: 'ci', at: T0, chargeId: `${id}-${i}` },
          { iterationCap: 100 },
        ),
      ),
    );
    assert.ok(results.every((r) => r.applied));
    const current = await t.store.getLineage(id);
    assert.equal(current?.iterations, 10);
    assert.ok(Math.abs((current?.costUsd ?? 0) - 2) < 1e-9, `costUsd ${current?.costUsd}`);
    assert.equal(current?.version, 20);
  });

  test('a charge that loses to a concurrent transaction is tried again and applied once', async () => {
    // DynamoDB Local runs transactions one at a time; AWS cancels one of two that touch the same item.
    const client = dynamoDbClientFor(dynamoDbLocalEndpoint());
    let conflicts = 2;
    client.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { TransactItems?: unknown[] };
        if (input.TransactItems && conflicts > 0) {
          conflicts--;
          throw Object.assign(new Error('Transaction cancelled'), {
            name: 'TransactionCanceledException',
            CancellationReasons: input.TransactItems.map((_, i) => ({ Code: i === 1 ? 'TransactionConflict' : 'None' })),
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'simulatedTransactionConflict' },
    );
    try {
      const store = new DynamoDbLineageStore({ client, tableName: t.tableName });
      const id = newId();
      await store.openLineage(opening(id));
      const result = await store.charge(
        { lineageId: id, costUsd: 3, iteration: true, reason: 'x', at: T0, chargeId: `${id}-1` },
        { iterationCap: 3 },
      );
      assert.equal(conflicts, 0);
      assert.equal(result.applied, true);
      assert.equal(result.lineage.costUsd, 3);
      assert.equal(result.lineage.iterations, 1);
    } finally {
      client.destroy();
    }
  });

  test('spending the budget reports budgetSpent', async () => {
    const id = newId();
    await t.store.openLineage(opening(id, { budgetUsd: 10 }));
    const charge = (n: number) => ({ lineageId: id, costUsd: 5, iteration: false, reason: 'fix attempt', at: T0, chargeId: `${id}-${n}` });
    const first = await t.store.charge(charge(1), { iterationCap: 3 });
    assert.equal(first.budgetSpent, false);
    const second = await t.store.charge(charge(2), { iterationCap: 3 });
    assert.equal(second.budgetSpent, true);
    assert.equal(second.lineage.costUsd, 10);
    assert.equal(second.iterationCapReached, false);
  });

  test('reaching the iteration cap reports iterationCapReached', async () => {
    const id = newId();
    await t.store.openLineage(opening(id));
    const charge = (n: number) => ({
      lineageId: id,
      costUsd: 1,
      iteration: true,
      reason: 'no improvement',
      at: T0,
      chargeId: `${id}-${n}`,
    });
    assert.equal((await t.store.charge(charge(1), { iterationCap: 2 })).iterationCapReached, false);
    const second = await t.store.charge(charge(2), { iterationCap: 2 });
    assert.equal(second.iterationCapReached, true);
    assert.equal(second.lineage.iterations, 2);
  });

  test('charging an unknown lineage is not found', async () => {
    await assert.rejects(
      t.store.charge(
        { lineageId: 'nobody', costUsd: 1, iteration: true, reason: 'x', at: T0, chargeId: randomUUID() },
        { iterationCap: 3 },
      ),
      NotFoundError,
    );
  });

  test("a human's budget reset zeroes iterations and spend and is audited with who and why", async () => {
    const id = newId();
    await t.store.openLineage(opening(id, { budgetUsd: 10 }));
    await t.store.charge({ lineageId: id, costUsd: 10, iteration: true, reason: 'x', at: T0, chargeId: `${id}-1` }, { iterationCap: 1 });
    const at = minutesAfter(T0, 90);
    const reset = await t.store.resetBudget(id, { actor: 'alice', reason: 'worth another try', at, budgetUsd: 25 });
    assert.equal(reset.iterations, 0);
    assert.equal(reset.costUsd, 0);
    assert.equal(reset.budgetUsd, 25);
    const last = (await t.store.auditTrail(id)).at(-1);
    assert.equal(last?.action, 'budget-reset');
    assert.equal(last?.actor, 'alice');
    assert.equal(last?.at, at);
    assert.deepEqual(last?.detail, {
      reason: 'worth another try',
      previousIterations: 1,
      previousCostUsd: 10,
      previousBudgetUsd: 10,
      budgetUsd: 25,
    });
    const keep = await t.store.resetBudget(id, { actor: 'bob', reason: 'again', at });
    assert.equal(keep.budgetUsd, 25);
    await assert.rejects(t.store.resetBudget('nobody', { actor: 'alice', reason: 'x', at }), NotFoundError);
  });
});

describe('audit trail and once-keys', () => {
  test('the audit trail reads oldest first, and events at one instant keep their order', async () => {
    const id = newId();
    const event = (at: string, action: string) => ({ lineageId: id, at, actor: 'prodloop', action, detail: {} });
    await t.store.appendAudit(event(minutesAfter(T0, 2), 'third'));
    await t.store.appendAudit(event(T0, 'first'));
    await t.store.appendAudit(event('2025-03-01T11:01:00+01:00', 'second'));
    for (let i = 0; i < 5; i++) await t.store.appendAudit(event(minutesAfter(T0, 3), `same-${i}`));
    assert.deepEqual(
      (await t.store.auditTrail(id)).map((e) => e.action),
      ['first', 'second', 'third', 'same-0', 'same-1', 'same-2', 'same-3', 'same-4'],
    );
  });

  test('a once-key is refused within its TTL and free again after it', async () => {
    const key = `alarm:${randomUUID()}`;
    assert.equal(await t.store.claimOnce(key, 60, T0), true);
    assert.equal(await t.store.claimOnce(key, 60, minutesAfter(T0, 0.5)), false);
    assert.equal(await t.store.claimOnce(key, 60, minutesAfter(T0, 2)), true);
  });

  test('concurrent claims of one once-key succeed once', async () => {
    const key = `alarm:${randomUUID()}`;
    const claims = await Promise.all(Array.from({ length: 20 }, () => t.store.claimOnce(key, 3600, T0)));
    assert.equal(claims.filter(Boolean).length, 1);
  });

  test('a malformed lineage item is rejected when read back', async () => {
    const id = newId();
    await t.client.send(
      new PutItemCommand({
        TableName: t.tableName,
        Item: { pk: { S: `LINEAGE#${id}` }, sk: { S: 'META' }, kind: { S: 'lineage' }, lineageId: { S: id }, status: { S: 'on-fire' } },
      }),
    );
    await assert.rejects(t.store.getLineage(id));
  });
});
