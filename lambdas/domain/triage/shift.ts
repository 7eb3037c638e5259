/**
 * Is there a shift in the alarm's metric, when did it start, how large is it and how sure are we?
 *
 * 1. Expected level: the weekly seasonal profile (same hours of previous weeks, scaled to this week's
 *    level) when history exists, plus a linear trend fitted before the onset when that trend is itself
 *    significant. A pre-existing trend or a weekly peak is therefore part of "expected", not a shift.
 * 2. Onset: the change point of a trend-plus-step model on the seasonally adjusted series (the split
 *    whose level shift has the largest t statistic), not the alarm's timestamp.
 * 3. Significance: a z test of the mean residual after the onset against the expected level, its
 *    standard error widened for lag-1 autocorrelation and for the uncertainty of the fitted baseline
 *    (and, for counts, never below Poisson noise, with an exact Poisson tail when counts are small).
 *    The onset was chosen by scanning every split, so the p-value is Bonferroni-corrected for the number
 *    of splits tried: the probability of declaring a shift in a series without one stays below alpha.
 *    docs/triage.md says why this test and what it assumes.
 * Pure.
 */

import {
  binomialLowerTail,
  binomialUpperTail,
  lag1Autocorrelation,
  linearFit,
  mean,
  median,
  noiseFloor,
  poissonLowerTail,
  poissonUpperTail,
  stddev,
  trendShiftScan,
  twoSidedP,
} from '#domain/shared/stats';
import type { Point } from '#domain/signals/series';
import { type HistoryWindow, seasonalProfile } from './seasonality.ts';

export interface ShiftOptions {
  /** Sum or SampleCount: values are event counts (Poisson noise is the least noise they can have). */
  readonly countLike: boolean;
  /** Family-wise error rate of the shift test. */
  readonly alpha: number;
  /** Fewest points before a candidate onset (the baseline) and after it. */
  readonly minBefore: number;
  readonly minAfter: number;
  /** Milliseconds per point (the metric's period). */
  readonly periodMs: number;
}

export const DEFAULT_SHIFT_OPTIONS: ShiftOptions = { countLike: false, alpha: 0.01, minBefore: 20, minAfter: 3, periodMs: 60_000 };

export type ExpectedModel = 'flat' | 'trend' | 'seasonal' | 'seasonal+trend';

export interface ShiftAnalysis {
  readonly onsetIndex: number;
  readonly onset: string;
  /** Expected values over the points after the onset (the counterfactual without the shift). */
  readonly expectedAfter: readonly number[];
  readonly expectedMean: number;
  readonly observedMean: number;
  /** Residual noise of one point around the expected level (before the onset), before floors. */
  readonly noise: number;
  /** Noise with the floors applied: at least 5% of the level and, for counts, Poisson noise. */
  readonly noiseUsed: number;
  /** Effect size: (observed - expected) / noiseUsed, per point. */
  readonly signalToNoise: number;
  /** observed / expected mean. */
  readonly ratio: number;
  readonly z: number;
  readonly pValue: number;
  /** p-value times the number of onsets tried (Bonferroni), capped at 1. */
  readonly pAdjusted: number;
  readonly onsetsTried: number;
  readonly significant: boolean;
  readonly autocorrelation: number;
  readonly model: ExpectedModel;
  readonly seasonalWeeks: number;
  /** Trend of the baseline, relative to its level, per hour (0 when not significant). */
  readonly trendPerHour: number;
  /** Slope of the signal after the onset, relative to the expected level, per hour (0 unless the slope is significant, |t| ≥ 3). */
  readonly rateOfChangePerHour: number;
  /** True when the last points are still away from the expected level, in the shift's direction. */
  readonly stillShifted: boolean;
  /** The last point still shifted (the end of the episode when it is over). */
  readonly lastShiftedAt: string;
  /** Counts only: events above (or below) the expected count since the onset. */
  readonly excessEvents?: number;
}

/** Analyses the window; undefined when it is too short to hold a baseline and an onset. */
export function analyzeShift(
  points: readonly Point[],
  history: readonly HistoryWindow[],
  options: Partial<ShiftOptions> = {},
): ShiftAnalysis | undefined {
  const o = { ...DEFAULT_SHIFT_OPTIONS, ...options };
  const n = points.length;
  const minBefore = Math.min(o.minBefore, Math.max(6, n - o.minAfter - 1));
  if (n < minBefore + o.minAfter) return undefined;
  const y = points.map((p) => p.value);

  // 1. Seasonal profile scaled to this week's level (on the older part of the window, before any likely onset).
  const profile = seasonalProfile(points, history, o.periodMs * 2.5);
  let scale = 1;
  const early = Math.max(minBefore, Math.floor(n * 0.6));
  if (profile) {
    const pm = median(profile.values.slice(0, early));
    const ym = median(y.slice(0, early));
    scale = pm > 0 && ym > 0 ? ym / pm : 1;
  }
  const seasonal = (i: number) => (profile ? scale * (profile.values[i] as number) : 0);
  const adjusted = y.map((v, i) => v - seasonal(i));

  // 2. Onset: change point of a trend-plus-step model.
  const scan = trendShiftScan(adjusted, minBefore, o.minAfter);
  if (!scan) return undefined;
  let k = scan.index;

  // 3. Baseline before the onset: level, and a trend only when it is itself significant.
  const fitBefore = (split: number) => {
    const xs = Array.from({ length: split }, (_, i) => i);
    const fit = linearFit(xs, adjusted.slice(0, split));
    // A trend counts only when its slope stands out of autocorrelated noise too (the slope's error widened the
    // same way as a mean's), so a slow wander is not extrapolated as if it were a trend.
    const fitResiduals = adjusted.slice(0, split).map((v, i) => v - fit.intercept - fit.slope * i);
    const rhoFit = correctedRho(fitResiduals);
    const widen = Math.sqrt(Math.max((1 + rhoFit) / (1 - rhoFit), batchMeansInflation(fitResiduals)));
    const trended = Number.isFinite(fit.slopeSe) && fit.slopeSe > 0 && Math.abs(fit.slope / (fit.slopeSe * widen)) >= 3;
    const level = trended ? fit.intercept : mean(adjusted.slice(0, split));
    const slope = trended ? fit.slope : 0;
    const residuals = adjusted.slice(0, split).map((v, i) => v - level - slope * i);
    return {
      fit,
      trended,
      level,
      slope,
      residuals,
      sd: stddev(residuals) * Math.sqrt((split - 1) / Math.max(split - (trended ? 2 : 1), 1)),
    };
  };
  let base = fitBefore(k);
  // Onset refinement: a ramp starts before the step's best split; walk back over points already well off the
  // baseline (by a robust noise estimate, which the ramp's own first points do not inflate), refitting each time.
  const sign = Math.sign(scan.delta) || 1;
  for (let round = 0; round < 3; round++) {
    const robust = 1.4826 * median(base.residuals.map((r) => Math.abs(r - median(base.residuals))));
    const sd = Math.max(robust > 0 ? robust : base.sd, o.countLike ? Math.sqrt(Math.max(base.level, 0)) * 0.5 : 0, 1e-9);
    const expectedAt = (i: number) => seasonal(i) + base.level + base.slope * i;
    const from = k;
    while (k > minBefore && sign * ((y[k - 1] as number) - expectedAt(k - 1)) > 3 * sd) k--;
    if (k === from) break;
    base = fitBefore(k);
  }

  const after = y.slice(k);
  const expectedAfter = after.map((_, j) => Math.max(0, seasonal(k + j) + base.level + base.slope * (k + j)));
  const expectedMean = mean(expectedAfter);
  const observedMean = mean(after);
  const expectedBeforeMean = mean(y.slice(0, k).map((_, i) => seasonal(i) + base.level + base.slope * i));
  const rho = correctedRho(base.residuals);
  // Autocorrelation widens the error of a mean: the AR(1) factor from the lag-1 correlation, or the long-run
  // variance from batch means (autocorrelation at every lag), whichever is larger.
  const inflation = Math.max((1 + rho) / (1 - rho), batchMeansInflation(base.residuals));
  const poissonSd = o.countLike ? Math.sqrt(Math.max(expectedBeforeMean, 0)) : 0;
  const noise = base.sd;
  const statNoise = Math.max(noise, poissonSd, 1e-9);
  const nAfter = after.length;
  const tAfter = (k + n - 1) / 2;
  const extrapolation = base.trended && base.fit.sxx > 0 ? (tAfter - base.fit.meanX) ** 2 / base.fit.sxx : 0;
  const se = statNoise * Math.sqrt(inflation * (1 / nAfter + 1 / k + extrapolation));
  const diff = observedMean - expectedMean;
  const z = diff / se;
  let pValue = twoSidedP(z);
  const integers = o.countLike && y.every((v) => Number.isInteger(v));
  if (integers && inflation < 1.5) {
    // Counts: the exact test of two Poisson rates, conditional on the total (free of the unknown rate): the
    // count after the onset is binomial with the share the model expects after it. Keep the more cautious p.
    const observedAfter = Math.round(after.reduce((s, v) => s + v, 0));
    const observedBefore = Math.round(y.slice(0, k).reduce((s, v) => s + v, 0));
    const expectedBefore = y.slice(0, k).reduce((s, _, i) => s + Math.max(0, seasonal(i) + base.level + base.slope * i), 0);
    const expectedAfterSum = expectedAfter.reduce((s, v) => s + v, 0);
    const share = expectedAfterSum + expectedBefore > 0 ? expectedAfterSum / (expectedAfterSum + expectedBefore) : nAfter / n;
    const total = observedAfter + observedBefore;
    const exact = Math.min(
      1,
      2 * (diff >= 0 ? binomialUpperTail(observedAfter, total, share) : binomialLowerTail(observedAfter, total, share)),
    );
    pValue = Math.max(pValue, exact);
  }
  const tried = scan.tried;
  const pAdjusted = Math.min(1, pValue * tried);
  const noiseUsed = Math.max(noiseFloor(expectedMean, noise), poissonSd);

  // Still shifted now? The last few points against the expected level, in the shift's direction.
  const tail = Math.min(5, nAfter);
  const tailResidual = mean(after.slice(-tail).map((v, j) => v - (expectedAfter[nAfter - tail + j] as number)));
  const tailSe = statNoise * Math.sqrt(inflation / tail);
  const stillShifted = Math.sign(tailResidual) === Math.sign(diff) && Math.abs(tailResidual) >= Math.max(2 * tailSe, 0.5 * Math.abs(diff));
  let last = n - 1;
  if (!stillShifted) {
    last = k;
    for (let j = 0; j < nAfter; j++) {
      if (Math.sign(diff) * ((after[j] as number) - (expectedAfter[j] as number)) > 2 * statNoise) last = k + j;
    }
  }

  let rateOfChangePerHour = 0;
  if (nAfter >= 5 && expectedMean !== 0) {
    const fit = linearFit(
      after.map((_, j) => j),
      after,
    );
    // Only a slope that stands out of the noise counts; a plateau's wobble is not a rate of change.
    const significantSlope = Number.isFinite(fit.slopeSe) && fit.slopeSe > 0 && Math.abs(fit.slope / fit.slopeSe) >= 3;
    if (significantSlope) rateOfChangePerHour = (fit.slope * (3_600_000 / o.periodMs)) / Math.abs(expectedMean);
  }
  const levelBefore = Math.abs(base.level + seasonal(0)) || Math.abs(expectedBeforeMean) || 1;
  const model: ExpectedModel = profile ? (base.trended ? 'seasonal+trend' : 'seasonal') : base.trended ? 'trend' : 'flat';

  return {
    onsetIndex: k,
    onset: (points[k] as Point).at,
    expectedAfter,
    expectedMean,
    observedMean,
    noise,
    noiseUsed,
    signalToNoise: diff / noiseUsed,
    ratio: expectedMean > 0 ? observedMean / expectedMean : observedMean > 0 ? 1e6 : 1,
    z,
    pValue,
    pAdjusted,
    onsetsTried: tried,
    significant: pAdjusted < o.alpha,
    autocorrelation: rho,
    model,
    seasonalWeeks: profile?.weeks ?? 0,
    trendPerHour: base.trended ? (base.slope * (3_600_000 / o.periodMs)) / levelBefore : 0,
    rateOfChangePerHour,
    stillShifted,
    lastShiftedAt: (points[last] as Point).at,
    ...(o.countLike ? { excessEvents: after.reduce((s, v, j) => s + v - (expectedAfter[j] as number), 0) } : {}),
  };
}

/** One tenant's series tested at the onset, in the direction of the overall shift. */
export interface TenantTest {
  readonly active: boolean;
  /** Significant at the tenant level and at least 1.5× (or ⅔) its own level before. */
  readonly affected: boolean;
  /** One-sided p-value of a shift in the overall direction (mid-p for counts); 1 without data after the onset. */
  readonly p: number;
  readonly excess: number;
}

/** Lag-1 autocorrelation, corrected for its small-sample bias towards 0 (about (1 + 4ρ)/n), within [0, 0.95]. */
function correctedRho(residuals: readonly number[]): number {
  const r = lag1Autocorrelation(residuals);
  return Math.min(0.95, Math.max(0, r + (1 + 4 * Math.max(r, 0)) / Math.max(residuals.length, 1)));
}

/**
 * Variance inflation of a mean from batch means: residuals cut into blocks of about √n, the variance of the
 * block means times the block size, over the variance of single residuals. 1 for independent noise.
 */
function batchMeansInflation(residuals: readonly number[]): number {
  const n = residuals.length;
  const size = Math.max(5, Math.floor(n ** (2 / 3) / 2));
  const blocks = Math.floor(n / size);
  if (blocks < 4) return 1;
  const means = Array.from({ length: blocks }, (_, b) => mean(residuals.slice(b * size, (b + 1) * size)));
  const single = stddev(residuals) ** 2;
  return single > 0 ? Math.max(1, (stddev(means) ** 2 * size) / single) : 1;
}

/** Is one tenant's series shifted at the onset, in the direction of the overall shift? */
export function tenantShifted(
  points: readonly Point[],
  onsetMs: number,
  direction: 1 | -1,
  options: { countLike: boolean; alpha: number },
): TenantTest {
  const before = points.filter((p) => Date.parse(p.at) < onsetMs).map((p) => p.value);
  const after = points.filter((p) => Date.parse(p.at) >= onsetMs).map((p) => p.value);
  const active = points.length > 0;
  if (after.length === 0 || before.length < 3) return { active, affected: false, p: 1, excess: 0 };
  const mb = mean(before);
  const ma = mean(after);
  const excess = (ma - mb) * after.length;
  let p: number;
  if (options.countLike && [...before, ...after].every((v) => Number.isInteger(v))) {
    const lambda = Math.max(mb, 0.5 / before.length) * after.length;
    const observed = Math.round(after.reduce((s, v) => s + v, 0));
    // Mid-p: half the probability of the observed count itself, so discrete p-values are close to uniform under no shift.
    const atLeast = direction > 0 ? poissonUpperTail(observed, lambda) : poissonLowerTail(observed, lambda);
    const beyond = direction > 0 ? poissonUpperTail(observed + 1, lambda) : poissonLowerTail(observed - 1, lambda);
    p = (atLeast + beyond) / 2;
  } else {
    const sd = Math.max(stddev(before), noiseFloor(mb, 0) / 5, 1e-9);
    const z = (direction * (ma - mb)) / (sd * Math.sqrt(1 / after.length + 1 / before.length));
    p = z >= 0 ? twoSidedP(z) / 2 : 1 - twoSidedP(z) / 2;
  }
  const relative = mb > 0 ? ma / mb : ma > 0 ? Number.POSITIVE_INFINITY : 1;
  const big = direction > 0 ? relative >= 1.5 : relative <= 2 / 3;
  return { active, affected: big && p < options.alpha, p, excess };
}

/**
 * Affected tenants, counted two ways, the larger reported:
 * - confirmed: tenants whose own shift is significant (a lower bound: a tenant with few events cannot
 *   show significance in a few minutes, however broad the incident);
 * - estimated: Storey's estimate of the share of tenants not at their baseline, 1 − π₀ with
 *   π₀ = #{p > ½} / (½·N), used only when the p-values are significantly skewed towards 0 (the count of
 *   p ≤ ½ three standard deviations above N/2), so noise alone never widens a narrow pattern.
 */
export function countAffected(tests: readonly TenantTest[]): { active: number; affected: number; confirmed: number; estimated: number } {
  const active = tests.filter((t) => t.active);
  const n = active.length;
  const confirmed = active.filter((t) => t.affected).length;
  if (n < 10) return { active: n, affected: confirmed, confirmed, estimated: 0 };
  const low = active.filter((t) => t.p <= 0.5).length;
  const skewed = low >= n / 2 + 3 * Math.sqrt(n / 4);
  const pi0 = Math.min(1, (n - low) / (0.5 * n));
  const estimated = skewed ? Math.round((1 - pi0) * n) : 0;
  return { active: n, affected: Math.max(confirmed, estimated), confirmed, estimated };
}
