/**
 * The three tests the validation benchmark compares on each series (prodloop's "worse" as deployed,
 * Wald's SPRT given the true parameters, Kayenta's Mann-Whitney judge), and the same tests on
 * regressions that start hours after the deploy.
 */
import { type BaselineModel, bestReference, fitBaseline, type Observation } from '#domain/validation/baseline';
import { type Comparison, comparisons } from '#domain/validation/comparison';
import { sinceDeployOrAnyHour } from '#domain/validation/late-start';
import { logThreshold } from '#domain/validation/sequential';
import { ALPHA, worseComponents } from '#domain/validation/validate';
import { HORIZON_MINUTES, type Series, SHAPES } from './series.ts';

// ---------------------------------------------------------------------------------------------
// The three tests

export interface Run {
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

export function run(s: Series): Run {
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

export const LATE_START_MINUTES = 360;
export const LATE_TRAFFIC = [100, 1000];
export const LATE_SHAPES = SHAPES.filter((shape) => !shape.trend);
export const LATE_EFFECTS = [
  { group: 'rate', effect: 2 },
  { group: 'latency', effect: 1.2 },
] as const;

/** Minutes after the deploy to the first "worse" of each test (Infinity: none within the horizon). */
export interface LateRun {
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

export function lateRun(s: Series, startMinutes: number): LateRun {
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
