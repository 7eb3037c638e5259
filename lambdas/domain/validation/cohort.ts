/**
 * A canary or cohort deploy: the new cohort against the baseline cohort over the same minutes, by an
 * anytime-valid mixture test at the same α and over the same alternatives as "worse" (validate.ts),
 * so a watch may look as often as it likes (docs/validation.md, "The deploy watch").
 *
 * - counts and rates: conditional on each minute's total of the two cohorts, the new cohort's share
 *   is binomial with probability θa/(θa + b) (a and b the cohorts' traffic, or 1 each for a plain
 *   count), θ the ratio of their rates. The unknown common rate drops out, and so does anything that
 *   moves both cohorts together (a traffic surge, the daily cycle). The product over minutes of each
 *   minute's likelihood ratio (countLogLR with the baseline cohort as the reference) is a
 *   martingale under θ = 1;
 * - levels (latency quantiles, CPU): the per-minute difference of log values, clipped, against a
 *   mean of 0 (levelLogLR with a known reference), with the variance measured on the differences.
 */

import { mean, medianOrZero } from '#domain/shared/stats';
import type { Point } from '#domain/signals/series';
import { clip, longRunVariance, MIN_LEVEL_EFFECT } from './baseline.ts';
import { type Component, countLogLR, levelLogLR, logMix, logThreshold } from './sequential.ts';

export type CohortKind = 'rate' | 'count' | 'level';

export interface CohortInput {
  readonly kind: CohortKind;
  /** The new cohort's points since the deploy, and its traffic for a rate. */
  readonly fresh: readonly Point[];
  readonly freshTraffic?: readonly Point[];
  /** The baseline cohort's points over the same minutes, and its traffic for a rate. */
  readonly baseline: readonly Point[];
  readonly baselineTraffic?: readonly Point[];
  /** The alternatives, as ratios new ÷ baseline (already turned the way that is worse). */
  readonly components: readonly Component[];
  readonly alpha: number;
}

export interface CohortResult {
  readonly worse: boolean;
  /** log of the mixture e-value for "the new cohort is worse than the baseline cohort". */
  readonly logE: number;
  /** The new cohort's rate (or level) as a multiple of the baseline cohort's (NaN without paired minutes). */
  readonly ratio: number;
  /** Minutes both cohorts reported (with traffic, for a rate). */
  readonly minutes: number;
  /** Means per minute of what was compared: events per request for a rate, events for a count, values for a level. */
  readonly currentMean: number;
  readonly baselineMean: number;
}

/** Level comparisons need this many paired minutes: the variance is measured on the differences themselves. */
export const MIN_LEVEL_MINUTES = 5;
/** log e-value one clipped minute of a level comparison may reach at most (as in baseline.ts): one minute never decides alone. */
const ONE_POINT_LOG_E = Math.log(100 / 0.2);

export function compareCohorts(input: CohortInput): CohortResult {
  return input.kind === 'level' ? levels(input) : counts(input);
}

function byTime(points: readonly Point[] | undefined): Map<number, number> {
  const out = new Map<number, number>();
  for (const p of points ?? []) {
    const t = Date.parse(p.at);
    if (Number.isFinite(t) && Number.isFinite(p.value)) out.set(t, p.value);
  }
  return out;
}

function counts(input: CohortInput): CohortResult {
  const rate = input.kind === 'rate';
  const y = byTime(input.baseline);
  const a = byTime(input.freshTraffic);
  const b = byTime(input.baselineTraffic);
  const minutes: { x: number; y: number; a: number; b: number }[] = [];
  for (const [t, xv] of byTime(input.fresh)) {
    const yv = y.get(t);
    if (yv === undefined) continue;
    const av = rate ? (a.get(t) ?? 0) : 1;
    const bv = rate ? (b.get(t) ?? 0) : 1;
    if (!(av > 0) || !(bv > 0)) continue;
    minutes.push({ x: Math.max(0, xv), y: Math.max(0, yv), a: av, b: bv });
  }
  const sum = (f: (m: (typeof minutes)[number]) => number) => minutes.reduce((s, m) => s + f(m), 0);
  const X = sum((m) => m.x);
  const Y = sum((m) => m.y);
  const A = sum((m) => m.a);
  const B = sum((m) => m.b);
  const ratio = minutes.length && Y > 0 ? X / A / (Y / B) : minutes.length && X > 0 ? Number.POSITIVE_INFINITY : Number.NaN;
  const dispersion = binomialDispersion(minutes, X, Y, A, B);
  const logLRs = input.components.map((c) =>
    minutes.reduce((s, m) => s + countLogLR(c.effect, 1, { refEvents: m.y, refExposure: m.b, events: m.x, exposure: m.a, dispersion }), 0),
  );
  const logE = minutes.length
    ? logMix(
        logLRs,
        input.components.map((c) => c.weight),
      )
    : 0;
  return {
    worse: logE >= logThreshold(input.alpha),
    logE,
    ratio,
    minutes: minutes.length,
    currentMean: minutes.length ? (rate ? X / A : X / minutes.length) : 0,
    baselineMean: minutes.length ? (rate ? Y / B : Y / minutes.length) : 0,
  };
}

/**
 * Overdispersion of the new cohort's per-minute shares around the common ratio (Pearson X²/df of the
 * binomials), kept only when clearly above 1 and measured on 20 minutes or more: a cohort whose errors
 * come in bursts tempers the evidence instead of passing for a regression.
 */
function binomialDispersion(
  minutes: readonly { x: number; y: number; a: number; b: number }[],
  X: number,
  Y: number,
  A: number,
  B: number,
): number {
  if (minutes.length < 20 || X + Y === 0) return 1;
  const theta = (X + 0.5) / A / ((Y + 0.5) / B);
  let x2 = 0;
  let df = -1;
  for (const m of minutes) {
    const n = m.x + m.y;
    if (n === 0) continue;
    const p = (theta * m.a) / (theta * m.a + m.b);
    const v = n * p * (1 - p);
    if (v <= 0) continue;
    x2 += (m.x - n * p) ** 2 / v;
    df++;
  }
  if (df < 20) return 1;
  const phi = x2 / df;
  return phi > 1 + 2 * Math.sqrt(2 / df) ? Math.min(phi, 1e4) : 1;
}

function levels(input: CohortInput): CohortResult {
  const y = byTime(input.baseline);
  const pairs: { x: number; y: number }[] = [];
  for (const [t, xv] of byTime(input.fresh)) {
    const yv = y.get(t);
    if (yv !== undefined) pairs.push({ x: xv, y: yv });
  }
  const positives = pairs.flatMap((p) => [p.x, p.y]).filter((v) => v > 0);
  const offset = pairs.some((p) => p.x <= 0 || p.y <= 0) ? Math.max(1e-9, 0.01 * (medianOrZero(positives) || 1)) : 0;
  const d = pairs.map((p) => Math.log(Math.max(p.x, 0) + offset) - Math.log(Math.max(p.y, 0) + offset));
  const n = d.length;
  // The mean of no minutes is 0 here: a comparison with nothing to compare reports zero means.
  const meanOf = (v: readonly number[]) => (v.length > 0 ? mean(v) : 0);
  const currentMean = meanOf(pairs.map((p) => p.x));
  const baselineMean = meanOf(pairs.map((p) => p.y));
  const ratio = n ? Math.exp(meanOf(d)) : Number.NaN;
  if (n < MIN_LEVEL_MINUTES) return { worse: false, logE: 0, ratio, minutes: n, currentMean, baselineMean };
  // Clip around 0 (no difference) at 3 robust standard deviations of the differences, never closer than ×1.25.
  const centre = medianOrZero(d);
  const scale = Math.max(1.4826 * medianOrZero(d.map((x) => Math.abs(x - centre))), 0.005);
  const width = Math.max(3 * scale, Math.log(MIN_LEVEL_EFFECT));
  const clipped = d.map((x) => clip(x, 0, width));
  // The noise of the differences, whatever their shift; floored so that one clipped minute never decides alone.
  const variance = Math.max(longRunVariance(clipped), scale * scale, (width * width) / (2 * ONE_POINT_LOG_E));
  // What each alternative does to the mean of clipped differences, on the observed noise recentred at 0.
  const noise = d.map((x) => x - centre);
  const base = meanOf(noise.map((r) => clip(r, 0, width)));
  const shifts = input.components.map((c) => meanOf(noise.map((r) => clip(r + Math.log(c.effect), 0, width))) - base);
  const sample = { refMean: 0, refCount: Number.POSITIVE_INFINITY, mean: meanOf(clipped), count: n, variance };
  const logE = logMix(
    shifts.map((s) => levelLogLR(s, sample)),
    input.components.map((c) => c.weight),
  );
  return { worse: logE >= logThreshold(input.alpha), logE, ratio, minutes: n, currentMean, baselineMean };
}
