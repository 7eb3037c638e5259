/**
 * The triage handler and the github actions it feeds, on DynamoDB Local: storm folding, the daily cap
 * and its digest, sanitizing before anything is stored, composite alarms, health events read back,
 * and re-prioritization of a filed issue.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, test } from 'vitest';
import { DynamoDbHealthEvents } from '#adapters/dynamodb/health-events';
import { OutboxIssueTracker } from '#adapters/local/outbox';
import { makeGithub } from '#app/issues';
import { makeTriage } from '#app/triage';
import { parseConfig } from '#domain/config/config';
import { type Decision, measuredSignal, type Verdict } from '#domain/lineage/lineage';
import type { Point } from '#domain/signals/series';
import type { AlarmSignal, MetricRef } from '#domain/signals/signals';
import { worseWhenOf } from '#domain/validation/signal-rule';
import type { AlarmDirectory } from '#ports/alarms';
import type { LogSource } from '#ports/logs';
import type { MetricSource } from '#ports/metrics';
import { testStore } from './support/dynamodb.ts';

const t0 = Date.parse('2026-03-02T06:00:00Z');
const at = (minute: number) => new Date(t0 + minute * 60_000).toISOString();
const now = new Date(at(195));
const clock = { now: () => now };
const silent = { info() {}, warn() {}, error() {} };
const clients: { destroy(): void }[] = [];
afterAll(() => {
  for (const c of clients) c.destroy();
});

const wobble = (m: number) => 1 + 0.05 * Math.sin(m * 1.7);
const points = (from: string, to: string, level: (m: number) => number): Point[] => {
  const out: Point[] = [];
  for (let m = Math.ceil((Date.parse(from) - t0) / 60_000); m < (Date.parse(to) - t0) / 60_000; m++) {
    if (m >= 0) out.push({ at: at(m), value: Math.round(level(m) * wobble(m)) });
  }
  return out;
};
/** A metric source where every metric quadruples at minute 180 (or only the named ones). */
function metrics(only?: (m: readonly MetricRef[]) => boolean): MetricSource & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async series(metric, from, to) {
      asked.push(metric.map((m) => m.metricName ?? m.expression ?? '').join(','));
      if (metric[0]?.id === 'traffic') return []; // no traffic metric data: depth unknown
      const shifted = !only || only(metric);
      return points(from, to, (m) => (shifted && m >= 180 ? 80 : 20));
    },
    async tenants() {
      return { active: 200, affected: 100 };
    },
  };
}
const signal = (alarmName: string, metricName: string, extra: Partial<AlarmSignal> = {}): AlarmSignal => ({
  kind: 'alarm',
  source: 'eventbridge',
  alarmName,
  state: 'ALARM',
  reason: '',
  at: at(195),
  variant: 'single-metric',
  metrics: [{ id: 'm1', namespace: 'Shop/Checkout', metricName, dimensions: {}, stat: 'Sum', periodSeconds: 60 }],
  childAlarms: [],
  fingerprint: `fp-${alarmName}`,
  ...extra,
});
/** The shop these tests run against: checkout reads logs and AWS Health for DynamoDB; two neighbours. */
const shop = {
  githubRepository: 'acme/shop',
  watchedAlarms: { namePrefixes: ['prod-'] },
  codePaths: [
    {
      service: 'checkout',
      alarmNamePrefixes: ['prod-checkout-'],
      paths: ['services/checkout/**'],
      logGroups: ['/shop/checkout'],
      awsServices: ['DYNAMODB'],
      trafficMetric: { namespace: 'Shop/Checkout', metricName: 'Requests' },
    },
    { service: 'payments', alarmNamePrefixes: ['prod-payments-'], paths: ['services/payments/**'] },
    { service: 'search', alarmNamePrefixes: ['prod-search-'], paths: ['services/search/**'] },
  ],
};
const config = (triage: Record<string, unknown> = {}) => parseConfig({ ...shop, triage });

async function setup(overrides: Record<string, unknown> = {}) {
  const { store, client, tableName } = await testStore();
  clients.push(client);
  const open = async (id: string, s: AlarmSignal, service = 'checkout') =>
    (await store.openLineage({ lineageId: id, signal: s, service, codePaths: [`services/${service}/**`], budgetUsd: 50, at: at(195) }))
      .lineage;
  await store.recordDeploy(
    {
      kind: 'deploy',
      source: 'custom',
      deployId: 'd-170',
      service: 'checkout',
      status: 'succeeded',
      at: at(170),
      prNumbers: [170],
      changedPaths: ['services/checkout/api/orders.ts'],
      dependencyChanges: [],
    },
    at(170),
  );
  return { store, client, tableName, open, config: config(overrides) };
}

describe('triage handler', () => {
  test('a storm across three alarms of one service is one problem: one leads, the others fold into it', async () => {
    const { store, open, config } = await setup();
    const ids = ['lin-storm-5xx', 'lin-storm-latency', 'lin-storm-errors'];
    await open(ids[0] as string, signal('prod-checkout-5xx', 'Errors5xx'));
    await open(ids[1] as string, signal('prod-checkout-latency', 'LatencyCount'));
    await open(ids[2] as string, signal('prod-checkout-errors', 'Errors'));
    const triage = makeTriage({ config, store, metrics: metrics(), clock, logger: silent, sleep: async () => {} });
    const decisions = await Promise.all(ids.map((lineageId) => triage({ lineageId })));
    const leaders = decisions.filter((d) => d.kind !== 'ignore');
    assert.equal(leaders.length, 1, 'exactly one lineage files');
    assert.equal(leaders[0]?.kind, 'actionable');
    const leaderId = ids[decisions.indexOf(leaders[0] as Decision)] as string;
    const followers = decisions.filter((d) => d.kind === 'ignore');
    for (const f of followers) {
      assert.ok(f.reasons.some((r) => /folded/.test(r)));
      if (f.relatedTo) assert.equal(f.relatedTo, leaderId);
    }
    const folded = (await store.auditTrail(leaderId)).filter((e) => e.action === 'alarm-folded');
    assert.equal(folded.length, followers.filter((f) => f.relatedTo).length);
  });

  test("beyond the daily cap a problem goes into the day's digest; a retried triage keeps its slot", async () => {
    const { store, open, config } = await setup({ dailyIssueCap: 2 });
    const s = (service: string) => signal(`prod-${service}-errors`, 'Errors', { fingerprint: `fp-${service}` });
    for (const service of ['checkout', 'payments', 'search']) await open(`lin-cap-${service}`, s(service), service);
    const triage = makeTriage({ config, store, metrics: metrics(), clock, logger: silent });
    const first = await triage({ lineageId: 'lin-cap-checkout' });
    const second = await triage({ lineageId: 'lin-cap-payments' });
    const retried = await triage({ lineageId: 'lin-cap-checkout' });
    const third = await triage({ lineageId: 'lin-cap-search' });
    assert.equal(first.digest, undefined);
    assert.equal(second.digest, undefined);
    assert.equal(retried.digest, undefined, 'the retry reuses its slot instead of taking the last one');
    assert.equal(third.kind, 'observation');
    assert.equal(third.digest, now.toISOString().slice(0, 10));
    assert.ok(third.reasons.some((r) => /daily cap of 2/.test(r)));
  });

  test('log samples, tenant names and other alarms are sanitized before the decision and the audit trail see them', async () => {
    const { store, open, config } = await setup();
    await open('lin-private', signal('prod-checkout-5xx', 'Errors5xx', { tenant: 'acme-corp' }));
    const logs: LogSource = {
      async samples() {
        return [
          {
            at: at(190),
            message: 'ERROR tenant=acme-corp checkout failed for jane.doe@example.com from 10.1.2.3 Authorization: Bearer abcdef0123456789',
          },
          {
            at: at(191),
            message: 'TypeError: Cannot read properties of undefined at total (services/checkout/api/orders.ts:3:9) for acme-corp',
          },
        ];
      },
    };
    const source = metrics();
    const withTenants: MetricSource = {
      ...source,
      async tenantSeries(_m, _d, from, to) {
        return [
          { tenant: 'acme-corp', points: points(from, to, (m) => (m >= 180 ? 60 : 1)) },
          ...Array.from({ length: 20 }, (_, i) => ({ tenant: `shop-${i}`, points: points(from, to, (m) => (m >= 180 ? 5 : 1)) })),
        ];
      },
    };
    const alarms: AlarmDirectory = {
      async describe() {
        return [];
      },
      async inAlarm() {
        return [{ alarmName: 'prod-billing-errors for ops@acme.example', state: 'ALARM', metrics: [], childAlarms: [] }];
      },
    };
    const triage = makeTriage({ config, store, metrics: withTenants, clock, logger: silent, logs, alarms });
    const d = await triage({ lineageId: 'lin-private' });
    const stored = JSON.stringify(await store.auditTrail('lin-private'));
    for (const text of [JSON.stringify(d), stored]) {
      for (const secret of ['acme-corp', 'jane.doe@example.com', '10.1.2.3', 'abcdef0123456789', 'ops@acme.example']) {
        assert.ok(!text.includes(secret), `${secret} leaked`);
      }
    }
    assert.equal(d.evidence.logs?.samples.length, 2);
    assert.match(d.evidence.logs?.samples[0]?.message ?? '', /tenant=\[tenant:[0-9a-f]{10}\]/);
    assert.match(d.evidence.tenants?.top[0]?.tenant ?? '', /^\[tenant:[0-9a-f]{10}\]$/);
  });

  test('a composite alarm is measured through its child alarm in ALARM', async () => {
    const { store, open, config } = await setup();
    await open(
      'lin-composite',
      signal('prod-checkout-health', 'none', {
        variant: 'composite',
        metrics: [],
        childAlarms: ['prod-checkout-5xx', 'prod-checkout-latency'],
      }),
    );
    const child: MetricRef = {
      id: 'm1',
      namespace: 'Shop/Checkout',
      metricName: 'Errors5xx',
      dimensions: {},
      stat: 'Sum',
      periodSeconds: 60,
    };
    const alarms: AlarmDirectory = {
      async describe(names) {
        return names.map((n, i) => ({
          alarmName: n,
          state: i === 0 ? 'ALARM' : 'OK',
          metrics: i === 0 ? [child] : [],
          childAlarms: [],
          comparisonOperator: 'GreaterThanThreshold',
        }));
      },
      async inAlarm() {
        return [];
      },
    };
    const source = metrics((m) => m[0]?.metricName === 'Errors5xx');
    const d = await makeTriage({ config, store, metrics: source, clock, logger: silent, alarms })({ lineageId: 'lin-composite' });
    assert.deepEqual(d.evidence.resolvedFrom, { compositeAlarm: 'prod-checkout-health', childAlarm: 'prod-checkout-5xx' });
    assert.equal(d.kind, 'actionable');
    assert.ok(source.asked.includes('Errors5xx'));
    // Validation and the deploy watch will judge the lineage through the same child.
    const measured = (await store.getLineage('lin-composite'))?.measured;
    assert.deepEqual(measured, { alarmName: 'prod-checkout-5xx', metrics: [child], comparisonOperator: 'GreaterThanThreshold' });
  });

  test('an alarm event without its comparison operator learns it from DescribeAlarms: a throughput alarm is judged lower-is-worse', async () => {
    const { store, open, config } = await setup();
    await open('lin-throughput', signal('prod-checkout-orders', 'none', {}));
    const own = (await store.getLineage('lin-throughput'))?.signal;
    assert.equal(own?.comparisonOperator, undefined, 'the EventBridge event carried no operator');
    const alarms: AlarmDirectory = {
      async describe() {
        return [];
      },
      async inAlarm() {
        return [
          {
            alarmName: 'prod-checkout-orders',
            state: 'ALARM',
            metrics: own?.metrics ?? [],
            childAlarms: [],
            comparisonOperator: 'LessThanThreshold',
          },
        ];
      },
    };
    await makeTriage({ config, store, metrics: metrics(), clock, logger: silent, alarms })({ lineageId: 'lin-throughput' });
    const lineage = await store.getLineage('lin-throughput');
    assert.equal(lineage?.measured?.comparisonOperator, 'LessThanThreshold');
    assert.equal(worseWhenOf(lineage ? measuredSignal(lineage).comparisonOperator : undefined), 'lower');
  });

  test('without a way to resolve it, a composite alarm is an observation: nothing to measure', async () => {
    const { store, open, config } = await setup();
    await open('lin-composite-2', signal('prod-checkout-health', 'none', { variant: 'composite', metrics: [], childAlarms: ['gone'] }));
    const d = await makeTriage({ config, store, metrics: metrics(), clock, logger: silent })({ lineageId: 'lin-composite-2' });
    assert.equal(d.kind, 'observation');
    assert.match(d.reasons[0] ?? '', /no metric data/);
  });

  test('AWS Health events recorded by record-deploy are read back for the services in play, and weigh as external', async () => {
    const { store, client, tableName, open, config } = await setup();
    await store.recordHealthEvent({
      kind: 'health',
      service: 'DYNAMODB',
      eventTypeCode: 'AWS_DYNAMODB_OPERATIONAL_ISSUE',
      status: 'open',
      at: at(176),
      eventArn: 'arn:health:1',
    });
    await store.recordHealthEvent({
      kind: 'health',
      service: 'EC2',
      eventTypeCode: 'AWS_EC2_OPERATIONAL_ISSUE',
      at: at(176),
      eventArn: 'arn:health:2',
    });
    const health = new DynamoDbHealthEvents(client, tableName);
    assert.deepEqual(
      (await health.between(['DYNAMODB', 'SQS'], at(0), at(195))).map((h) => h.eventArn),
      ['arn:health:1'],
    );
    await open('lin-health', signal('prod-checkout-5xx', 'Errors5xx'));
    const d = await makeTriage({ config, store, metrics: metrics(), clock, logger: silent, health })({ lineageId: 'lin-health' });
    assert.equal(d.evidence.healthEvents?.length, 1);
    assert.equal(d.attribution, 'external-dependency');
  });
});

describe('github actions fed by triage', () => {
  const verdict = (currentMean: number): Verdict => ({
    kind: 'unchanged',
    at: at(260),
    baselineMean: 20,
    currentMean,
    signalToNoise: 10,
    points: 30,
    reason: 'still high',
  });

  test("reprioritize moves the issue's priority label and body when the numbers moved, and leaves them when not", async () => {
    const { store, open } = await setup();
    const config = parseConfig(shop);
    await open('lin-rank', signal('prod-checkout-5xx', 'Errors5xx'));
    const narrower: MetricSource = { ...metrics(), tenants: async () => ({ active: 200, affected: 30 }) };
    const d = await makeTriage({ config, store, metrics: narrower, clock, logger: silent })({ lineageId: 'lin-rank' });
    assert.equal(d.priority, 'P2', d.rank?.priority);
    const outbox = mkdtempSync(join(tmpdir(), 'prodloop-rank-'));
    const tracker = new OutboxIssueTracker(outbox, clock);
    const github = makeGithub({ config, store, tracker, events: { async publish() {} }, clock, logger: silent } as never);
    await github({ action: 'file', lineageId: 'lin-rank', decision: d });
    assert.deepEqual(await github({ action: 'reprioritize', lineageId: 'lin-rank', verdict: verdict(80) }), {
      priority: 'P2',
      changed: false,
    });
    assert.deepEqual(await github({ action: 'reprioritize', lineageId: 'lin-rank', verdict: verdict(240) }), {
      priority: 'P1',
      changed: true,
    });
    const issue = readFileSync(join(outbox, 'issues', readdirSync(join(outbox, 'issues'))[0] as string), 'utf8');
    assert.match(issue, /labels: \[[^\]]*"priority:P1"/);
    assert.match(issue, /priority P2 → P1/);
    const trail = await store.auditTrail('lin-rank');
    assert.equal(trail.filter((e) => e.action === 'reprioritized').length, 2);
  });

  test('observations beyond the cap share one digest issue, one comment each', async () => {
    const { store, open } = await setup();
    const config = parseConfig(shop);
    const outbox = mkdtempSync(join(tmpdir(), 'prodloop-digest-'));
    const tracker = new OutboxIssueTracker(outbox, clock);
    const github = makeGithub({ config, store, tracker, events: { async publish() {} }, clock, logger: silent } as never);
    const triage = makeTriage({ config, store, metrics: metrics(), clock, logger: silent });
    for (const id of ['lin-digest-a', 'lin-digest-b']) {
      await open(id, signal(`prod-checkout-${id}`, 'Errors5xx', { fingerprint: id }), id === 'lin-digest-a' ? 'checkout' : 'search');
      const d = await triage({ lineageId: id });
      await github({ action: 'observe', lineageId: id, decision: { ...d, kind: 'observation', digest: '2026-03-02' } });
    }
    const files = readdirSync(join(outbox, 'issues'));
    assert.deepEqual(files, ['digest-2026-03-02.md']);
    const digest = readFileSync(join(outbox, 'issues', files[0] as string), 'utf8');
    assert.equal((digest.match(/## Comment/g) ?? []).length, 2);
    assert.ok(!digest.includes('prodloop:lineage=lin-digest'), 'no lineage marker in the digest: each lineage keeps its own identity');
    assert.equal((await store.getLineage('lin-digest-b'))?.issue?.number, (await store.getLineage('lin-digest-a'))?.issue?.number);
  });
});
