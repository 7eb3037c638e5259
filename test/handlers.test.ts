/** Handler cores at their edges: bad input is parked with a reason and never thrown; retries are idempotent. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, test } from 'vitest';
import { createOctokit, GitHubCodeHost } from '#adapters/github/github';
import { makeIngestAlarm } from '#app/open-lineage';
import { makeRecordDeploy } from '#app/record-deploy';
import { parseConfig } from '#domain/config/config';
import { lineageIdFor } from '#domain/lineage/fingerprint';
import type { Deps } from '#ports/deps';
import { alarmEvent, deployFinishedEvent } from '../bin/local/events.ts';
import { loadScenario, localDefaultConfig } from '../bin/local/scenario.ts';
import { testStore } from './support/dynamodb.ts';
import { startGitHubServer } from './support/github-server.ts';
import { needRealData, readReal } from './support/real-data.ts';

const silent = { info() {}, warn() {}, error() {} };
const clock = { now: () => new Date('2026-03-02T09:15:00Z') };
const config = parseConfig(localDefaultConfig);
const scenario = loadScenario(join(import.meta.dirname, '..', 'scenarios', 'fix-works.json'));
const realData = needRealData('deploy-events');
const malformedDir = join(import.meta.dirname, 'fixtures', 'malformed');
const malformed = readdirSync(malformedDir).map((f) => ({ file: f, text: readFileSync(join(malformedDir, f), 'utf8') }));

async function world(worldClock: Deps['clock'] = clock) {
  const t = await testStore();
  const parked: { reason: string; source: string }[] = [];
  const started: string[] = [];
  const resumed: { token: string; output: unknown }[] = [];
  const published: string[] = [];
  const deps: Pick<Deps, 'config' | 'store' | 'clock' | 'logger' | 'events' | 'parking' | 'workflow'> = {
    config,
    store: t.store,
    clock: worldClock,
    logger: silent,
    events: {
      async publish(detailType) {
        published.push(detailType);
      },
    },
    parking: {
      async park(_e, reason, source) {
        parked.push({ reason, source });
      },
    },
    workflow: {
      async start(name) {
        started.push(name);
      },
      async resume(token, output) {
        resumed.push({ token, output });
      },
    },
  };
  return { ...t, deps, parked, started, resumed, published };
}

/** An ALARM of the scenario's alarm for one tenant: every tenant's alarm belongs to one lineage. */
function tenantAlarm(i: number) {
  return alarmEvent(
    { ...scenario, alarm: { ...scenario.alarm, dimensions: { ...scenario.alarm.dimensions, TenantId: `tenant-${i}` } } },
    clock.now(),
  );
}

const closers: (() => void)[] = [];
afterAll(() => {
  for (const c of closers) c();
});

describe('ingest-alarm', () => {
  test('every malformed event is parked with a reason and nothing is thrown or started', async () => {
    const w = await world();
    closers.push(() => w.client.destroy());
    const ingest = makeIngestAlarm(w.deps);
    for (const m of malformed) {
      let event: unknown;
      try {
        event = JSON.parse(m.text);
      } catch {
        event = m.text;
      }
      const out = await ingest(event);
      assert.notEqual(out.outcome, 'started', m.file);
    }
    assert.ok(w.parked.length > 0);
    assert.ok(w.parked.every((p) => p.reason.length > 0 && p.source === 'ingest-alarm'));
    assert.deepEqual(w.started, []);
  });

  test('an alarm not matching any watched prefix starts nothing', async () => {
    const w = await world();
    closers.push(() => w.client.destroy());
    const out = await makeIngestAlarm(w.deps)(
      alarmEvent({ ...scenario, alarm: { ...scenario.alarm, name: 'staging-checkout-5xx' } }, clock.now()),
    );
    assert.equal(out.outcome, 'ignored');
    assert.deepEqual(w.started, []);
  });

  test('a retried alarm after a failed start starts the same execution again by name', async () => {
    const w = await world();
    closers.push(() => w.client.destroy());
    let fail = true;
    const flaky = {
      ...w.deps,
      workflow: {
        async start(name: string) {
          if (fail) {
            fail = false;
            throw new Error('throttled');
          }
          w.started.push(name);
        },
        resume: w.deps.workflow.resume,
      },
    };
    const ingest = makeIngestAlarm(flaky);
    const event = alarmEvent(scenario, clock.now());
    await assert.rejects(ingest(event), /throttled/);
    const retry = await ingest(event);
    assert.equal(retry.outcome, 'in-flight');
    assert.equal(w.started.length, 1, 'the retry started the execution the first delivery could not');
    assert.deepEqual(w.published, ['Lineage Opened'], 'the retry announced the lineage the first delivery could not');
  });

  test('once an execution has started, the rest of the storm calls StartExecution no more and announces nothing', async () => {
    const w = await world();
    closers.push(() => w.client.destroy());
    const ingest = makeIngestAlarm(w.deps);
    const first = await ingest(alarmEvent(scenario, clock.now()));
    assert.equal(first.outcome, 'started');
    for (let i = 0; i < 20; i++) {
      const tenant = { ...scenario.alarm, dimensions: { ...scenario.alarm.dimensions, TenantId: `tenant-${i}` } };
      const later = await ingest(alarmEvent({ ...scenario, alarm: tenant }, clock.now()));
      assert.equal(later.outcome, 'in-flight');
    }
    assert.equal(w.started.length, 1);
    assert.deepEqual(w.published, ['Lineage Opened']);
  });
  test('a hundred concurrent alarms for one lineage call StartExecution once and announce the lineage once', async () => {
    const w = await world();
    closers.push(() => w.client.destroy());
    const ingest = makeIngestAlarm(w.deps);
    const outcomes = await Promise.all(Array.from({ length: 100 }, (_, i) => ingest(tenantAlarm(i))));
    assert.equal(outcomes.filter((o) => o.outcome === 'started').length, 1);
    assert.equal(outcomes.filter((o) => o.outcome === 'in-flight').length, 99);
    assert.equal(w.started.length, 1, `StartExecution calls: ${w.started.length}`);
    assert.deepEqual(w.published, ['Lineage Opened']);
    const [lineage] = await w.store.listLineages();
    assert.equal(lineage?.startedExecution, w.started[0]);
  });

  test('when the first start is throttled, the storm does not pile onto it and one alarm starts the execution', async () => {
    let now = Date.parse('2026-03-02T09:15:00Z');
    const w = await world({ now: () => new Date(now) });
    closers.push(() => w.client.destroy());
    const calls: string[] = [];
    let fail = true;
    const ingest = makeIngestAlarm({
      ...w.deps,
      workflow: {
        async start(name: string) {
          calls.push(name);
          if (fail) {
            fail = false;
            throw new Error('throttled');
          }
          w.started.push(name);
        },
        resume: w.deps.workflow.resume,
      },
    });
    const storm = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => ingest(tenantAlarm(i))));
    assert.equal(storm.filter((s) => s.status === 'rejected').length, 1, 'only the throttled call fails (and is retried)');
    // Past any start claim: a later alarm (or the failed one's retry) finds the execution started, or starts it.
    now += 10 * 60_000;
    const later = await ingest(tenantAlarm(100));
    assert.equal(later.outcome, 'in-flight');
    assert.equal(w.started.length, 1, 'the execution is started');
    assert.equal(calls.length, 2, `StartExecution calls: the throttled one and one more, not ${calls.length}`);
    assert.deepEqual(w.published, ['Lineage Opened']);
    const [lineage] = await w.store.listLineages();
    assert.equal(lineage?.startedExecution, w.started[0]);
  });

  test('when the function that opened the lineage dies before starting it, the first alarm after its claim lapses starts it', async () => {
    let now = Date.parse('2026-03-02T09:15:00Z');
    const w = await world({ now: () => new Date(now) });
    closers.push(() => w.client.destroy());
    const calls: string[] = [];
    const ingest = makeIngestAlarm({
      ...w.deps,
      workflow: {
        // The first call never returns: the function that made it timed out and is gone.
        start: (name: string) => {
          calls.push(name);
          if (calls.length === 1) return new Promise<void>(() => {});
          w.started.push(name);
          return Promise.resolve();
        },
        resume: w.deps.workflow.resume,
      },
    });
    void ingest(tenantAlarm(0));
    while (calls.length === 0) await new Promise((done) => setTimeout(done, 5));
    // While the opener may still be starting it, the storm leaves the start to it.
    now += 5_000;
    const during = await Promise.all(Array.from({ length: 20 }, (_, i) => ingest(tenantAlarm(i + 1))));
    assert.ok(during.every((o) => o.outcome === 'in-flight'));
    assert.equal(calls.length, 1, 'no StartExecution while the opener holds the start');
    // Once its claim has lapsed (the opener's function timed out by then), the next alarm takes the start over.
    now += 60_000;
    const after = await Promise.all(Array.from({ length: 20 }, (_, i) => ingest(tenantAlarm(i + 21))));
    assert.ok(after.every((o) => o.outcome === 'in-flight'));
    assert.equal(calls.length, 2, `StartExecution calls: ${calls.length}`);
    assert.equal(w.started.length, 1);
    assert.deepEqual(w.published, ['Lineage Opened'], 'announced by the alarm that started it, once');
    const [lineage] = await w.store.listLineages();
    assert.equal(lineage?.startedExecution, w.started[0]);
  });
});

describe('record-deploy', () => {
  test('a fix deploy delivered twice at once resumes the lineage its pull request closes, once', async () => {
    const w = await world();
    closers.push(() => w.client.destroy());
    const ingest = makeIngestAlarm(w.deps);
    const opened = await ingest(alarmEvent(scenario, clock.now()));
    assert.equal(opened.outcome, 'started');
    const lineageId = lineageIdFor((await w.store.listLineages())[0]?.fingerprint ?? '');
    // The lineage's issue is #1 on GitHub; pull request #2 closes it and is what the deploy ships.
    const github = await startGitHubServer();
    closers.push(() => void github.close());
    const issue = github.addIssue({ title: 'prod-checkout-5xx', labels: ['prodloop'] });
    const fix = github.addIssue({
      title: 'Retry the payment call once',
      body: `The 5xx came from a payment timeout.\n\nFixes #${issue.number}`,
      pull_request: { head: 'fix/payment-retry', base: 'main', draft: false, merged: true },
    });
    await w.store.recordIssue(
      lineageId,
      { number: issue.number, url: `https://github.com/acme/shop/issues/${issue.number}`, kind: 'issue', shadow: false },
      clock.now().toISOString(),
    );
    await w.store.parkForFix(lineageId, 'token-1', clock.now().toISOString());
    const octokit = createOctokit({ token: 't', baseUrl: github.baseUrl, retries: 0, spaceWrites: false, logger: silent });
    const record = makeRecordDeploy({
      ...w.deps,
      codeHost: new GitHubCodeHost({ octokit, owner: 'acme', repo: 'shop', baseBranch: 'main' }),
    });
    const event = deployFinishedEvent({
      id: 'deploy-9',
      service: 'checkout',
      changedPaths: ['services/checkout/cart.ts'],
      prNumbers: [fix.number],
      at: clock.now(),
    });
    const [a, b] = await Promise.all([record(event), record(event)]);
    assert.equal(w.resumed.length, 1);
    assert.equal(w.resumed[0]?.token, 'token-1');
    assert.match(JSON.stringify(w.resumed[0]?.output), /a pull request closes issue #1/);
    const outcomes = [a, b].map((o) => (o.outcome === 'recorded' ? o.duplicate : undefined)).sort();
    assert.deepEqual(outcomes, [false, true], 'one delivery records, the other is a duplicate');
  });

  test.skipIf(realData.skip)('a non-deploy ECS event is ignored with a reason and not parked', async () => {
    const w = await world();
    closers.push(() => w.client.destroy());
    const steady = JSON.parse(readReal('deploy-events', 'awsdocs-ecsdg_ecs_cwe_events__example-service-steady-state-event.json'));
    const out = await makeRecordDeploy(w.deps)(steady);
    assert.equal(out.outcome, 'ignored');
    assert.ok('reason' in out && out.reason.length > 0);
    assert.deepEqual(w.parked, []);
  });

  test('a Deploy Finished event without a service is parked with the reason', async () => {
    const w = await world();
    closers.push(() => w.client.destroy());
    const event = deployFinishedEvent({ id: 'd', service: 'x', changedPaths: [], prNumbers: [], at: clock.now() });
    delete (event.detail as Record<string, unknown>).service;
    const out = await makeRecordDeploy(w.deps)(event);
    assert.equal(out.outcome, 'rejected');
    assert.equal(w.parked.length, 1);
    assert.match(w.parked[0]?.reason ?? '', /service/);
  });
});
