import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { pullAndon } from '#app/andon';
import type { QuarantineLock } from '#domain/lineage/lineage';
import { NotFoundError } from '#domain/shared/errors';
import type { DeploySignal, HealthSignal } from '#domain/signals/signals';
import { type TestStore, testStore } from './support/dynamodb.ts';

const T0 = '2025-03-01T10:00:00.000Z';

function minutesAfter(start: string, minutes: number): string {
  return new Date(Date.parse(start) + minutes * 60_000).toISOString();
}

function deploy(overrides: Partial<DeploySignal> = {}): DeploySignal {
  return {
    kind: 'deploy',
    source: 'codedeploy',
    deployId: `d-${randomUUID().slice(0, 8)}`,
    service: 'checkout',
    status: 'succeeded',
    at: T0,
    commitSha: 'abc1234',
    prNumbers: [101],
    changedPaths: ['services/checkout/cart.ts'],
    dependencyChanges: [],
    ...overrides,
  };
}

function lock(path: string, lineageId: string, overrides: Partial<QuarantineLock> = {}): QuarantineLock {
  return { path, lineageId, reason: 'regression under validation', lockedAt: T0, ...overrides };
}

let t: TestStore;
beforeAll(async () => {
  t = await testStore();
});
afterAll(() => t.client.destroy());

describe('deploys', () => {
  test('a redelivered deploy event is recorded once', async () => {
    const d = deploy();
    assert.equal(await t.store.recordDeploy(d, T0), true);
    assert.equal(await t.store.recordDeploy(d, minutesAfter(T0, 1)), false);
    const found = await t.store.deploysBetween('checkout', minutesAfter(T0, -1), minutesAfter(T0, 1));
    assert.deepEqual(
      found.filter((f) => f.deployId === d.deployId),
      [{ ...d, recordedAt: T0 }],
    );
  });

  test('ten deliveries of one deploy event racing record it once', async () => {
    const d = deploy({ service: 'racing' });
    const results = await Promise.all(Array.from({ length: 10 }, () => t.store.recordDeploy(d, T0)));
    assert.equal(results.filter(Boolean).length, 1);
    assert.equal((await t.store.deploysBetween('racing', T0, T0)).length, 1);
  });

  test('the start and the finish of one deploy are both recorded, and only the finish is listed', async () => {
    const started = deploy({ service: 'phases', status: 'started', at: T0 });
    const finished = { ...started, status: 'succeeded' as const, at: minutesAfter(T0, 4) };
    assert.equal(await t.store.recordDeploy(started, T0), true);
    assert.equal(await t.store.recordDeploy(finished, minutesAfter(T0, 4)), true);
    const listed = await t.store.deploysBetween('phases', T0, minutesAfter(T0, 10));
    assert.deepEqual(
      listed.map((d) => [d.deployId, d.status]),
      [[started.deployId, 'succeeded']],
    );
  });

  test("a service's deploys in a window come oldest first, bounds included, whatever the offset", async () => {
    const service = 'window';
    const early = deploy({ service, deployId: 'early', at: minutesAfter(T0, -30) });
    const atStart = deploy({ service, deployId: 'at-start', at: T0 });
    const offset = deploy({ service, deployId: 'offset', at: '2025-03-01T11:10:00+01:00' });
    const failed = deploy({ service, deployId: 'failed', status: 'failed', at: minutesAfter(T0, 20) });
    const atEnd = deploy({ service, deployId: 'at-end', status: 'rolled-back', at: minutesAfter(T0, 30) });
    const late = deploy({ service, deployId: 'late', at: minutesAfter(T0, 31) });
    const elsewhere = deploy({ service: 'other', deployId: 'elsewhere', at: minutesAfter(T0, 5) });
    for (const d of [late, atEnd, failed, offset, atStart, early, elsewhere]) await t.store.recordDeploy(d, T0);

    const found = await t.store.deploysBetween(service, T0, '2025-03-01T11:30:00+01:00');
    assert.deepEqual(
      found.map((d) => d.deployId),
      ['at-start', 'offset', 'failed', 'at-end'],
    );
    assert.equal(found[1]?.at, '2025-03-01T11:10:00+01:00', 'the deploy keeps the instant as it was reported');
    assert.deepEqual(await t.store.deploysBetween(service, minutesAfter(T0, 40), T0), []);
  });

  test('a redelivered health event is recorded once', async () => {
    const event: HealthSignal = {
      kind: 'health',
      service: 'EC2',
      eventTypeCode: 'AWS_EC2_OPERATIONAL_ISSUE',
      category: 'issue',
      region: 'us-east-1',
      status: 'open',
      at: T0,
      eventArn: `arn:aws:health:us-east-1::event/EC2/${randomUUID()}`,
    };
    assert.equal(await t.store.recordHealthEvent(event), true);
    assert.equal(await t.store.recordHealthEvent(event), false);
  });
});

describe('quarantine locks', () => {
  test('a path already quarantined keeps its first lock', async () => {
    const first = await t.store.lockPaths([lock('services/keep/**', 'lineage-1', { deployId: 'd-1' })]);
    assert.deepEqual(first, [lock('services/keep/**', 'lineage-1', { deployId: 'd-1' })]);

    const later = minutesAfter(T0, 10);
    const held = await t.store.lockPaths([
      lock('services/keep/**', 'lineage-2', { lockedAt: later }),
      lock('services/fresh/**', 'lineage-2', { lockedAt: later }),
    ]);
    assert.deepEqual(held, [
      lock('services/keep/**', 'lineage-1', { deployId: 'd-1' }),
      lock('services/fresh/**', 'lineage-2', { lockedAt: later }),
    ]);
  });

  test('twenty lineages racing to quarantine one path leave exactly one lock', async () => {
    const path = `services/race-${randomUUID().slice(0, 8)}/**`;
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => t.store.lockPaths([lock(path, `lineage-${i}`)])));
    const owners = new Set(results.map((r) => r[0]?.lineageId));
    assert.equal(owners.size, 1);
    assert.equal((await t.store.listLocks()).filter((l) => l.path === path).length, 1);
  });

  test('locking the same path twice in one request locks it once', async () => {
    const path = `services/twice-${randomUUID().slice(0, 8)}/**`;
    const held = await t.store.lockPaths([lock(path, 'lineage-a'), lock(path, 'lineage-b')]);
    assert.deepEqual(held, [lock(path, 'lineage-a')]);
  });

  test('every lock is listed, oldest first', async () => {
    const store = (await testStore()).store;
    await store.lockPaths([lock('b/**', 'l-1', { lockedAt: minutesAfter(T0, 1) }), lock('a/**', 'l-1', { lockedAt: T0 })]);
    assert.deepEqual(
      (await store.listLocks()).map((l) => l.path),
      ['a/**', 'b/**'],
    );
    assert.deepEqual(await store.lockPaths([]), []);
  });

  test('lifting a lock is audited with who and why', async () => {
    const path = `services/lift-${randomUUID().slice(0, 8)}/**`;
    const lineageId = `lineage-${randomUUID().slice(0, 8)}`;
    await t.store.lockPaths([lock(path, lineageId, { deployId: 'd-9' })]);
    const at = minutesAfter(T0, 45);
    const lifted = await t.store.liftLock(path, { actor: 'alice', reason: 'fix verified by hand', at });
    assert.deepEqual(lifted, lock(path, lineageId, { deployId: 'd-9' }));
    assert.equal(
      (await t.store.listLocks()).find((l) => l.path === path),
      undefined,
    );
    assert.deepEqual(await t.store.auditTrail(lineageId), [
      {
        lineageId,
        at,
        actor: 'alice',
        action: 'quarantine-lifted',
        detail: { path, reason: 'fix verified by hand', lockReason: 'regression under validation', lockedAt: T0, deployId: 'd-9' },
      },
    ]);
  });

  test('lifting a lock that is not there is not found', async () => {
    await assert.rejects(t.store.liftLock('services/none/**', { actor: 'alice', reason: 'x', at: T0 }), NotFoundError);
  });

  test('two people lifting one lock at once lift it once', async () => {
    const path = `services/double-${randomUUID().slice(0, 8)}/**`;
    const lineageId = `lineage-${randomUUID().slice(0, 8)}`;
    await t.store.lockPaths([lock(path, lineageId)]);
    const results = await Promise.allSettled([
      t.store.liftLock(path, { actor: 'alice', reason: 'a', at: T0 }),
      t.store.liftLock(path, { actor: 'bob', reason: 'b', at: T0 }),
    ]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const rejected = results.find((r) => r.status === 'rejected');
    assert.ok(rejected && rejected.reason instanceof NotFoundError);
    assert.equal((await t.store.auditTrail(lineageId)).length, 1);
  });

  test('a lifted path can be quarantined again', async () => {
    const path = `services/again-${randomUUID().slice(0, 8)}/**`;
    await t.store.lockPaths([lock(path, 'lineage-old')]);
    await t.store.liftLock(path, { actor: 'alice', reason: 'done', at: T0 });
    const later = minutesAfter(T0, 60);
    assert.deepEqual(await t.store.lockPaths([lock(path, 'lineage-new', { lockedAt: later })]), [
      lock(path, 'lineage-new', { lockedAt: later }),
    ]);
  });
});

describe('the andon cord', () => {
  test('"Andon Pulled" whose put failed is put by the retry, and only once however often the cord is pulled again', async () => {
    const store = (await testStore()).store;
    const published: string[] = [];
    let failNext = true;
    const deps = {
      store,
      clock: { now: () => new Date(T0) },
      logger: { info() {}, warn() {}, error() {} },
      workflow: { async start() {}, async resume() {} },
      events: {
        async publish(detailType: string) {
          if (failNext) {
            failNext = false;
            throw new Error('PutEvents failed: ThrottlingException');
          }
          published.push(detailType);
        },
      },
    };
    const request = {
      deploy: deploy({ deployId: `d-andon-${randomUUID().slice(0, 8)}` }),
      paths: [`services/andon-${randomUUID().slice(0, 8)}/**`],
      reason: 'deploy made prod-checkout-5xx 2.1x worse',
      by: 'deploy-watch' as const,
      evidence: {},
    };
    await assert.rejects(pullAndon(deps, request), /ThrottlingException/);
    const retried = await pullAndon(deps, request);
    await pullAndon(deps, request);
    assert.deepEqual(published, ['Andon Pulled']);
    assert.deepEqual(retried.locked, request.paths);
  });
});
