/**
 * The deploy watch's judgement (lambdas/domain/validation/deploy-watch.ts, cohort.ts), on simulated series with
 * fixed seeds: before/after by validation's anytime-valid "worse" test against the trend-adjusted
 * level before the deploy, cohorts by the conditional binomial (counts, rates) and log-difference
 * (levels) mixtures, in the direction that is worse for each signal.
 *
 * It stays one file over 400 lines: its cases share the simulated series (fixed seeds) and the
 * watched signal built at the top.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { parseConfig } from '#domain/config/config';
import type { Lineage } from '#domain/lineage/lineage';
import { parseAlarmEvent } from '#domain/signals/alarm';
import type { Point } from '#domain/signals/series';
import type { DeploySignal } from '#domain/signals/signals';
import { bestReference, fitBaseline } from '#domain/validation/baseline';
import { compareCohorts } from '#domain/validation/cohort';
import { compare } from '#domain/validation/comparison';
import {
  judgeBeforeAfter,
  judgeCohorts,
  RECENT_MINUTES,
  renderDeployAndonPage,
  renderRevertBody,
  type SignalJudgement,
  signalJudgement,
  signalsToWatch,
  type WatchedSignalInput,
  watchedSignal,
} from '#domain/validation/deploy-watch';
import { logThreshold } from '#domain/validation/sequential';
import { worseWhenOf } from '#domain/validation/signal-rule';
import { ALPHA, observations, regression, worseComponents } from '#domain/validation/validate';
import { normal, poisson, rng } from './support/random.ts';

const MINUTE = 60_000;
/** 06:00 UTC: the deploys below land on the rising half of a daily cycle that peaks at 12:00. */
const DEPLOY_AT = Date.parse('2026-03-04T06:00:00Z');
const HISTORY_MINUTES = 3 * 1440;
const at = (minute: number) => new Date(DEPLOY_AT + minute * MINUTE).toISOString();
/** A daily cycle, 0 at midnight and 06:00 rising, +1 at 12:00 (minutes relative to the deploy). */
const cycle = (minute: number) => Math.sin((2 * Math.PI * (minute + 360 - 360)) / 1440);

/** A series from `HISTORY_MINUTES` before the deploy to `after` minutes after it. */
function series(after: number, value: (minute: number) => number): Point[] {
  const out: Point[] = [];
  for (let m = -HISTORY_MINUTES; m < after; m++) out.push({ at: at(m), value: value(m) });
  return out;
}
const split = (points: readonly Point[], upTo: number) => ({
  history: points.filter((p) => Date.parse(p.at) < DEPLOY_AT),
  post: points.filter((p) => Date.parse(p.at) >= DEPLOY_AT && Date.parse(p.at) < DEPLOY_AT + upTo * MINUTE),
});

const signal = (over: Partial<WatchedSignalInput> = {}) =>
  watchedSignal.parse({ label: 'prod-checkout-5xx', metrics: [{ namespace: 'Shop/Checkout', metricName: 'Errors5xx' }], ...over });

/** Errors over traffic: traffic with a daily cycle, an error rate with its own, and an effect on the rate or the traffic after the deploy. */
function errorRate(seed: number, options: { rateEffect?: number; trafficEffect?: number; after?: number; traffic?: number } = {}) {
  const u = rng(seed);
  const after = options.after ?? 60;
  const traffic = series(after, (m) =>
    poisson(u, (options.traffic ?? 100) * (1 + 0.5 * cycle(m)) * (m >= 0 ? (options.trafficEffect ?? 1) : 1)),
  );
  const errors = traffic.map((p, i) => {
    const m = i - HISTORY_MINUTES;
    return { at: p.at, value: poisson(u, p.value * 0.01 * (1 + 0.2 * cycle(m)) * (m >= 0 ? (options.rateEffect ?? 1) : 1)) };
  });
  return { traffic, errors };
}

/** Looks every `interval` minutes up to `looks` looks: the first look that judged worse (0 when none did). */
function firstWorseLook(
  looks: number,
  interval: number,
  judge: (minutes: number) => SignalJudgement,
): { look: number; last: SignalJudgement } {
  let last: SignalJudgement | undefined;
  for (let k = 1; k <= looks; k++) {
    last = judge(k * interval);
    if (last.worse) return { look: k, last };
  }
  return { look: 0, last: last as SignalJudgement };
}

function rateLook(data: ReturnType<typeof errorRate>, s = signal()) {
  return (minutes: number) => {
    const e = split(data.errors, minutes);
    const t = split(data.traffic, minutes);
    return judgeBeforeAfter(s, { kind: 'rate', ...e, traffic: t });
  };
}

describe('before and after a deploy', () => {
  test('a watched deploy on series with a daily cycle that is not worse does not pull the andon, though the cycle lifts them well above the hour before', () => {
    // Six hours of looks every 30 minutes on the rising half of the day: traffic +50 %, latency +30 % at the peak.
    const u = rng(11);
    const latency = series(360, (m) => 200 * (1 + 0.3 * cycle(m)) * Math.exp(0.05 * normal(u)));
    const rate = errorRate(12, { after: 360 });
    const level = firstWorseLook(12, 30, (minutes) => judgeBeforeAfter(signal(), { kind: 'level', ...split(latency, minutes) }));
    const errors = firstWorseLook(12, 30, rateLook(rate));
    assert.equal(level.look, 0, level.last.reason);
    assert.equal(errors.look, 0, errors.last.reason);
    // The raw level since the deploy is well above the hour before it; trend-adjusted it is where it should be.
    const hourBefore = latency.slice(HISTORY_MINUTES - 60, HISTORY_MINUTES).reduce((a, p) => a + p.value, 0) / 60;
    assert.ok(level.last.currentMean / hourBefore > 1.15, `${level.last.currentMean} vs ${hourBefore}`);
    assert.ok(Math.abs((level.last.ratio ?? 0) - 1) < 0.05, level.last.reason);
    assert.ok(Math.abs((errors.last.ratio ?? 0) - 1) < 0.15, errors.last.reason);
  });

  test('an error rate over traffic that doubles at the deploy pulls the andon within a few looks, with the ratio and the e-value', () => {
    // 100 requests a minute (one error a minute before the deploy): within four looks of 5 minutes; at 1,000, at the first.
    const { look, last } = firstWorseLook(6, 5, rateLook(errorRate(21, { rateEffect: 2 })));
    assert.ok(look >= 1 && look <= 4, `worse at look ${look}: ${last.reason}`);
    assert.equal(firstWorseLook(6, 5, rateLook(errorRate(22, { rateEffect: 2, traffic: 1000 }))).look, 1);
    assert.equal(last.method, 'before-after');
    assert.equal(last.kind, 'rate');
    assert.ok((last.ratio ?? 0) > 1.6 && (last.ratio ?? 0) < 2.6, last.reason);
    assert.ok((last.eValue ?? 0) >= 100);
    assert.equal(last.threshold, 100);
    assert.ok(last.baselineMean > 0.007 && last.baselineMean < 0.013, `the rate before is about 1 %: ${last.baselineMean}`);
    assert.match(
      last.reason,
      /^the error rate \(events per request\) is \d\.\d\d× the trend-adjusted level before the deploy over \d+ point\(s\); e-value \S+ ≥ 100 \(false-andon bound 1% at any look\)$/,
    );
    assert.ok(signalJudgement.safeParse(last).success, 'the judgement fits its schema (it travels in the execution state)');
  });

  test('a traffic surge that doubles the error count but not the rate does not pull the andon when errors are read over traffic; read as a count it would', () => {
    const surge = errorRate(31, { trafficEffect: 2 });
    const asRate = firstWorseLook(6, 5, rateLook(surge));
    assert.equal(asRate.look, 0, asRate.last.reason);
    const asCount = firstWorseLook(6, 5, (minutes) => judgeBeforeAfter(signal(), { kind: 'count', ...split(surge.errors, minutes) }));
    assert.ok(asCount.look >= 1, 'the same errors as a plain count look like a regression');
  });

  test('a drop in a signal where lower is worse pulls the andon; the same drop where higher is worse does not, nor does a rise where lower is worse', () => {
    const orders = (effect: number, seed: number) => {
      const u = rng(seed);
      return series(30, (m) => poisson(u, 50 * (1 + 0.3 * cycle(m)) * (m >= 0 ? effect : 1)));
    };
    const lower = signal({ label: 'Shop/Orders', worseWhen: 'lower' });
    const drop = orders(0.5, 41);
    const judged = firstWorseLook(6, 5, (minutes) => judgeBeforeAfter(lower, { kind: 'count', ...split(drop, minutes) }));
    assert.ok(judged.look >= 1 && judged.look <= 2, judged.last.reason);
    assert.ok((judged.last.ratio ?? 1) < 0.6, judged.last.reason);
    assert.equal(judged.last.worseWhen, 'lower');
    assert.match(judged.last.reason, /\(lower is worse\)/);
    assert.equal(firstWorseLook(6, 5, (minutes) => judgeBeforeAfter(signal(), { kind: 'count', ...split(drop, minutes) })).look, 0);
    const rise = orders(2, 42);
    assert.equal(firstWorseLook(6, 5, (minutes) => judgeBeforeAfter(lower, { kind: 'count', ...split(rise, minutes) })).look, 0);
    // A level too: throughput in bytes per second halves.
    const u = rng(43);
    const bytes = series(30, (m) => 5e6 * (1 + 0.2 * cycle(m)) * (m >= 0 ? 0.5 : 1) * Math.exp(0.05 * normal(u)));
    assert.ok(firstWorseLook(6, 5, (minutes) => judgeBeforeAfter(lower, { kind: 'level', ...split(bytes, minutes) })).look >= 1);
  });

  test('too little history judges nothing and says so', () => {
    const short = [...Array(5)].map((_, i) => ({ at: at(i - 5), value: 3 }));
    const j = judgeBeforeAfter(signal(), { kind: 'count', history: short, post: [{ at: at(1), value: 30 }] });
    assert.equal(j.worse, false);
    assert.match(j.reason, /5 point\(s\) before the deploy: too few for a baseline/);
    assert.ok(signalJudgement.safeParse(j).success);
  });
});

describe('canary and cohort deploys', () => {
  /** Per-minute cohorts: 10 % of the traffic on the canary, a surge for everyone after minute 10, the canary's rate × effect. */
  function cohorts(seed: number, effect: number, minutes = 30) {
    const u = rng(seed);
    const canary: Point[] = [];
    const stable: Point[] = [];
    const canaryTraffic: Point[] = [];
    const stableTraffic: Point[] = [];
    for (let m = 0; m < minutes; m++) {
      const total = 1000 * (m >= 10 ? 2 : 1);
      const a = poisson(u, total * 0.1);
      const b = poisson(u, total * 0.9);
      canaryTraffic.push({ at: at(m), value: a });
      stableTraffic.push({ at: at(m), value: b });
      canary.push({ at: at(m), value: poisson(u, a * 0.01 * effect) });
      stable.push({ at: at(m), value: poisson(u, b * 0.01) });
    }
    return { canary, stable, canaryTraffic, stableTraffic };
  }
  const judge = (c: ReturnType<typeof cohorts>, upTo: number) =>
    judgeCohorts(
      signal(),
      'rate',
      { name: 'canary', points: c.canary.slice(0, upTo), traffic: c.canaryTraffic.slice(0, upTo) },
      { name: 'stable', points: c.stable.slice(0, upTo), traffic: c.stableTraffic.slice(0, upTo) },
    );

  test('a canary cohort whose error rate is three times the baseline cohort`s pulls the andon within a few looks', () => {
    const { look, last } = firstWorseLook(6, 5, (minutes) => judge(cohorts(51, 3), minutes));
    assert.ok(look >= 1 && look <= 2, `worse at look ${look}: ${last.reason}`);
    assert.equal(last.method, 'cohort');
    assert.ok((last.ratio ?? 0) > 2 && (last.ratio ?? 0) < 4.5, last.reason);
    assert.match(
      last.reason,
      /^the error rate \(events per request\) of cohort canary is \d\.\d\dx that of stable over \d+ minute\(s\) of both; e-value \S+ ≥ 100/,
    );
  });

  test('a canary cohort whose error rate equals the baseline cohort`s does not, through a traffic surge that doubles both', () => {
    for (const seed of [61, 62, 63]) {
      const { look, last } = firstWorseLook(6, 5, (minutes) => judge(cohorts(seed, 1), minutes));
      assert.equal(look, 0, last.reason);
    }
  });

  test('a canary whose latency is 1.5 times the baseline cohort`s is worse; one that is equal, or faster, is not; a slower canary of a lower-is-worse level is not', () => {
    const u = rng(71);
    const level = (effect: number, noise = 0.1) =>
      [...Array(30)].map((_, m) => ({ at: at(m), value: 200 * (1 + 0.3 * cycle(m * 30)) * effect * Math.exp(noise * normal(u)) }));
    const stable = level(1, 0.03);
    const run = (fresh: Point[], s = signal()) =>
      firstWorseLook(6, 5, (minutes) =>
        judgeCohorts(s, 'level', { name: 'canary', points: fresh.slice(0, minutes) }, { name: 'stable', points: stable.slice(0, minutes) }),
      ).look;
    assert.ok(run(level(1.5)) >= 1);
    assert.equal(run(level(1)), 0);
    assert.equal(run(level(0.7)), 0);
    assert.ok(run(level(0.5), signal({ worseWhen: 'lower' })) >= 1);
    assert.equal(run(level(1.5), signal({ worseWhen: 'lower' })), 0);
  });
});

describe('repeated looks', () => {
  test('on no-change series the watch pulls a false andon on about 1 % or fewer, looking every 5 minutes; a z-test repeated at every look does not stay there', async (t) => {
    // 150 error-rate series (traffic 50/min, 2 % errors, daily cycles, and a level that wanders: AR(1) on the
    // log rate, 0.99 per minute) with 3 days of history and 6 looks of 5 minutes after a deploy that changes nothing.
    const series = 150;
    let watch = 0;
    let zTest = 0;
    let cohort = 0;
    const minutes = 30;
    for (let s = 0; s < series; s++) {
      const u = rng(1000 + s * 7919);
      const phase = u() * 1440;
      let wander = 0;
      const traffic: number[] = [];
      const errors: number[] = [];
      for (let i = 0; i < HISTORY_MINUTES + minutes; i++) {
        wander = 0.99 * wander + 0.03 * normal(u);
        const c = Math.sin((2 * Math.PI * (i + phase)) / 1440);
        const t = Math.max(1, poisson(u, 50 * (1 + 0.5 * c)));
        traffic.push(t);
        errors.push(poisson(u, t * 0.02 * (1 + 0.2 * c) * Math.exp(wander)));
      }
      const points = (values: number[], from: number, to: number) =>
        values
          .slice(from, to)
          .map((value, k) => ({ at: new Date(DEPLOY_AT + (from + k - HISTORY_MINUTES) * MINUTE).toISOString(), value }));
      // The watch: the same functions `regression` runs, fitted once, the points since the deploy added look by look;
      // against the best reference and the last hour, the smaller e-value counting.
      const history = observations('rate', points(errors, 0, HISTORY_MINUTES), points(traffic, 0, HISTORY_MINUTES));
      const model = fitBaseline('rate', history);
      const best = bestReference(model, history);
      const references = [best, history.filter((o) => o.t >= model.end - RECENT_MINUTES * MINUTE)].filter(
        (r, i) => i === 0 || r.length < best.length,
      );
      const comparisons = references.map((r) => compare(model, r, { theta0: 1, components: worseComponents('higher') }));
      const logE = () => Math.min(...comparisons.map((x) => x.logE()));
      // The z-test it replaced: 30 minutes before the deploy, 4 standard errors and at least 20 % more, at every look.
      const pre = errors.slice(HISTORY_MINUTES - 30, HISTORY_MINUTES);
      const preMean = pre.reduce((a, b) => a + b, 0) / pre.length;
      const preSd = Math.sqrt(pre.reduce((a, b) => a + (b - preMean) ** 2, 0) / (pre.length - 1));
      // A canary on 10 % of the traffic with the same rate and the same wander.
      const canary: Point[] = [];
      const stable: Point[] = [];
      const canaryTraffic: Point[] = [];
      const stableTraffic: Point[] = [];
      let watched = false;
      let zed = false;
      let canaried = false;
      for (let k = 0; k < minutes; k++) {
        const i = HISTORY_MINUTES + k;
        for (const x of comparisons) x.add({ t: DEPLOY_AT + k * MINUTE, value: errors[i] as number, traffic: traffic[i] as number });
        const a = poisson(u, (traffic[i] as number) * 0.1 * 4);
        const b = poisson(u, (traffic[i] as number) * 0.9 * 4);
        const rate = 0.02 * Math.exp(wander);
        canaryTraffic.push({ at: at(k), value: a });
        stableTraffic.push({ at: at(k), value: b });
        canary.push({ at: at(k), value: poisson(u, a * rate) });
        stable.push({ at: at(k), value: poisson(u, b * rate) });
        if ((k + 1) % 5 !== 0) continue;
        if (logE() >= logThreshold(ALPHA.worse)) watched = true;
        const post = errors.slice(HISTORY_MINUTES, i + 1);
        const postMean = post.reduce((x, y) => x + y, 0) / post.length;
        const se = Math.max(preSd, preMean * 0.05, 1e-6) / Math.sqrt(post.length);
        if ((postMean - preMean) / se >= 4 && postMean > preMean * 1.2) zed = true;
        const judged = compareCohorts({
          kind: 'rate',
          fresh: canary,
          baseline: stable,
          freshTraffic: canaryTraffic,
          baselineTraffic: stableTraffic,
          components: worseComponents('higher'),
          alpha: ALPHA.worse,
        });
        if (judged.worse) canaried = true;
      }
      if (s === 0) {
        // The shortcut above is `regression` at the last look.
        const r = regression({
          kind: 'rate',
          history: points(errors, 0, HISTORY_MINUTES),
          post: points(errors, HISTORY_MINUTES, HISTORY_MINUTES + minutes),
          traffic: { history: points(traffic, 0, HISTORY_MINUTES), post: points(traffic, HISTORY_MINUTES, HISTORY_MINUTES + minutes) },
          recentMinutes: RECENT_MINUTES,
        });
        assert.ok(Math.abs(Math.log(r.eValue) - logE()) < 1e-9);
      }
      watch += watched ? 1 : 0;
      zTest += zed ? 1 : 0;
      cohort += canaried ? 1 : 0;
    }
    const share = (n: number) => n / series;
    await t.annotate(`false andons on ${series} no-change series: watch ${watch}, cohort test ${cohort}, repeated z-test ${zTest}`);
    assert.ok(share(watch) <= 0.015, `the watch: ${watch} of ${series}`);
    assert.ok(share(cohort) <= 0.015, `the cohort test: ${cohort} of ${series}`);
    assert.ok(share(zTest) >= 0.03 && zTest >= 3 * Math.max(watch, 1), `the repeated z-test: ${zTest} of ${series} (the watch ${watch})`);
  });
});

describe('what is watched, and which way is worse', () => {
  test("an alarm's comparison operator says which way is worse; the SNS notification carries it", () => {
    assert.equal(worseWhenOf('LessThanThreshold'), 'lower');
    assert.equal(worseWhenOf('LessThanOrEqualToThreshold'), 'lower');
    assert.equal(worseWhenOf('LessThanLowerThreshold'), 'lower');
    assert.equal(worseWhenOf('GreaterThanOrEqualToThreshold'), 'higher');
    assert.equal(worseWhenOf('LessThanLowerOrGreaterThanUpperThreshold'), 'higher');
    assert.equal(worseWhenOf(undefined), 'higher');
    const parsed = parseAlarmEvent(
      {
        AlarmName: 'prod-checkout-orders-low',
        NewStateValue: 'ALARM',
        OldStateValue: 'OK',
        StateChangeTime: '2026-03-04T06:00:00.000+0000',
        Trigger: {
          MetricName: 'Orders',
          Namespace: 'Shop/Checkout',
          Statistic: 'SUM',
          Period: 60,
          ComparisonOperator: 'LessThanThreshold',
          Threshold: 20,
        },
      },
      { tenantDimension: 'TenantId' },
    );
    assert.equal(parsed.outcome, 'accepted');
    assert.equal(parsed.outcome === 'accepted' ? parsed.signal.comparisonOperator : undefined, 'LessThanThreshold');
  });

  test("a code path's metrics say which way is worse and are read over its traffic metric; a lineage's alarm by its operator", () => {
    const config = parseConfig({
      githubRepository: 'acme/shop',
      watchedAlarms: { namePrefixes: ['prod-'] },
      codePaths: [
        {
          service: 'checkout',
          alarmNamePrefixes: ['prod-checkout-'],
          paths: ['services/checkout/**'],
          trafficMetric: { namespace: 'Shop/Checkout', metricName: 'Requests' },
          metrics: [
            { namespace: 'Shop/Checkout', metricName: 'Errors5xx', stat: 'Sum' },
            { namespace: 'Shop/Checkout', metricName: 'Orders', stat: 'Sum', worseWhen: 'lower' },
          ],
        },
      ],
    });
    const lineage = {
      lineageId: 'lin-1',
      alarmName: 'prod-checkout-orders-low',
      service: 'checkout',
      signal: {
        alarmName: 'prod-checkout-orders-low',
        metrics: [{ namespace: 'Shop/Checkout', metricName: 'Placed', stat: 'Sum', dimensions: {} }],
        comparisonOperator: 'LessThanThreshold',
      },
    } as unknown as Lineage;
    const watched = signalsToWatch({ config, rules: config.codePaths, lineages: [lineage], excludeLineages: [] });
    assert.deepEqual(
      watched.map((s) => [s.label, s.worseWhen]),
      [
        ['Shop/Checkout/Errors5xx', 'higher'],
        ['Shop/Checkout/Orders', 'lower'],
        ['prod-checkout-orders-low', 'lower'],
      ],
    );
    assert.ok(!('worseWhen' in (watched[1]?.metrics[0] ?? {})), 'the direction is not sent to CloudWatch');
    assert.equal(watched[0]?.rules.at(-1)?.traffic?.metricName, 'Requests');
  });

  test("a composite alarm lineage is watched through the child triage measured it by, in that child's direction", () => {
    const config = parseConfig({
      githubRepository: 'acme/shop',
      watchedAlarms: { namePrefixes: ['prod-'] },
      codePaths: [{ service: 'checkout', alarmNamePrefixes: ['prod-checkout-'], paths: ['services/checkout/**'] }],
    });
    const child = { namespace: 'Shop/Checkout', metricName: 'Placed', stat: 'Sum', dimensions: {} };
    const composite = {
      lineageId: 'lin-health',
      alarmName: 'prod-checkout-health',
      service: 'checkout',
      signal: { alarmName: 'prod-checkout-health', metrics: [] },
      measured: { alarmName: 'prod-checkout-orders-low', metrics: [child], comparisonOperator: 'LessThanThreshold' },
    } as unknown as Lineage;
    const watched = signalsToWatch({ config, rules: config.codePaths, lineages: [composite], excludeLineages: [] });
    assert.deepEqual(
      watched.map((s) => [s.label, s.metrics, s.worseWhen]),
      [['prod-checkout-health (through prod-checkout-orders-low)', [child], 'lower']],
    );
    // Before triage measured it, a composite has nothing to watch.
    const unmeasured = { ...composite, measured: undefined } as Lineage;
    assert.deepEqual(signalsToWatch({ config, rules: config.codePaths, lineages: [unmeasured], excludeLineages: [] }), []);
  });
});

describe('the texts of the andon cord', () => {
  const deploy: DeploySignal = {
    kind: 'deploy',
    source: 'custom',
    deployId: 'deploy-9',
    service: 'checkout',
    status: 'succeeded',
    at: at(0),
    prNumbers: [],
    changedPaths: [],
    dependencyChanges: [],
  };
  const judged = firstWorseLook(6, 5, rateLook(errorRate(21, { rateEffect: 2 }))).last;

  test('the revert pull request and the page carry the ratio to the trend-adjusted level, the e-value against its threshold and the points', () => {
    const facts = { deploy, judgements: [judged], prs: [], locks: [{ path: 'services/checkout/**' }], halted: [] };
    const body = renderRevertBody(facts, 'acme/shop');
    assert.match(body, /\| prod-checkout-5xx \| before \/ after \| 0\.0\d+ \| 0\.0\d+ \| \d\.\d\dx \| e-value \S+ ≥ 100 \| \d+ \/ \d+ \|/);
    assert.match(body, /at most 1%, however many looks/);
    const page = renderDeployAndonPage(facts).text;
    assert.match(
      page,
      /prod-checkout-5xx: 0\.0\d+ vs 0\.0\d+ per request \(\d\.\d\dx the trend-adjusted level before\), e-value \S+ ≥ 100, \d+ points after, \d+ before/,
    );
  });

  test('a judgement of an execution started before the mixture test still parses and renders (z in standard errors)', () => {
    const old = signalJudgement.parse({
      label: 'prod-checkout-5xx',
      method: 'before-after',
      worse: true,
      baselineMean: 20,
      currentMean: 41,
      z: 12.3,
      baselinePoints: 30,
      points: 10,
      reason: 'mean 41 over 10 points after the deploy vs 20 over 30 before: 12.3 standard errors, 2.05x',
    });
    const facts = { deploy, judgements: [old], prs: [], locks: [{ path: 'services/checkout/**' }], halted: [] };
    assert.match(
      renderRevertBody(facts, 'acme/shop'),
      /\| prod-checkout-5xx \| before \/ after \| 20 \| 41 \| 2\.05x \| 12\.3 standard errors \| 30 \/ 10 \|/,
    );
    assert.match(
      renderDeployAndonPage(facts).text,
      /prod-checkout-5xx: 41 vs 20 \(2\.05x\), 12\.3 standard errors, 10 points after, 30 before/,
    );
  });
});
