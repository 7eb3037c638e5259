/**
 * Validation of a fix (lambdas/domain/validation/validate.ts and the validate handler) on simulated production
 * series with fixed seeds: error rates as counts over traffic, latency as a per-minute quantile,
 * trends, the daily cycle, low traffic and the deadline.
 *
 * It stays one file over 400 lines: the domain's cases and the handler's share the simulated series
 * (fixed seeds), the fix decision and the settings built at the top.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { makeValidate, resolveSignal } from '#app/validate-fix';
import { parseConfig } from '#domain/config/config';
import { executionSettings } from '#domain/lineage/execution-settings';
import { decision as decisionSchema, type Lineage } from '#domain/lineage/lineage';
import type { Point } from '#domain/signals/series';
import type { MetricRef } from '#domain/signals/signals';
import type { WorseWhen } from '#domain/validation/signal-rule';
import {
  type EvaluateInput,
  type Evaluation,
  evaluate,
  regression,
  type SignalKind,
  type ValidationSettingsInput,
} from '#domain/validation/validate';
import type { MetricSource } from '#ports/metrics';
import type { LineageStore } from '#ports/store';
import { normal, poisson, rng } from './support/random.ts';

const T0 = Date.parse('2026-03-02T00:00:00Z');
const MIN = 60_000;
const at = (minute: number) => new Date(T0 + minute * MIN).toISOString();

/**
 * A minute-by-minute world: requests per minute and the error rate per request as functions of the
 * minute (minute 0 is the onset), errors and traffic drawn as Poisson counts.
 */
function rateWorld(o: { requests: (m: number) => number; errorRate: (m: number) => number; from: number; to: number; seed: number }) {
  const u = rng(o.seed);
  const values: Point[] = [];
  const traffic: Point[] = [];
  for (let m = o.from; m < o.to; m++) {
    const n = poisson(u, o.requests(m));
    traffic.push({ at: at(m), value: n });
    values.push({ at: at(m), value: poisson(u, n * o.errorRate(m)) });
  }
  return { values, traffic };
}

const between = (points: readonly Point[], from: number, to: number) => points.filter((p) => p.at >= at(from) && p.at < at(to));

/** The summary triage leaves in the evidence (only a fallback here: each test passes the history). */
const evidence = {
  baseline: { from: at(-180), to: at(0), mean: 10, stddev: 1, points: 180 },
  current: { from: at(0), to: at(15), mean: 40, stddev: 2, points: 15 },
};

/** Local-style settings: 5-minute looks, three looks before recovered or unchanged. */
const quick: ValidationSettingsInput = {
  validationIntervalSeconds: 300,
  recoveredEvaluations: 3,
  maxEvaluations: 24,
  recoveryMinutes: 15,
  recoveryMargin: 0.5,
  settleMinutes: 0,
};

/** Triage's decision that opened the loop: actionable, onset at minute 0, the incident `ratio` times the baseline. */
const fixDecision = (ratio: number) =>
  decisionSchema.parse({
    kind: 'actionable',
    tier: 1,
    priority: 'P1',
    confidence: 0.8,
    attribution: 'platform-deploy',
    reasons: [],
    evidence: {
      ...evidence,
      onset: at(0),
      durationMinutes: 15,
      signalToNoise: 10,
      ratio,
      tenantsAffected: 80,
      tenantsActive: 200,
      breadth: 0.4,
    },
  });

/** Every look from the deploy on, each `interval` minutes, until a verdict or the deadline. */
function looks(
  world: { values: Point[]; traffic?: Point[] },
  o: { kind: SignalKind; deploy: number; settings: ValidationSettingsInput; historyFrom: number; onset?: number; worseWhen?: WorseWhen },
): Evaluation[] {
  const onset = o.onset ?? 0;
  const interval = (o.settings.validationIntervalSeconds ?? 300) / 60;
  const out: Evaluation[] = [];
  let loop: EvaluateInput['loop'] = { evaluations: 0, recoveredStreak: 0 };
  for (let k = 1; k <= (o.settings.maxEvaluations ?? 1); k++) {
    const now = o.deploy + k * interval;
    const windows = (points: readonly Point[]) => ({
      history: between(points, o.historyFrom, onset),
      preDeploy: between(points, Math.max(onset, o.deploy - 60), o.deploy),
      post: between(points, o.deploy, now),
    });
    const e = evaluate({
      evidence,
      ...windows(world.values),
      ...(world.traffic ? { traffic: windows(world.traffic) } : {}),
      kind: o.kind,
      ...(o.worseWhen ? { worseWhen: o.worseWhen } : {}),
      deployAt: at(o.deploy),
      loop,
      settings: o.settings,
      now: new Date(T0 + now * MIN),
    });
    out.push(e);
    if (e.outcome !== 'pending') break;
    loop = e.loop;
  }
  return out;
}

describe('validation: error rates as counts over traffic', () => {
  test('a fix deploy that doubles the error rate per request pulls the andon cord on the first look', () => {
    const world = rateWorld({
      requests: () => 1000,
      errorRate: (m) => 0.01 * (m < 0 ? 1 : m < 60 ? 4 : 8),
      from: -3 * 1440,
      to: 120,
      seed: 1,
    });
    const [first] = looks(world, { kind: 'rate', deploy: 60, settings: quick, historyFrom: -3 * 1440 });
    assert.equal(first?.outcome, 'worse');
    assert.match(first?.verdict.reason ?? '', /2\.\d\d× the pre-deploy level/);
    assert.ok((first?.verdict.eValue ?? 0) >= 100);
  });

  test('a traffic surge doubles the error count but not the rate: worse as a plain count, not as a rate', () => {
    const world = rateWorld({
      requests: (m) => (m < 60 ? 1000 : 2000),
      errorRate: (m) => 0.01 * (m < 0 ? 1 : 4),
      from: -3 * 1440,
      to: 120,
      seed: 2,
    });
    const asRate = looks(world, { kind: 'rate', deploy: 60, settings: quick, historyFrom: -3 * 1440 });
    const asCount = looks({ values: world.values }, { kind: 'count', deploy: 60, settings: quick, historyFrom: -3 * 1440 });
    assert.ok(!asRate.some((e) => e.outcome === 'worse'), 'the rate per request did not change');
    assert.equal(asCount[0]?.outcome, 'worse');
  });

  test('a falling trend is not credited: the error count is back at its old level, the rate is still double, the fix is unchanged', () => {
    // Requests fall 8% an hour all evening; the incident doubles the error rate at minute 0; the fix (minute 240) does nothing.
    const requests = (m: number) => 2000 * Math.exp((-0.08 * (m + 600)) / 60);
    const world = rateWorld({ requests, errorRate: (m) => 0.01 * (m < 0 ? 1 : 2), from: -600, to: 600, seed: 3 });
    const countAt = (from: number, to: number) => between(world.values, from, to).reduce((a, p) => a + p.value, 0) / (to - from);
    // The naive picture: after the fix the count is no higher than before the incident.
    assert.ok(countAt(240, 255) <= countAt(-600, 0) * 1.15, 'the scenario must look recovered to a point-in-time comparison');
    const asRate = looks(world, { kind: 'rate', deploy: 240, settings: quick, historyFrom: -600 });
    assert.equal(asRate.at(-1)?.outcome, 'unchanged');
    assert.match(asRate.at(-1)?.verdict.reason ?? '', /still [12]\.\d\d× the trend-adjusted baseline/);
    // Read as a plain count, the trend is modelled (continuing or stopping): never credited as recovered.
    const asCount = looks({ values: world.values }, { kind: 'count', deploy: 240, settings: quick, historyFrom: -600 });
    assert.ok(!asCount.some((e) => e.outcome === 'recovered'));
  });
});

describe('validation: signals where lower is worse', () => {
  // Orders a minute: 1,000 normally, halved by the incident from minute 0; the fix deploys at minute 60.
  const orders = (after: number, seed: number) => {
    const u = rng(seed);
    const values: Point[] = [];
    for (let m = -3 * 1440; m < 240; m++) values.push({ at: at(m), value: poisson(u, m < 0 ? 1000 : m < 60 ? 500 : after) });
    return { values };
  };
  const run = (after: number, worseWhen: WorseWhen) =>
    looks(orders(after, 21), { kind: 'count', deploy: 60, settings: quick, historyFrom: -3 * 1440, worseWhen });

  test('throughput the fix restores is recovered where lower is worse, and would have pulled the andon read the other way', () => {
    const restored = run(1000, 'lower');
    assert.equal(restored.at(-1)?.outcome, 'recovered');
    assert.match(restored.at(-1)?.verdict.reason ?? '', /above the recovery margin ×0\.\d\d/);
    assert.equal(run(1000, 'higher')[0]?.outcome, 'worse', 'read as higher-is-worse, doubling from the incident level is a regression');
  });

  test('throughput still halved after the fix is unchanged', () => {
    const still = run(500, 'lower');
    assert.equal(still.at(-1)?.outcome, 'unchanged');
    assert.match(still.at(-1)?.verdict.reason ?? '', /0\.5\d× the trend-adjusted baseline.*below the recovery margin/);
  });

  test('a fix deploy that halves throughput again pulls the andon cord', () => {
    const [first] = run(250, 'lower');
    assert.equal(first?.outcome, 'worse');
    assert.match(first?.verdict.reason ?? '', /0\.[45]\d× the pre-deploy level.*lower is worse/);
  });
});

describe('validation: a regression that starts hours after the fix deploy', () => {
  test('errors back to normal after the fix, then twice the incident level five hours later: worse within the hour, naming when it started', () => {
    // Incident ×4 from minute 0, the fix at minute 60 restores the rate, a new fault at minute 360 takes it to ×8.
    const world = rateWorld({
      requests: () => 1000,
      errorRate: (m) => 0.01 * (m < 0 ? 1 : m < 60 ? 4 : m < 360 ? 1 : 8),
      from: -3 * 1440,
      to: 1500,
      seed: 22,
    });
    const settings = { ...quick, validationIntervalSeconds: 900, maxEvaluations: 96, recoveryMinutes: 1440 };
    const all = looks(world, { kind: 'rate', deploy: 60, settings, historyFrom: -3 * 1440 });
    const last = all.at(-1);
    assert.equal(last?.outcome, 'worse');
    const minutesAfterDeploy = all.length * 15;
    assert.ok(minutesAfterDeploy > 300 && minutesAfterDeploy <= 360, `worse ${minutesAfterDeploy} min after the deploy`);
    assert.match(last?.verdict.reason ?? '', /2\.\d\d× the pre-deploy level \(trend-adjusted\) since 06:00 UTC, 5 h after the deploy/);
  });
});

describe('validation: a pre-existing trend is neither credited nor blamed', () => {
  test('a decline that stops at the deploy is not blamed on it: no andon when the level simply stays flat', () => {
    // A count falling 2% an hour for three days, flat from the deploy (minute 0) on; nothing else changes.
    const u = rng(11);
    const values: Point[] = [];
    for (let m = -3 * 1440; m < 1440; m++) values.push({ at: at(m), value: poisson(u, 1000 * Math.exp((-0.02 * Math.min(m, 0)) / 60)) });
    // Only "worse" can end it: recovered and unchanged wait past the day.
    const all = looks(
      { values },
      {
        kind: 'count',
        deploy: 0,
        settings: { ...quick, validationIntervalSeconds: 1800, recoveredEvaluations: 49, maxEvaluations: 48 },
        historyFrom: -3 * 1440,
      },
    );
    assert.equal(all.length, 48);
    assert.ok(!all.some((e) => e.outcome === 'worse'), `worse at look ${all.findIndex((e) => e.outcome === 'worse') + 1}`);
  });
});

describe('validation: recovery over the daily cycle', () => {
  // The deployed recovery span and margin; looks every 30 minutes keep the test short (the tests hold at any look interval).
  const day: ValidationSettingsInput = {
    validationIntervalSeconds: 1800,
    recoveredEvaluations: 3,
    maxEvaluations: 72,
    recoveryMinutes: 1440,
    recoveryMargin: 0.25,
    settleMinutes: 15,
  };
  const cycle = (m: number) => 1000 * (1 + 0.5 * Math.sin((2 * Math.PI * m) / 1440));
  const at12h = (e: Evaluation[]) => e[23];

  test('a fix that works is not closed before a full daily cycle back at baseline, and each look says how long is left', () => {
    const world = rateWorld({ requests: cycle, errorRate: (m) => 0.01 * (m >= 0 && m < 60 ? 5 : 1), from: -3 * 1440, to: 2300, seed: 4 });
    const all = looks(world, { kind: 'rate', deploy: 60, settings: day, historyFrom: -3 * 1440 });
    const halfway = at12h(all);
    assert.equal(halfway?.outcome, 'pending');
    // 12 h after the deploy: 24 h + 15 min settle − 12 h remain.
    assert.ok(Math.abs((halfway?.verdict.etaMinutes ?? 0) - (1440 + 15 - 720)) <= 1, `eta ${halfway?.verdict.etaMinutes}`);
    const last = all.at(-1);
    assert.equal(last?.outcome, 'recovered');
    assert.match(last?.verdict.reason ?? '', /full daily cycle/);
    assert.ok(all.length * 30 >= 1440 + 15, `recovered after ${all.length * 30} min`);
  });

  test('a relapse at the daily peak keeps the issue open: unchanged, not recovered', () => {
    // Back at baseline, except two hours around the peak at three times the rate.
    const relapse = (m: number) => m >= 60 + 600 && m < 60 + 720;
    const world = rateWorld({
      requests: cycle,
      errorRate: (m) => 0.01 * ((m >= 0 && m < 60) || relapse(m) ? 3 : 1),
      from: -3 * 1440,
      to: 2300,
      seed: 5,
    });
    const all = looks(world, { kind: 'rate', deploy: 60, settings: day, historyFrom: -3 * 1440 });
    assert.equal(all.at(-1)?.outcome, 'unchanged');
    assert.ok(!all.some((e) => e.outcome === 'recovered'));
  });
});

describe('validation: low traffic', () => {
  test('too few requests to confirm a recovery: each look says how long a verdict would take, then inconclusive for insufficient traffic at the deadline', () => {
    const world = rateWorld({
      requests: () => 20,
      errorRate: (m) => 0.015 * (m >= 0 && m < 60 ? 10 : 1),
      from: -7 * 1440,
      to: 200,
      seed: 6,
    });
    const all = looks(world, { kind: 'rate', deploy: 60, settings: quick, historyFrom: -7 * 1440 });
    assert.equal(all.length, 24, 'undecided until the deadline');
    const first = all[0];
    assert.equal(first?.outcome, 'pending');
    assert.match(first?.verdict.reason ?? '', /insufficient traffic: at [\d.]+ requests\/min even a full recovery needs about \d+ h/);
    assert.ok((first?.verdict.etaMinutes ?? 0) > 115, 'the estimate is past the deadline');
    const last = all.at(-1);
    assert.equal(last?.outcome, 'inconclusive');
    assert.match(last?.verdict.reason ?? '', /^insufficient traffic/);
    assert.ok(!all.some((e) => e.outcome === 'recovered'), 'success is never declared without the evidence');
  });

  test('the same fix at a thousand requests a minute is confirmed within the looks', () => {
    const world = rateWorld({
      requests: () => 1000,
      errorRate: (m) => 0.015 * (m >= 0 && m < 60 ? 10 : 1),
      from: -7 * 1440,
      to: 200,
      seed: 6,
    });
    const all = looks(world, { kind: 'rate', deploy: 60, settings: quick, historyFrom: -7 * 1440 });
    assert.equal(all.at(-1)?.outcome, 'recovered');
  });
});

describe('validation: latency as a per-minute quantile', () => {
  /** p99 latency per minute, log-normal around 200 ms (10% noise). */
  function latency(factor: (m: number) => number, seed: number) {
    const u = rng(seed);
    const values: Point[] = [];
    for (let m = -3 * 1440; m < 120; m++) values.push({ at: at(m), value: 200 * factor(m) * Math.exp(0.1 * normal(u)) });
    return { values };
  }

  test('one wild minute does not pull the andon cord', () => {
    const world = latency((m) => (m === 60 ? 4 : 1), 7);
    const all = looks(world, { kind: 'level', deploy: 60, settings: { ...quick, maxEvaluations: 12 }, historyFrom: -3 * 1440, onset: 60 });
    assert.ok(!all.some((e) => e.outcome === 'worse'));
  });

  test('a sustained +50% is worse on the first look', () => {
    const world = latency((m) => (m >= 60 ? 1.5 : 1), 8);
    const all = looks(world, { kind: 'level', deploy: 60, settings: quick, historyFrom: -3 * 1440, onset: 60 });
    assert.equal(all[0]?.outcome, 'worse');
  });
});

describe('regression check for any deploy', () => {
  test('the andon test for a deploy with no incident: a doubled error rate is worse, a traffic surge is not', () => {
    const world = rateWorld({
      requests: (m) => (m < 0 ? 1000 : 2000),
      errorRate: (m) => 0.01 * (m < 0 ? 1 : 2),
      from: -3 * 1440,
      to: 30,
      seed: 12,
    });
    const surge = rateWorld({ requests: (m) => (m < 0 ? 1000 : 2000), errorRate: () => 0.01, from: -3 * 1440, to: 30, seed: 13 });
    const check = (w: typeof world) =>
      regression({
        kind: 'rate',
        history: between(w.values, -3 * 1440, 0),
        post: between(w.values, 0, 30),
        traffic: { history: between(w.traffic, -3 * 1440, 0), post: between(w.traffic, 0, 30) },
      });
    const doubled = check(world);
    assert.equal(doubled.worse, true);
    assert.ok(doubled.eValue >= 100 && Math.abs(doubled.ratio - 2) < 0.2, doubled.reason);
    assert.equal(check(surge).worse, false);
  });
});

describe('validation: what the execution carries', () => {
  test("the loop holds a few numbers, not points, and accepts the state machine's initial loop", () => {
    const world = rateWorld({ requests: () => 1000, errorRate: (m) => 0.01 * (m >= 0 && m < 60 ? 4 : 1), from: -1440, to: 120, seed: 9 });
    const [first] = looks(world, { kind: 'rate', deploy: 60, settings: { ...quick, maxEvaluations: 1 }, historyFrom: -1440 });
    const loop = first?.loop ?? {};
    assert.deepEqual(Object.keys(loop).sort(), ['evaluations', 'logERecovered', 'logEUnchanged', 'logEWorse', 'recoveredStreak']);
    assert.ok(JSON.stringify(loop).length < 200);
  });
});

describe('validate handler', () => {
  const metric = (id: string, name: string, extra: Partial<MetricRef> = {}): MetricRef => ({
    id,
    namespace: 'Shop/Checkout',
    metricName: name,
    dimensions: {},
    stat: 'Sum',
    returnData: false,
    ...extra,
  });

  test('a metric-math ratio is read as events over traffic; a Sum as a count; a quantile as a level', () => {
    const ratio = [
      metric('m1', 'Errors5xx'),
      metric('m2', 'Requests'),
      { id: 'e1', expression: '100 * m1 / m2', dimensions: {}, returnData: true },
    ];
    const r = resolveSignal('prod-checkout-5xx', ratio, []);
    assert.equal(r.kind, 'rate');
    assert.equal(r.value[0]?.metricName, 'Errors5xx');
    assert.equal(r.traffic?.[0]?.metricName, 'Requests');
    assert.equal(resolveSignal('prod-x', [metric('m1', 'Errors5xx', { returnData: true })], []).kind, 'count');
    assert.equal(resolveSignal('prod-x', [metric('m1', 'Latency', { stat: 'p99', returnData: true })], []).kind, 'level');
    const rule = {
      alarmNamePrefixes: ['prod-checkout-'],
      namespaces: [],
      kind: 'rate' as const,
      traffic: metric('t', 'Requests', { returnData: true }),
    };
    const configured = resolveSignal('prod-checkout-5xx', [metric('m1', 'Errors5xx', { returnData: true })], [rule]);
    assert.equal(configured.kind, 'rate');
    assert.equal(configured.traffic?.[0]?.metricName, 'Requests');
  });

  test("a code path's traffic metric makes its error count a rate over requests, and leaves its latency a level", () => {
    const config = parseConfig({
      githubRepository: 'acme/shop',
      watchedAlarms: { namePrefixes: ['prod-'] },
      codePaths: [
        {
          service: 'checkout',
          alarmNamePrefixes: ['prod-checkout-'],
          paths: ['services/checkout/**'],
          trafficMetric: { namespace: 'Shop/Checkout', metricName: 'Requests' },
        },
      ],
    });
    const rules = executionSettings(config).signals;
    const errors = resolveSignal('prod-checkout-5xx', [metric('m1', 'Errors5xx', { returnData: true })], rules);
    assert.equal(errors.kind, 'rate');
    assert.equal(errors.traffic?.[0]?.metricName, 'Requests');
    assert.equal(resolveSignal('prod-checkout-p99', [metric('m1', 'Latency', { stat: 'p99', returnData: true })], rules).kind, 'level');
    assert.equal(resolveSignal('prod-search-5xx', [metric('m1', 'Errors5xx', { returnData: true })], rules).kind, 'count');
  });

  test('each look reads the history before the onset and the traffic, and audits the estimate while undecided', async () => {
    const world = rateWorld({
      requests: () => 20,
      errorRate: (m) => 0.015 * (m >= 0 && m < 60 ? 10 : 1),
      from: -7 * 1440,
      to: 120,
      seed: 10,
    });
    const reads: { metric: string; from: string; to: string }[] = [];
    const metrics = {
      async series(refs: readonly MetricRef[], from: string, to: string) {
        reads.push({ metric: refs[0]?.metricName ?? '', from, to });
        return (refs[0]?.metricName === 'Requests' ? world.traffic : world.values).filter((p) => p.at >= from && p.at < to);
      },
    } as unknown as MetricSource;
    const audits: Record<string, unknown>[] = [];
    const lineage = {
      lineageId: 'lin-1',
      signal: { alarmName: 'prod-checkout-5xx', metrics: [metric('m1', 'Errors5xx', { returnData: true })] },
    } as unknown as Lineage;
    const store = {
      async getLineage() {
        return lineage;
      },
      async appendAudit(e: { detail: Record<string, unknown> }) {
        audits.push(e.detail);
      },
    } as unknown as LineageStore;
    const logger = { info() {}, warn() {}, error() {} };
    const validate = makeValidate({ store, metrics, clock: { now: () => new Date(T0 + 65 * MIN) }, logger });
    const decision = fixDecision(10);
    const result = await validate({
      lineageId: 'lin-1',
      deploy: { kind: 'deploy', source: 'custom', deployId: 'd-1', service: 'checkout', status: 'succeeded', at: at(60) },
      decision,
      loop: { evaluations: 0, recoveredStreak: 0 },
      settings: {
        ...quick,
        historyMinutes: 7 * 1440,
        signals: [{ alarmNamePrefixes: ['prod-checkout-'], kind: 'rate', traffic: metric('t', 'Requests', { returnData: true }) }],
      },
    });
    assert.deepEqual(reads.map((r) => r.metric).sort(), ['Errors5xx', 'Requests']);
    assert.ok(
      reads.every((r) => r.from === at(-7 * 1440)),
      'the history starts a week before the onset',
    );
    assert.equal(result.outcome, 'pending');
    assert.match(result.verdict.reason, /requests\/min/);
    assert.equal(audits[0]?.signal, 'rate');
    assert.equal(audits[0]?.etaMinutes, result.verdict.etaMinutes);
  });
});

/**
 * One look of the validate handler five minutes after a fix deployed at minute 60 (incident 4× from
 * minute 0), reading `lineage` from the store; the look's audit details land in the array returned.
 */
async function lookAfterFix(lineage: Lineage, metrics: MetricSource, settings: Record<string, unknown>) {
  const audits: Record<string, unknown>[] = [];
  const store = {
    getLineage: async () => lineage,
    async appendAudit(e: { detail: Record<string, unknown> }) {
      audits.push(e.detail);
    },
  } as unknown as LineageStore;
  const validate = makeValidate({
    store,
    metrics,
    clock: { now: () => new Date(T0 + 65 * MIN) },
    logger: { info() {}, warn() {}, error() {} },
  });
  const result = await validate({
    lineageId: lineage.lineageId,
    deploy: { kind: 'deploy', source: 'custom', deployId: 'd-fix', service: 'checkout', status: 'succeeded', at: at(60) },
    decision: fixDecision(4),
    loop: { evaluations: 0, recoveredStreak: 0 },
    settings: { ...quick, historyMinutes: 1440, ...settings },
  });
  return { result, audits };
}

describe('validate handler without traffic data', () => {
  test('a traffic metric with no data: the errors are judged as a count instead of being dropped', async () => {
    const world = rateWorld({
      requests: () => 1000,
      errorRate: (m) => 0.01 * (m >= 0 && m < 60 ? 4 : m >= 60 ? 8 : 1),
      from: -1440,
      to: 70,
      seed: 14,
    });
    const metrics = {
      async series(refs: readonly MetricRef[], from: string, to: string) {
        return refs[0]?.id === 'traffic' ? [] : world.values.filter((p) => p.at >= from && p.at < to);
      },
    } as unknown as MetricSource;
    const lineage = {
      lineageId: 'lin-2',
      signal: {
        alarmName: 'prod-checkout-5xx',
        metrics: [{ id: 'm1', namespace: 'Shop/Checkout', metricName: 'Errors5xx', dimensions: {}, stat: 'Sum', returnData: true }],
      },
    } as unknown as Lineage;
    const { result, audits } = await lookAfterFix(lineage, metrics, {
      signals: [
        {
          alarmNamePrefixes: ['prod-checkout-'],
          namespaces: [],
          traffic: { id: 'traffic', namespace: 'Shop/Checkout', metricName: 'Requests', dimensions: {}, returnData: true },
        },
      ],
    });
    assert.equal(audits[0]?.signal, 'count');
    assert.equal(result.outcome, 'worse', 'the doubled error count is still seen');
  });
});

describe('validate handler for a composite alarm', () => {
  test('a composite alarm has no metric of its own: each look reads the child triage measured it by', async () => {
    const world = rateWorld({ requests: () => 1000, errorRate: (m) => 0.01 * (m >= 0 ? 4 : 1), from: -1440, to: 70, seed: 15 });
    const read: string[] = [];
    const metrics = {
      async series(refs: readonly MetricRef[], from: string, to: string) {
        read.push(...refs.map((r) => r.metricName ?? ''));
        return world.values.filter((p) => p.at >= from && p.at < to);
      },
    } as unknown as MetricSource;
    const lineage = {
      lineageId: 'lin-health',
      signal: { alarmName: 'prod-checkout-health', metrics: [] },
      measured: {
        alarmName: 'prod-checkout-5xx',
        metrics: [{ id: 'm1', namespace: 'Shop/Checkout', metricName: 'Errors5xx', dimensions: {}, stat: 'Sum', returnData: true }],
      },
    } as unknown as Lineage;
    const { result } = await lookAfterFix(lineage, metrics, {});
    assert.deepEqual([...new Set(read)], ['Errors5xx']);
    assert.ok(result.verdict.points > 0, "the look judged the child alarm's points");
  });
});
