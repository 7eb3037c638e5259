/**
 * `npm run bench -- --only validation`: prodloop's "worse" test as deployed (the same functions
 * validate runs: fitBaseline, bestReference, comparisons, worseComponents, ALPHA, and
 * sinceDeployOrAnyHour over the 24 hours the benchmark looks) against
 *   (a) Wald's SPRT given the true parameters (the optimum no test beats on average), and
 *   (b) a fixed-horizon Mann-Whitney U test at 98% confidence over 60-minute intervals (Kayenta's default judge),
 * in one run on the same series: synthetic ones with known effects (error rate ×1.5, ×2, ×5 over traffic
 * of 10 to 10,000 requests per minute, latency +20%; with and without daily seasonality and a
 * pre-existing trend), real CloudWatch series from NAB (`nab/` of the real data, test/support/real-data.ts) with shifts
 * injected at a deploy time, and regressions that start 6 hours after the deploy (against the
 * comparison since the deploy alone and the SPRT started at the change). Method and figures:
 * docs/validation.md.
 *
 *   npm run bench -- --only validation -- [--quick] [--seed N] [--null N] [--effect N] [--workers W] [--json]
 *
 * Exits 0 once the figures are measured: a missed target is a finding, listed at the end.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { mulberry32, normal } from '#domain/shared/random';
import { median } from '#domain/shared/stats';
import { type BaselineModel, bestReference, fitBaseline, type Observation, type SignalKind } from '#domain/validation/baseline';
import { type Comparison, comparisons } from '#domain/validation/comparison';
import { sinceDeployOrAnyHour } from '#domain/validation/late-start';
import { logThreshold } from '#domain/validation/sequential';
import { ALPHA, worseComponents } from '#domain/validation/validate';
import { assertRealData, realDir } from '../../test/support/real-data.ts';

const NAB_DIR = realDir('nab');
const MINUTE = 60_000;
const HORIZON_MINUTES = 1440;
const TARGETS = { falseAndon: 0.01, powerX2: 0.95, ratioToSprt: 1.5, ratioToMwu: 1 / 3 } as const;

// ---------------------------------------------------------------------------------------------
// Options

function options() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      seed: { type: 'string', default: '1' },
      null: { type: 'string' },
      effect: { type: 'string' },
      'history-days': { type: 'string' },
      workers: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      [
        'usage: npm run bench -- --only validation -- [--quick] [--seed N] [--null N] [--effect N] [--history-days D] [--json]',
        '  --quick          fewer series and a 3-day history (a smoke run, not the published figures)',
        '  --seed N         seed of every synthetic series (default 1)',
        '  --null N         synthetic no-change series per condition (default 100)',
        '  --effect N       synthetic series per condition with an effect (default 30)',
        '  --history-days D history before the deploy the baseline is fitted on (default 7, as deployed)',
        '  --workers W      threads the series are shared among (default: the cores; the figures do not depend on it)',
        '  --json           print every figure as JSON',
        '',
      ].join('\n'),
    );
    process.exit(0);
  }
  const int = (name: string, text: string | undefined, fallback: number) => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${text}"`);
    return n;
  };
  return {
    seed: int('seed', values.seed, 1),
    nullReplicates: int('null', values.null, values.quick ? 30 : 100),
    effectReplicates: int('effect', values.effect, values.quick ? 10 : 30),
    historyDays: int('history-days', values['history-days'], values.quick ? 3 : 7),
    workers: int('workers', values.workers, availableParallelism()),
    json: values.json,
  };
}

// ---------------------------------------------------------------------------------------------
// Random numbers (seeded, so every run measures the same series)

type Rng = () => number;

/** A generator seeded by the keys of one series (FNV-style mixing of the keys, then mulberry32). */
function rngFrom(...keys: number[]): Rng {
  let h = 0x811c9dc5;
  for (const k of keys) h = Math.imul(h ^ (k | 0), 0x01000193) ^ Math.imul(k * 1000003, 0x9e3779b1);
  return mulberry32(h);
}

function logFactorial(k: number): number {
  if (k < 2) return 0;
  if (k < 20) {
    let s = 0;
    for (let i = 2; i <= k; i++) s += Math.log(i);
    return s;
  }
  const n = k + 1;
  return (n - 0.5) * Math.log(n) - n + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * n) - 1 / (360 * n ** 3);
}

/** Poisson draws: multiplication for small means, Hörmann's PTRS (exact) for large ones. */
function poisson(rng: Rng, lambda: number): number {
  if (!(lambda > 0)) return 0;
  if (lambda < 30) {
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = rng();
    while (p > limit) {
      k++;
      p *= rng();
    }
    return k;
  }
  const slam = Math.sqrt(lambda);
  const loglam = Math.log(lambda);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = rng() - 0.5;
    const v = rng();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - logFactorial(k)) return k;
  }
}

// ---------------------------------------------------------------------------------------------
// Series

interface Series {
  readonly group: 'rate' | 'latency' | 'nab';
  readonly condition: string;
  readonly effect: number;
  /** How prodloop reads it. */
  readonly kind: SignalKind;
  readonly history: readonly Observation[];
  readonly post: readonly Observation[];
  readonly periodMinutes: number;
  /** Per post-deploy point, the SPRT's log-likelihood-ratio increment under the true parameters (alternative = the effect, ×2 on no-change series). */
  readonly oracle: Float64Array;
  /** The values the Mann-Whitney test compares (error ratio per period for rates): the hour before the deploy, and after. */
  readonly mwuRef: readonly number[];
  readonly mwuPost: readonly number[];
}

interface Shape {
  readonly name: string;
  readonly seasonal: boolean;
  readonly trend: boolean;
}

const SHAPES: readonly Shape[] = [
  { name: 'flat', seasonal: false, trend: false },
  { name: 'daily cycle', seasonal: true, trend: false },
  { name: 'falling trend', seasonal: false, trend: true },
  { name: 'cycle + trend', seasonal: true, trend: true },
];
const TRAFFIC = [10, 100, 1000, 10_000];
const RATE_EFFECTS = [1, 1.5, 2, 5];
const LATENCY_EFFECTS = [1, 1.2];
/** Base error rate, daily amplitudes, and the pre-existing trend (−0.5 %/h, about −11 % a day, continuing after the deploy). */
const ERROR_RATE = 0.01;
const TRAFFIC_CYCLE = 0.5;
const RATE_CYCLE = 0.2;
const LATENCY_CYCLE = 0.15;
const TREND_PER_HOUR = -0.005;
const LATENCY_MS = 200;
/** Noise of a per-minute p99 latency: fewer requests make a noisier quantile. */
const latencySigma = (trafficPerMinute: number) => 0.05 + 0.5 / Math.sqrt(trafficPerMinute);

const EPOCH = Date.parse('2026-01-05T00:00:00Z');

function synthetic(
  group: 'rate' | 'latency',
  traffic: number,
  effect: number,
  shape: Shape,
  replicate: number,
  seed: number,
  historyDays: number,
  /** Minutes after the deploy the effect starts (0: at the deploy). */
  startMinutes = 0,
): Series {
  const keys = [seed, group === 'rate' ? 1 : 2, traffic, Math.round(effect * 100), SHAPES.indexOf(shape), replicate];
  const rng = rngFrom(...keys, ...(startMinutes > 0 ? [startMinutes] : []));
  const historyMinutes = historyDays * 1440;
  const deploy = EPOCH + 14 * 1440 * MINUTE + Math.floor(rng() * 1440) * MINUTE;
  const cycle = (t: number, amplitude: number, phase: number) =>
    shape.seasonal ? 1 + amplitude * Math.sin((2 * Math.PI * (t - EPOCH)) / (1440 * MINUTE) + phase) : 1;
  const trend = (t: number) => (shape.trend ? Math.exp((TREND_PER_HOUR * (t - deploy)) / (60 * MINUTE)) : 1);
  const history: Observation[] = [];
  const post: Observation[] = [];
  const oracle = new Float64Array(HORIZON_MINUTES);
  const mwuRef: number[] = [];
  const mwuPost: number[] = [];
  const theta = effect === 1 ? 2 : effect;
  const sigma = latencySigma(traffic);
  const delta = Math.log(theta);
  for (let i = -historyMinutes; i < HORIZON_MINUTES; i++) {
    const t = deploy + i * MINUTE;
    const after = i >= 0;
    const changed = i >= startMinutes;
    let o: Observation;
    let increment = 0;
    let mwuValue: number;
    if (group === 'rate') {
      const n = poisson(rng, traffic * cycle(t, TRAFFIC_CYCLE, 0));
      const p = ERROR_RATE * cycle(t, RATE_CYCLE, 1) * trend(t);
      const mu = n * p;
      const e = poisson(rng, mu * (changed ? effect : 1));
      o = { t, value: e, traffic: n };
      increment = e * Math.log(theta) - (theta - 1) * mu;
      mwuValue = n > 0 ? e / n : 0;
    } else {
      const mu0 = Math.log(LATENCY_MS * cycle(t, LATENCY_CYCLE, 2) * trend(t));
      const x = mu0 + (changed ? Math.log(effect) : 0) + sigma * normal(rng);
      o = { t, value: Math.exp(x) };
      increment = (delta / (sigma * sigma)) * (x - mu0 - delta / 2);
      mwuValue = o.value;
    }
    if (after) {
      post.push(o);
      oracle[i] = increment;
      mwuPost.push(mwuValue);
    } else {
      history.push(o);
      if (i >= -60) mwuRef.push(mwuValue);
    }
  }
  const what = `${group === 'rate' ? 'errors' : 'latency'} ×${effect}${startMinutes > 0 ? ` from ${startMinutes / 60} h after the deploy` : ''}`;
  return {
    group,
    condition: `${what} · ${traffic} req/min · ${shape.name}`,
    effect,
    kind: group === 'rate' ? 'rate' : 'level',
    history,
    post,
    periodMinutes: 1,
    oracle,
    mwuRef,
    mwuPost,
  };
}

const NAB_FILES: readonly { readonly name: string; readonly kind: SignalKind }[] = [
  { name: 'ec2_cpu_utilization_24ae8d', kind: 'level' },
  { name: 'ec2_cpu_utilization_5f5533', kind: 'level' },
  { name: 'ec2_cpu_utilization_825cc2', kind: 'level' },
  { name: 'ec2_cpu_utilization_c6585a', kind: 'level' },
  { name: 'ec2_network_in_257a54', kind: 'level' },
  { name: 'elb_request_count_8c0756', kind: 'count' },
  { name: 'iio_us-east-1_i-a2eb1cd9_NetworkIn', kind: 'level' },
  { name: 'rds_cpu_utilization_e47b3b', kind: 'level' },
];
const NAB_EFFECTS = [1, 1.2, 1.5, 2];

function* nabSeries(historyDays: number): Generator<Series> {
  const windows = JSON.parse(readFileSync(join(NAB_DIR, 'nab_windows_realAWSCloudwatch.json'), 'utf8')) as Record<
    string,
    [string, string][]
  >;
  const utc = (s: string) => Date.parse(`${s.trim().replace(' ', 'T').slice(0, 19)}Z`);
  for (const file of NAB_FILES) {
    const rows = readFileSync(join(NAB_DIR, `nab_${file.name}.csv`), 'utf8')
      .trim()
      .split('\n')
      .slice(1);
    const points = rows.map((r) => {
      const [ts, v] = r.split(',');
      return { t: utc(ts ?? ''), value: Number(v) };
    });
    const period = 5;
    const perDay = 1440 / period;
    const horizon = HORIZON_MINUTES / period;
    const anomalies = (windows[`realAWSCloudwatch/${file.name}.csv`] ?? []).map(([a, b]) => [utc(a), utc(b)] as const);
    for (let d = 3 * perDay; d + horizon <= points.length; d += perDay / 4) {
      const deployAt = points[d]?.t ?? 0;
      // No-change ground truth: no labelled anomaly from 6 hours before the deploy to the end of the horizon.
      if (anomalies.some(([a, b]) => a < deployAt + HORIZON_MINUTES * MINUTE && b > deployAt - 360 * MINUTE)) continue;
      const history = points.slice(Math.max(0, d - historyDays * perDay), d);
      const lastDay = history.slice(-perDay);
      const positives = lastDay.map((p) => p.value).filter((v) => v > 0);
      const offset = lastDay.some((p) => p.value <= 0) ? 0.01 * (positives.sort((x, y) => x - y)[positives.length >> 1] ?? 1) : 0;
      const logs = lastDay.map((p) => Math.log(Math.max(p.value, 0) + offset));
      const mu0 = logs.reduce((a, b) => a + b, 0) / logs.length;
      const var0 = logs.reduce((a, b) => a + (b - mu0) ** 2, 0) / (logs.length - 1);
      for (const effect of NAB_EFFECTS) {
        const scale = (v: number) => (file.kind === 'count' ? Math.round(v * effect) : v * effect);
        const post = points.slice(d, d + horizon).map((p) => ({ t: p.t, value: scale(p.value) }));
        const delta = Math.log(effect === 1 ? 2 : effect);
        const oracle = Float64Array.from(post.map((p) => (delta / var0) * (Math.log(Math.max(p.value, 0) + offset) - mu0 - delta / 2)));
        yield {
          group: 'nab',
          condition: `${file.name} ×${effect}`,
          effect,
          kind: file.kind,
          history,
          post,
          periodMinutes: period,
          oracle,
          mwuRef: history.slice(-60 / period).map((p) => p.value),
          mwuPost: post.map((p) => p.value),
        };
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The three tests

interface Run {
  readonly group: Series['group'];
  readonly condition: string;
  readonly effect: number;
  /** Minutes to a "worse" verdict (Infinity: none within the horizon). */
  readonly prodloop: number;
  /** The same test looking every 5 minutes (the deployed look interval). */
  readonly prodloop5: number;
  /** The same test with only the hour before the deploy as its reference (a fix judged during an incident). */
  readonly prodloopHour: number;
  readonly sprt: number;
  readonly mwu: number;
  readonly mwuFirstInterval: boolean;
}

/**
 * prodloop's "worse" as validation runs it (evaluate, regression with lateStarts): the comparison
 * since the deploy and one started at each full hour after it, weighted (late-start.ts), over the
 * horizon the benchmark looks (24 h).
 */
function worseTest(s: Series, model: BaselineModel, reference: readonly Observation[]): Comparison {
  return sinceDeployOrAnyHour(comparisons(model, reference, { theta0: 1, components: worseComponents() }), deployAt(s), HORIZON_MINUTES);
}

/** When the deploy finished: the first post-deploy point. */
const deployAt = (s: Series) => (s.post[0] as Observation).t;

function prodloopWorse(s: Series): { every: number; five: number; hour: number } {
  const model = fitBaseline(s.kind, s.history);
  const threshold = logThreshold(ALPHA.worse);
  const full = worseTest(s, model, bestReference(model, s.history));
  const hour = worseTest(s, model, s.history.slice(-Math.max(1, Math.round(60 / s.periodMinutes))));
  let every = Number.POSITIVE_INFINITY;
  let five = Number.POSITIVE_INFINITY;
  let hourTtv = Number.POSITIVE_INFINITY;
  for (let j = 0; j < s.post.length; j++) {
    const o = s.post[j] as Observation;
    const minute = (j + 1) * s.periodMinutes;
    if (!Number.isFinite(every) || !Number.isFinite(five)) {
      full.add(o);
      const crossed = full.logE() >= threshold;
      if (crossed && !Number.isFinite(every)) every = minute;
      if (crossed && minute % 5 === 0 && !Number.isFinite(five)) five = minute;
    }
    if (!Number.isFinite(hourTtv)) {
      hour.add(o);
      if (hour.logE() >= threshold) hourTtv = minute;
    }
    if (Number.isFinite(every) && Number.isFinite(five) && Number.isFinite(hourTtv)) break;
  }
  return { every, five, hour: hourTtv };
}

/**
 * Wald's SPRT with the true null and alternative, α = 1 % (as prodloop's "worse"), β = 5 %, started
 * `from` points after the deploy (the true change point of a late-starting regression).
 */
function sprtWorse(s: Series, from = 0): number {
  const upper = Math.log((1 - 0.05) / ALPHA.worse);
  const lower = Math.log(0.05 / (1 - ALPHA.worse));
  let llr = 0;
  for (let j = from; j < s.oracle.length; j++) {
    llr += s.oracle[j] as number;
    if (llr >= upper) return (j + 1) * s.periodMinutes;
    if (llr <= lower) return Number.POSITIVE_INFINITY;
  }
  return Number.POSITIVE_INFINITY;
}

/** Mann-Whitney z (normal approximation with the tie correction) of b against a: positive when b is larger. */
function mannWhitneyZ(a: readonly number[], b: readonly number[]): number {
  const all = [...a.map((v) => ({ v, g: 0 })), ...b.map((v) => ({ v, g: 1 }))].sort((x, y) => x.v - y.v);
  const n = all.length;
  let rankB = 0;
  let ties = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && (all[j + 1] as { v: number }).v === (all[i] as { v: number }).v) j++;
    const rank = (i + j) / 2 + 1;
    const t = j - i + 1;
    ties += t ** 3 - t;
    for (let k = i; k <= j; k++) if ((all[k] as { g: number }).g === 1) rankB += rank;
    i = j + 1;
  }
  const n1 = b.length;
  const n2 = a.length;
  const u = rankB - (n1 * (n1 + 1)) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - ties / (n * (n - 1)));
  return variance > 0 ? (u - (n1 * n2) / 2) / Math.sqrt(variance) : 0;
}

/**
 * Kayenta's default judge: each 60-minute interval against the hour before the deploy, two-sided at
 * 98 % confidence; from interval `from` on (each interval is a test of its own).
 */
function mwuWorse(s: Series, from = 0): { ttv: number; first: boolean } {
  const size = Math.round(60 / s.periodMinutes);
  const critical = 2.326; // two-sided 98 %
  for (let k = from; (k + 1) * size <= s.mwuPost.length; k++) {
    const z = mannWhitneyZ(s.mwuRef, s.mwuPost.slice(k * size, (k + 1) * size));
    if (z > critical) return { ttv: (k + 1) * 60, first: k === 0 };
  }
  return { ttv: Number.POSITIVE_INFINITY, first: false };
}

function run(s: Series): Run {
  const p = prodloopWorse(s);
  const m = mwuWorse(s);
  return {
    group: s.group,
    condition: s.condition,
    effect: s.effect,
    prodloop: p.every,
    prodloop5: p.five,
    prodloopHour: p.hour,
    sprt: sprtWorse(s),
    mwu: m.ttv,
    mwuFirstInterval: m.first,
  };
}

// ---------------------------------------------------------------------------------------------
// Regressions that start hours after the deploy (a leak, a cache that fills, a nightly job)

const LATE_START_MINUTES = 360;
const LATE_TRAFFIC = [100, 1000];
const LATE_SHAPES = SHAPES.filter((shape) => !shape.trend);
const LATE_EFFECTS = [
  { group: 'rate', effect: 2 },
  { group: 'latency', effect: 1.2 },
] as const;

/** Minutes after the deploy to the first "worse" of each test (Infinity: none within the horizon). */
interface LateRun {
  readonly condition: string;
  /** prodloop's "worse" as deployed (since the deploy or any later hour), looking every minute, and every 5 minutes. */
  readonly prodloop: number;
  readonly prodloop5: number;
  /** The comparison since the deploy alone (the test before late starts), looking every minute. */
  readonly sinceDeploy: number;
  /** Wald's SPRT with the true parameters started at the true change point. */
  readonly sprt: number;
  /** The first significant Mann-Whitney hour from the change on, and whether one before it was significant. */
  readonly mwu: number;
  readonly mwuBefore: boolean;
}

function lateRun(s: Series, startMinutes: number): LateRun {
  const model = fitBaseline(s.kind, s.history);
  const threshold = logThreshold(ALPHA.worse);
  const make = comparisons(model, bestReference(model, s.history), { theta0: 1, components: worseComponents() });
  const deployed = sinceDeployOrAnyHour(make, deployAt(s), HORIZON_MINUTES);
  const alone = make();
  let every = Number.POSITIVE_INFINITY;
  let five = Number.POSITIVE_INFINITY;
  let sinceDeploy = Number.POSITIVE_INFINITY;
  for (let j = 0; j < s.post.length; j++) {
    const o = s.post[j] as Observation;
    const minute = (j + 1) * s.periodMinutes;
    if (!Number.isFinite(five)) {
      deployed.add(o);
      const crossed = deployed.logE() >= threshold;
      if (crossed && !Number.isFinite(every)) every = minute;
      if (crossed && minute % 5 === 0) five = minute;
    }
    if (!Number.isFinite(sinceDeploy)) {
      alone.add(o);
      if (alone.logE() >= threshold) sinceDeploy = minute;
    }
    if (Number.isFinite(five) && Number.isFinite(sinceDeploy)) break;
  }
  const mwu = mwuWorse(s, Math.round(startMinutes / 60));
  const mwuAny = mwuWorse(s).ttv;
  return {
    condition: s.condition,
    prodloop: every,
    prodloop5: five,
    sinceDeploy,
    sprt: sprtWorse(s, Math.round(startMinutes / s.periodMinutes)),
    mwu: mwu.ttv,
    mwuBefore: mwuAny <= startMinutes,
  };
}

interface LateFigures {
  readonly condition: string;
  readonly series: number;
  readonly startMinutes: number;
  /** Share of series with a "worse" before the regression started (a false andon). */
  readonly before: { readonly prodloop: number; readonly sinceDeploy: number; readonly mwu: number };
  /** Share of series caught after the start, within the horizon (24 h after the deploy). */
  readonly caught: { readonly prodloop: number; readonly sinceDeploy: number; readonly sprt: number; readonly mwu: number };
  /**
   * Median minutes from the start to "worse", over the series with none before it (Infinity when
   * fewer than half are caught).
   */
  readonly median: {
    readonly prodloop: number;
    readonly prodloop5: number;
    readonly sinceDeploy: number;
    readonly sprt: number;
    readonly mwu: number;
  };
}

function lateFigures(runs: readonly LateRun[], startMinutes: number): LateFigures[] {
  const byCondition = new Map<string, LateRun[]>();
  for (const r of runs) byCondition.set(r.condition, [...(byCondition.get(r.condition) ?? []), r]);
  return [...byCondition.values()].map((rs) => {
    const before = (at: number) => at <= startMinutes;
    const after = (pick: (r: LateRun) => number) => rs.map(pick).filter((at) => !before(at));
    const fromStart = (pick: (r: LateRun) => number) => median(after(pick).map((at) => at - startMinutes));
    const caughtShare = (pick: (r: LateRun) => number) => share(after(pick).map(caught));
    return {
      condition: (rs[0] as LateRun).condition,
      series: rs.length,
      startMinutes,
      before: {
        prodloop: share(rs.map((r) => before(r.prodloop))),
        sinceDeploy: share(rs.map((r) => before(r.sinceDeploy))),
        mwu: share(rs.map((r) => r.mwuBefore)),
      },
      caught: {
        prodloop: caughtShare((r) => r.prodloop),
        sinceDeploy: caughtShare((r) => r.sinceDeploy),
        sprt: caughtShare((r) => r.sprt),
        mwu: caughtShare((r) => r.mwu),
      },
      median: {
        prodloop: fromStart((r) => r.prodloop),
        prodloop5: fromStart((r) => r.prodloop5),
        sinceDeploy: fromStart((r) => r.sinceDeploy),
        sprt: fromStart((r) => r.sprt),
        mwu: fromStart((r) => r.mwu),
      },
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Figures

const share = (xs: readonly boolean[]) => (xs.length ? xs.filter(Boolean).length / xs.length : Number.NaN);
const caught = (x: number) => Number.isFinite(x);

interface ConditionFigures {
  readonly group: Series['group'];
  readonly condition: string;
  readonly effect: number;
  readonly series: number;
  /** No-change conditions: share with a "worse" verdict within 24 h. Effect conditions: share caught within 24 h. */
  readonly prodloop: number;
  readonly prodloop5: number;
  readonly prodloopHour: number;
  readonly sprt: number;
  readonly mwu: number;
  readonly mwuFirstInterval: number;
  /** Median minutes to "worse" (Infinity when fewer than half are caught). */
  readonly medianProdloop: number;
  readonly medianProdloop5: number;
  readonly medianProdloopHour: number;
  readonly medianSprt: number;
  readonly medianMwu: number;
  readonly ratioToSprt: number;
  readonly ratioToMwu: number;
}

function figures(runs: readonly Run[]): ConditionFigures[] {
  const byCondition = new Map<string, Run[]>();
  for (const r of runs) byCondition.set(r.condition, [...(byCondition.get(r.condition) ?? []), r]);
  return [...byCondition.values()].map((rs) => {
    const first = rs[0] as Run;
    const m = (pick: (r: Run) => number) => median(rs.map(pick));
    const medianProdloop = m((r) => r.prodloop);
    const medianSprt = m((r) => r.sprt);
    const medianMwu = m((r) => r.mwu);
    return {
      group: first.group,
      condition: first.condition,
      effect: first.effect,
      series: rs.length,
      prodloop: share(rs.map((r) => caught(r.prodloop))),
      prodloop5: share(rs.map((r) => caught(r.prodloop5))),
      prodloopHour: share(rs.map((r) => caught(r.prodloopHour))),
      sprt: share(rs.map((r) => caught(r.sprt))),
      mwu: share(rs.map((r) => caught(r.mwu))),
      mwuFirstInterval: share(rs.map((r) => r.mwuFirstInterval)),
      medianProdloop,
      medianProdloop5: m((r) => r.prodloop5),
      medianProdloopHour: m((r) => r.prodloopHour),
      medianSprt,
      medianMwu,
      // A ratio only where both catch at least half (a median is Infinity otherwise).
      ratioToSprt: Number.isFinite(medianSprt) ? medianProdloop / medianSprt : Number.NaN,
      ratioToMwu: Number.isFinite(medianMwu) ? medianProdloop / medianMwu : Number.NaN,
    };
  });
}

interface Summary {
  readonly falseAndon: {
    readonly rate: number;
    readonly series: number;
    readonly byGroup: Record<string, { rate: number; series: number }>;
  };
  readonly falseAndon5: number;
  readonly falseAndonSprt: number;
  readonly falseAndonMwu: number;
  readonly powerX2: { readonly rate: number; readonly series: number; readonly byGroup: Record<string, { rate: number; series: number }> };
  /** Over synthetic effect conditions where both medians are finite: the median and the largest ratio. */
  readonly ratioToSprt: { readonly median: number; readonly max: number; readonly conditions: number; readonly met: number };
  /** The same over NAB, against a plug-in SPRT (not an optimum: the true parameters of real series are unknown). */
  readonly ratioToPlugInSprt: { readonly median: number; readonly max: number; readonly conditions: number; readonly met: number };
  readonly ratioToMwu: { readonly median: number; readonly max: number; readonly conditions: number; readonly met: number };
  readonly pairedRatioToSprt: number;
  readonly missed: string[];
}

function summarize(runs: readonly Run[], conditions: readonly ConditionFigures[]): Summary {
  const nulls = runs.filter((r) => r.effect === 1);
  const groups = [...new Set(runs.map((r) => r.group))];
  const rateOf = (rs: readonly Run[], pick: (r: Run) => number) => share(rs.map((r) => caught(pick(r))));
  const byGroup = (rs: readonly Run[]) =>
    Object.fromEntries(
      groups.map((g) => {
        const gs = rs.filter((r) => r.group === g);
        return [g, { rate: rateOf(gs, (r) => r.prodloop), series: gs.length }];
      }),
    );
  const x2 = runs.filter((r) => r.effect === 2);
  const effects = conditions.filter((c) => c.effect > 1);
  // The SPRT is the optimum only where the true parameters are known: on synthetic series. On NAB
  // it is a plug-in (the last day's mean and spread), reported but not scored against the target.
  const synthetic = effects.filter((c) => c.group !== 'nab');
  const ratio = (pick: (c: ConditionFigures) => number, target: number, among = effects) => {
    const rs = among.map(pick).filter((x) => Number.isFinite(x) && x > 0);
    return {
      median: median(rs),
      max: rs.length ? Math.max(...rs) : Number.NaN,
      conditions: rs.length,
      met: rs.filter((x) => x <= target).length,
    };
  };
  const paired = runs
    .filter((r) => r.group !== 'nab' && r.effect > 1 && caught(r.prodloop) && caught(r.sprt))
    .map((r) => r.prodloop / r.sprt);
  const summary: Omit<Summary, 'missed'> = {
    falseAndon: { rate: rateOf(nulls, (r) => r.prodloop), series: nulls.length, byGroup: byGroup(nulls) },
    falseAndon5: rateOf(nulls, (r) => r.prodloop5),
    falseAndonSprt: rateOf(nulls, (r) => r.sprt),
    falseAndonMwu: rateOf(nulls, (r) => r.mwu),
    powerX2: { rate: rateOf(x2, (r) => r.prodloop), series: x2.length, byGroup: byGroup(x2) },
    ratioToSprt: ratio((c) => c.ratioToSprt, TARGETS.ratioToSprt, synthetic),
    ratioToPlugInSprt: ratio(
      (c) => c.ratioToSprt,
      TARGETS.ratioToSprt,
      effects.filter((c) => c.group === 'nab'),
    ),
    ratioToMwu: ratio((c) => c.ratioToMwu, TARGETS.ratioToMwu),
    pairedRatioToSprt: median(paired),
  };
  const missed: string[] = [];
  if (!(summary.falseAndon.rate <= TARGETS.falseAndon))
    missed.push(`false andon rate ${pct(summary.falseAndon.rate)} > ${pct(TARGETS.falseAndon)} on no-change series`);
  if (!(summary.powerX2.rate >= TARGETS.powerX2))
    missed.push(`×2 regressions caught ${pct(summary.powerX2.rate)} < ${pct(TARGETS.powerX2)}`);
  if (summary.ratioToSprt.met < summary.ratioToSprt.conditions)
    missed.push(
      `median time to worse ≤ ${TARGETS.ratioToSprt}× the SPRT optimum in ${summary.ratioToSprt.met} of ${summary.ratioToSprt.conditions} synthetic effect conditions (largest ${summary.ratioToSprt.max.toFixed(2)}×)`,
    );
  if (summary.ratioToMwu.met < summary.ratioToMwu.conditions)
    missed.push(
      `median time to worse ≤ one third of the fixed-horizon test's in ${summary.ratioToMwu.met} of ${summary.ratioToMwu.conditions} conditions where that test catches half (largest ${summary.ratioToMwu.max.toFixed(2)}×)`,
    );
  return { ...summary, missed };
}

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(x < 0.1 && x > 0 ? 2 : 1)} %` : '—');
const mins = (x: number) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : `${+x.toFixed(1)}`) : '—');
const times = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '—');

function renderText(
  conditions: readonly ConditionFigures[],
  summary: Summary,
  late: readonly LateFigures[],
  meta: Record<string, unknown>,
): string {
  const out: string[] = [];
  out.push(`Validation benchmark · ${JSON.stringify(meta)}`);
  for (const group of ['rate', 'latency', 'nab'] as const) {
    const cs = conditions.filter((c) => c.group === group);
    if (!cs.length) continue;
    out.push(
      '',
      `## ${group === 'rate' ? 'Error rate (counts over traffic)' : group === 'latency' ? 'Latency (per-minute p99)' : 'NAB real CloudWatch series, shifts injected'}`,
      '',
    );
    out.push('No change (share with a false "worse" within 24 h):', '');
    out.push(
      '| condition | series | prodloop | prodloop, 5-min looks | prodloop, 1-h reference | SPRT (×2 alt.) | MWU any hour | MWU first hour |',
    );
    out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const c of cs.filter((x) => x.effect === 1))
      out.push(
        `| ${c.condition} | ${c.series} | ${pct(c.prodloop)} | ${pct(c.prodloop5)} | ${pct(c.prodloopHour)} | ${pct(c.sprt)} | ${pct(c.mwu)} | ${pct(c.mwuFirstInterval)} |`,
      );
    out.push('', 'Effect (caught within 24 h; median minutes to "worse"; ratio of medians):', '');
    out.push(
      '| condition | series | caught | median min | SPRT caught | SPRT median | MWU caught | MWU median | ÷ SPRT | ÷ MWU | 5-min looks median | 1-h reference median |',
    );
    out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const c of cs.filter((x) => x.effect > 1))
      out.push(
        `| ${c.condition} | ${c.series} | ${pct(c.prodloop)} | ${mins(c.medianProdloop)} | ${pct(c.sprt)} | ${mins(c.medianSprt)} | ${pct(c.mwu)} | ${mins(c.medianMwu)} | ${times(c.ratioToSprt)} | ${times(c.ratioToMwu)} | ${mins(c.medianProdloop5)} | ${mins(c.medianProdloopHour)} |`,
      );
  }
  if (late.length) {
    const start = (late[0] as LateFigures).startMinutes;
    out.push(
      '',
      `## Regressions starting ${start / 60} h after the deploy`,
      '',
      `Median minutes from the start to "worse" (over series with none before it; — when fewer than half are caught within 24 h of the deploy). prodloop: as deployed (since the deploy or any later hour); since the deploy: that comparison alone; SPRT: true parameters, started at the change; MWU: the first significant hour from the change on.`,
      '',
    );
    out.push(
      '| condition | series | prodloop | prodloop, 5-min looks | since the deploy alone | SPRT at the change | MWU | caught: prodloop / since deploy / SPRT / MWU | "worse" before the start: prodloop / since deploy / MWU |',
    );
    out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |');
    for (const c of late)
      out.push(
        `| ${c.condition} | ${c.series} | ${mins(c.median.prodloop)} | ${mins(c.median.prodloop5)} | ${mins(c.median.sinceDeploy)} | ${mins(c.median.sprt)} | ${mins(c.median.mwu)} | ${[c.caught.prodloop, c.caught.sinceDeploy, c.caught.sprt, c.caught.mwu].map(pct).join(' / ')} | ${[c.before.prodloop, c.before.sinceDeploy, c.before.mwu].map(pct).join(' / ')} |`,
      );
  }
  out.push('', '## Against the targets', '');
  const g = (r: Record<string, { rate: number; series: number }>) =>
    Object.entries(r)
      .filter(([, v]) => v.series > 0)
      .map(([k, v]) => `${k} ${pct(v.rate)} of ${v.series}`)
      .join(', ');
  out.push(
    `- false andon rate on no-change series: ${pct(summary.falseAndon.rate)} of ${summary.falseAndon.series} (${g(summary.falseAndon.byGroup)}); target ≤ ${pct(TARGETS.falseAndon)}. With 5-min looks ${pct(summary.falseAndon5)}; SPRT ${pct(summary.falseAndonSprt)}; MWU over 24 hourly intervals ${pct(summary.falseAndonMwu)}`,
  );
  out.push(
    `- ×2 regressions caught within 24 h: ${pct(summary.powerX2.rate)} of ${summary.powerX2.series} (${g(summary.powerX2.byGroup)}); target ≥ ${pct(TARGETS.powerX2)}`,
  );
  out.push(
    `- median time to worse ÷ SPRT optimum (synthetic series, true parameters): median ${times(summary.ratioToSprt.median)}, largest ${times(summary.ratioToSprt.max)}, ≤ ${TARGETS.ratioToSprt}× in ${summary.ratioToSprt.met} of ${summary.ratioToSprt.conditions} effect conditions; paired per series ${times(summary.pairedRatioToSprt)}. On NAB against a plug-in SPRT (not an optimum): median ${times(summary.ratioToPlugInSprt.median)}, ≤ ${TARGETS.ratioToSprt}× in ${summary.ratioToPlugInSprt.met} of ${summary.ratioToPlugInSprt.conditions}`,
  );
  out.push(
    `- median time to worse ÷ fixed-horizon MWU: median ${times(summary.ratioToMwu.median)}, largest ${times(summary.ratioToMwu.max)}, ≤ 1/3 in ${summary.ratioToMwu.met} of ${summary.ratioToMwu.conditions} conditions where MWU catches half`,
  );
  out.push('', summary.missed.length ? `Missed targets:\n${summary.missed.map((m) => `- ${m}`).join('\n')}` : 'All targets met.');
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Jobs: every series is measured on its own, so they are shared among threads (each series is
// generated from its own seed where it is measured: the figures do not depend on the threads).

type Options = ReturnType<typeof options>;
type Job =
  | {
      readonly kind: 'synthetic' | 'late';
      readonly group: 'rate' | 'latency';
      readonly traffic: number;
      readonly effect: number;
      readonly shape: number;
      readonly replicate: number;
    }
  | { readonly kind: 'nab'; readonly index: number };
type Result = { readonly kind: 'run'; readonly run: Run } | { readonly kind: 'late'; readonly run: LateRun };

function jobs(opts: Options): Job[] {
  const out: Job[] = [];
  for (const group of ['rate', 'latency'] as const)
    for (const traffic of TRAFFIC)
      for (const effect of group === 'rate' ? RATE_EFFECTS : LATENCY_EFFECTS)
        for (const [shape] of SHAPES.entries()) {
          const n = effect === 1 ? opts.nullReplicates : opts.effectReplicates;
          for (let replicate = 0; replicate < n; replicate++) out.push({ kind: 'synthetic', group, traffic, effect, shape, replicate });
        }
  let index = 0;
  for (const _ of nabSeries(opts.historyDays)) out.push({ kind: 'nab', index: index++ });
  for (const { group, effect } of LATE_EFFECTS)
    for (const traffic of LATE_TRAFFIC)
      for (const shape of LATE_SHAPES)
        for (let replicate = 0; replicate < opts.effectReplicates; replicate++)
          out.push({ kind: 'late', group, traffic, effect, shape: SHAPES.indexOf(shape), replicate });
  return out;
}

function measurer(opts: Options): (job: Job) => Result {
  let nab: Series[] | undefined;
  return (job) => {
    if (job.kind === 'nab') {
      nab ??= [...nabSeries(opts.historyDays)];
      return { kind: 'run', run: run(nab[job.index] as Series) };
    }
    const shape = SHAPES[job.shape] as Shape;
    if (job.kind === 'synthetic')
      return { kind: 'run', run: run(synthetic(job.group, job.traffic, job.effect, shape, job.replicate, opts.seed, opts.historyDays)) };
    const s = synthetic(job.group, job.traffic, job.effect, shape, job.replicate, opts.seed, opts.historyDays, LATE_START_MINUTES);
    return { kind: 'late', run: lateRun(s, LATE_START_MINUTES) };
  };
}

/** Every job's result, in the jobs' order: job i is measured by thread i mod W. */
async function measureAll(opts: Options, all: readonly Job[], log: (m: string) => void): Promise<Result[]> {
  const threads = Math.max(1, Math.min(opts.workers, all.length));
  if (threads === 1) {
    const measure = measurer(opts);
    return all.map((job, i) => {
      if (i > 0 && i % 1000 === 0) log(`${i} of ${all.length} series`);
      return measure(job);
    });
  }
  const results: Result[] = new Array(all.length);
  let done = 0;
  await Promise.all(
    Array.from({ length: threads }, (_, w) => {
      const mine = all.map((job, i) => ({ job, i })).filter(({ i }) => i % threads === w);
      return new Promise<void>((resolve, reject) => {
        const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { opts, jobs: mine.map(({ job }) => job) } });
        worker.on('message', ({ k, result }: { k: number; result: Result }) => {
          results[(mine[k] as { i: number }).i] = result;
          if (++done % 1000 === 0) log(`${done} of ${all.length} series`);
        });
        worker.on('error', reject);
        worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker ${w} exited with ${code}`))));
      });
    }),
  );
  return results;
}

function workerMain() {
  const { opts, jobs: mine } = workerData as { opts: Options; jobs: Job[] };
  const measure = measurer(opts);
  for (const [k, job] of mine.entries()) parentPort?.postMessage({ k, result: measure(job) });
}

async function main() {
  const opts = options();
  assertRealData('nab');
  const started = Date.now();
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const results = await measureAll(opts, jobs(opts), (m) => log(`${m}, ${((Date.now() - started) / 1000).toFixed(0)} s`));
  const runs = results.flatMap((r) => (r.kind === 'run' ? [r.run] : []));
  const lateRuns = results.flatMap((r) => (r.kind === 'late' ? [r.run] : []));
  log(
    `${results.length} series in all, ${((Date.now() - started) / 1000).toFixed(0)} s on ${Math.min(opts.workers, results.length)} thread(s)`,
  );
  const late = lateFigures(lateRuns, LATE_START_MINUTES);
  const conditions = figures(runs);
  // NAB conditions per file are small; the table shows them pooled by effect as well.
  const nabPooled = figures(runs.filter((r) => r.group === 'nab').map((r) => ({ ...r, condition: `all NAB series ×${r.effect}` })));
  const all = [...conditions, ...nabPooled];
  const summary = summarize(
    runs,
    all.filter((c) => c.group !== 'nab' || c.condition.startsWith('all NAB')),
  );
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    seed: opts.seed,
    nullPerCondition: opts.nullReplicates,
    effectPerCondition: opts.effectReplicates,
    historyDays: opts.historyDays,
    workers: opts.workers,
    seconds: Math.round((Date.now() - started) / 1000),
  };
  if (opts.json) process.stdout.write(`${JSON.stringify({ meta, summary, conditions: all, lateStarts: late }, null, 2)}\n`);
  else process.stdout.write(`${renderText(all, summary, late, meta)}\n`);
}

if (isMainThread) await main();
else workerMain();
