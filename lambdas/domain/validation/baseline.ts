/**
 * The healthy baseline validation compares against (docs/validation.md): a model of the signal
 * fitted on the history before the incident, with a log-linear trend and, when the history covers
 * two days, a smooth daily profile (harmonics of the daily cycle). It is extrapolated into the
 * incident and post-deploy windows, so that a level that was already falling (or rising, or
 * following its daily cycle) before the deploy is expected to keep doing so: such movement is not
 * credited to, or blamed on, the deploy.
 *
 * - counts and rates: a Poisson log-linear model of events per unit of exposure (traffic for rates,
 *   one period for plain counts), with the overdispersion of the counts;
 * - levels (latency quantiles, CPU, bytes): least squares on log values, with a robust scale and the
 *   long-run variance of the residuals (autocorrelation makes a mean of n points noisier than σ²/n).
 *
 * The model also says how far it can be trusted. Which reference window predicts the hours after it
 * best is measured on the history itself (a predictive check of windows from one hour to a week):
 * a level that moves between regimes favours a recent reference, a steady one the longest; what
 * the best reference still misses, beyond noise, is charged to every comparison as extra variance.
 *
 * It stays one file over 400 lines: the count and level fits, the reference check and the variance
 * terms are one model, sharing its fit context, design rows and constants (and the small linear solve
 * only it uses).
 */
import { mean, medianOrZero, variance } from '#domain/shared/stats';

export type SignalKind = 'rate' | 'count' | 'level';

/** One period of the signal: its time (ms since the epoch), value, and traffic for rates. */
export interface Observation {
  readonly t: number;
  readonly value: number;
  readonly traffic?: number;
}

export interface BaselineOptions {
  /** Fit the daily profile when the history spans at least this many minutes (default two days). */
  readonly seasonalMinMinutes?: number;
  /** The trend is extrapolated at most this many hours past the end of the history (default 24, and never more than the history spans). */
  readonly maxExtrapolationHours?: number;
}

/**
 * After the history ends, a fitted trend may go on or stop: validation does not know which, so each
 * test holds under both (comparison.ts) and a pre-existing trend is neither credited nor blamed.
 */
export type TrendScenario = 'continues' | 'stops';

/** How well the mean of the last `minutes` predicts the hour, six hours and day after, measured across the history. */
export interface ReferenceCheck {
  readonly minutes: number;
  /** Variance of the prediction error beyond the noise of the two windows (0 unless clearly above it). */
  readonly excess: number;
  /** Noise of the reference itself plus the excess: the smaller, the better the reference. */
  readonly score: number;
}

export interface BaselineModel {
  readonly kind: SignalKind;
  /** End of the history (ms): the trend is measured from here. */
  readonly end: number;
  readonly spanMinutes: number;
  /** Median spacing of the history's points, minutes. */
  readonly periodMinutes: number;
  readonly points: number;
  /** Trend in use, change of the log level per hour (0 when the model has none). */
  readonly trendPerHour: number;
  /** True when a daily profile is part of the model. */
  readonly seasonal: boolean;
  /**
   * log of the expected events per unit of exposure (counts) or the expected log value (levels) at t,
   * with the trend continuing past the end of the history (the default) or stopping there.
   */
  readonly logLevel: (t: number, trend?: TrendScenario) => number;
  /** The model's design row at t (intercept, trend, daily harmonics): log level = design(t)·β. */
  readonly design: (t: number, trend?: TrendScenario) => number[];
  /** Covariance of the estimated β (log scale): the baseline's own estimation error. */
  readonly covariance: readonly (readonly number[])[];
  /** The predictive check of reference windows, shortest first. */
  readonly references: readonly ReferenceCheck[];
  /** The reference length whose mean predicted what follows best. */
  readonly referenceMinutes: number;
  /** Counts: variance ÷ mean of event counts, ≥ 1 (bursts up to an hour). */
  readonly dispersion: number;
  /** Levels: added to every value before the log (so that zeros are allowed). */
  readonly offset: number;
  /** Levels: robust standard deviation of one log residual (1.4826 × MAD). */
  readonly scale: number;
  /** Levels: residuals are clipped to their window's median ± this (CLIP·scale, at least log MIN_LEVEL_EFFECT). */
  readonly clipWidth: number;
  /** Levels: long-run variance of one clipped log residual. */
  readonly longRunVariance: number;
  /** Levels: the history's log residuals. */
  readonly residuals: readonly number[];
}

/** Residuals are clipped at this many robust standard deviations around their window's median… */
export const CLIP = 3;
/** …but never closer than the smallest level change that matters (a quarter up): on a very quiet series a 5 % shift must not look like ×1.25. */
export const MIN_LEVEL_EFFECT = 1.25;
/**
 * log e-value one clipped point could reach at most, h²/(2v), is kept below this (the "worse"
 * threshold, log(1/0.01) + log(1/0.2) for the component weight): one point never decides alone.
 */
const ONE_POINT_LOG_E = Math.log(100 / 0.2);
/** Candidate reference windows, minutes, and the windows after them they must predict. */
const REFERENCE_MINUTES = [60, 180, 360, 720, 1440, 4320, 10080];
const PREDICTED_MINUTES = [60, 360, 1440];
/** Time scales of the noise (autocorrelation, bursts), minutes, up to the hour the predictive check starts from. */
const SHORT_MINUTES = [1, 5, 15, 60];
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const BLOCK_MS = 15 * 60_000;

/** Exposure of one observation: its traffic for a rate, one period for a count. */
export const exposureOf = (kind: SignalKind, o: Observation): number => (kind === 'rate' ? Math.max(0, o.traffic ?? 0) : 1);

/** Events one observation carries (counts are never negative). */
export const eventsOf = (o: Observation): number => Math.max(0, o.value);

/** Extra variance to charge a comparison whose reference spans `minutes`: the check of the nearest candidate length. */
export function excessFor(model: BaselineModel, minutes: number): number {
  let best: ReferenceCheck | undefined;
  for (const r of model.references)
    if (!best || Math.abs(Math.log(r.minutes / minutes)) < Math.abs(Math.log(best.minutes / minutes))) best = r;
  return best?.excess ?? 0;
}

/** The last `model.referenceMinutes` of a history: the reference that predicted what follows best. */
export function bestReference(model: BaselineModel, history: readonly Observation[]): Observation[] {
  const from = model.end - model.referenceMinutes * 60_000;
  return history.filter((o) => o.t >= from);
}

export function fitBaseline(kind: SignalKind, history: readonly Observation[], options: BaselineOptions = {}): BaselineModel {
  const obs = [...history].filter((o) => Number.isFinite(o.value)).sort((a, b) => a.t - b.t);
  const first = obs[0]?.t ?? 0;
  const end = obs.length ? (obs.at(-1)?.t ?? 0) + periodMs(obs) : 0;
  const spanMinutes = obs.length ? (end - first) / 60_000 : 0;
  const ctx: FitContext = {
    end,
    spanMinutes,
    periodMinutes: periodMs(obs) / 60_000,
    horizonHours: Math.min(options.maxExtrapolationHours ?? 24, spanMinutes / 60),
    canSeason: spanMinutes >= (options.seasonalMinMinutes ?? 2 * 1440) && coversEveryHour(obs),
  };
  return kind === 'level' ? fitLevels(obs, ctx) : fitCounts(kind, obs, ctx);
}

interface FitContext {
  readonly end: number;
  readonly spanMinutes: number;
  readonly periodMinutes: number;
  readonly horizonHours: number;
  readonly canSeason: boolean;
}

interface Terms {
  readonly trend: boolean;
  /** Harmonics of the daily cycle (0: none). */
  readonly harmonics: number;
}

/** Design row: intercept, trend in hours from the end of the history (capped, or stopped there), daily harmonics. */
function designRow(ctx: FitContext, terms: Terms, t: number, trend: TrendScenario = 'continues'): number[] {
  const row = [1];
  if (terms.trend) row.push(Math.min((t - ctx.end) / HOUR, trend === 'stops' ? 0 : ctx.horizonHours));
  if (terms.harmonics > 0) {
    const phase = (2 * Math.PI * (((t % DAY) + DAY) % DAY)) / DAY;
    for (let k = 1; k <= terms.harmonics; k++) row.push(Math.sin(k * phase), Math.cos(k * phase));
  }
  return row;
}

/**
 * Candidate shapes: with or without a trend, times no daily profile, one harmonic or three (a smooth
 * cycle costs 2 or 6 parameters where 24 hourly levels would cost 23). The profile needs two days.
 */
function candidates(ctx: FitContext): Terms[] {
  return (ctx.canSeason ? [0, 1, 3] : [0]).flatMap((harmonics) => [
    { trend: false, harmonics },
    { trend: true, harmonics },
  ]);
}

/**
 * The shape kept is the one whose prediction of the next day is most certain: the noise of an hour
 * of data (a misfit inflates it), plus the estimation error of its terms, plus the error of its best
 * reference window (noise and what the predictive check finds beyond it). An unneeded term only
 * adds estimation error; a needed one removes more error than it costs.
 */
function mostCertain<F extends { readonly score: number }>(fits: readonly F[]): F {
  return fits.reduce((a, b) => (b.score < a.score ? b : a));
}

function fitCounts(kind: SignalKind, obs: readonly Observation[], ctx: FitContext): BaselineModel {
  // Blocks of 15 minutes (sums of events and exposure) are enough for a trend and a daily profile.
  const blocks = new Map<number, { t: number; events: number; exposure: number; n: number }>();
  let events = 0;
  let exposure = 0;
  for (const o of obs) {
    const x = exposureOf(kind, o);
    if (x <= 0) continue;
    const key = Math.floor(o.t / BLOCK_MS);
    const b = blocks.get(key) ?? { t: 0, events: 0, exposure: 0, n: 0 };
    b.t += o.t;
    b.n++;
    b.events += eventsOf(o);
    b.exposure += x;
    blocks.set(key, b);
    events += eventsOf(o);
    exposure += x;
  }
  const rows = [...blocks.values()].map((b) => ({ t: b.t / b.n, events: b.events, exposure: b.exposure }));
  const flat = Math.log((events + 0.5) / Math.max(exposure, 1e-12));
  const counts = obs.map(eventsOf);
  const hourOfEvents = (events * 60) / Math.max(ctx.spanMinutes, 60);
  const fitTerms = (terms: Terms) => {
    const X = rows.map((r) => designRow(ctx, terms, r.t));
    const p = X[0]?.length ?? 1;
    let beta = new Array<number>(p).fill(0);
    beta[0] = flat;
    let info: number[][] = zeros(p);
    for (let iter = 0; iter < 30; iter++) {
      const A = zeros(p);
      const b = new Array<number>(p).fill(0);
      for (let i = 0; i < rows.length; i++) {
        const x = X[i] as number[];
        const r = rows[i] as { events: number; exposure: number };
        const eta = dot(x, beta);
        const mu = r.exposure * Math.exp(eta);
        const w = Math.max(mu, 1e-9);
        accumulate(A, b, x, w, eta + (r.events - mu) / w);
      }
      const next = solve(A, b, 1e-6);
      if (!next) break;
      const change = Math.max(...next.map((v, k) => Math.abs(v - (beta[k] ?? 0))));
      beta = next;
      info = A;
      if (change < 1e-8) break;
    }
    const logLevel = (t: number, trend?: TrendScenario) => dot(designRow(ctx, terms, t, trend), beta);
    const expected = obs.map((o) => exposureOf(kind, o) * Math.exp(logLevel(o.t)));
    const dispersion = countDispersion(counts, expected, p, ctx.periodMinutes);
    const covariance = covarianceOf(info, dispersion);
    const references = checkReferences(ctx, counts, expected, (e) => dispersion / Math.max(e, 1e-9));
    const best = references.reduce<ReferenceCheck | undefined>((a, r) => (!a || r.score < a.score ? r : a), undefined);
    const blockExpected = rows.map((r, i) => r.exposure * Math.exp(dot(X[i] as number[], beta)));
    const score =
      dispersion / Math.max(hourOfEvents, 1e-9) +
      nextDayVariance(ctx, terms, covariance, meanDesign(X, blockExpected)) +
      (best?.score ?? dispersion / Math.max(events, 1));
    return { terms, beta, logLevel, dispersion, covariance, references, best, score };
  };
  // Too few events for a shape: a flat rate, whose only uncertainty is the reference size itself.
  const chosen = events < 20 || rows.length < 4 ? fitTerms({ trend: false, harmonics: 0 }) : mostCertain(candidates(ctx).map(fitTerms));
  return {
    kind,
    end: ctx.end,
    spanMinutes: ctx.spanMinutes,
    periodMinutes: ctx.periodMinutes,
    points: obs.length,
    trendPerHour: chosen.terms.trend ? (chosen.beta[1] ?? 0) : 0,
    seasonal: chosen.terms.harmonics > 0,
    logLevel: chosen.logLevel,
    design: (t: number, trend?: TrendScenario) => designRow(ctx, chosen.terms, t, trend),
    covariance: chosen.covariance ?? [[Number.POSITIVE_INFINITY]],
    references: chosen.references,
    referenceMinutes: chosen.best?.minutes ?? ctx.spanMinutes,
    dispersion: chosen.dispersion,
    offset: 0,
    scale: 0,
    clipWidth: 0,
    longRunVariance: 0,
    residuals: [],
  };
}

function fitLevels(obs: readonly Observation[], ctx: FitContext): BaselineModel {
  const positives = obs.map((o) => o.value).filter((v) => v > 0);
  const offset = obs.some((o) => o.value <= 0) ? Math.max(1e-9, 0.01 * (medianOrZero(positives) || 1)) : 0;
  const ys = obs.map((o) => Math.log(Math.max(o.value, 0) + offset));
  const hourOfPoints = 60 / Math.max(ctx.periodMinutes, 1e-9);
  const fitTerms = (terms: Terms) => {
    const X = obs.map((o) => designRow(ctx, terms, o.t));
    const p = X[0]?.length ?? 1;
    const A = zeros(p);
    const b = new Array<number>(p).fill(0);
    for (let i = 0; i < obs.length; i++) accumulate(A, b, X[i] as number[], 1, ys[i] as number);
    const beta = solve(A, b, 1e-6) ?? [obs.length ? mean(ys) : 0, ...new Array<number>(p - 1).fill(0)];
    const residuals = obs.map((_, i) => (ys[i] as number) - dot(X[i] as number[], beta));
    const scale = Math.max(1.4826 * mad(residuals), 0.005);
    const width = Math.max(CLIP * scale, Math.log(MIN_LEVEL_EFFECT));
    const center = medianOrZero(residuals);
    const clipped = residuals.map((r) => clip(r, center, width));
    const v = Math.max(longRunVariance(clipped, ctx.periodMinutes), (width * width) / (2 * ONE_POINT_LOG_E));
    const covariance = covarianceOf(A, v);
    const references = checkReferences(ctx, clipped, undefined, (n) => v / Math.max(n, 1e-9));
    const best = references.reduce<ReferenceCheck | undefined>((a, r) => (!a || r.score < a.score ? r : a), undefined);
    const score =
      v / hourOfPoints +
      nextDayVariance(
        ctx,
        terms,
        covariance,
        meanDesign(
          X,
          X.map(() => 1),
        ),
      ) +
      (best?.score ?? v / Math.max(obs.length, 1));
    return { terms, beta, residuals, scale, width, v, covariance, references, best, score };
  };
  const chosen = obs.length >= 8 ? mostCertain(candidates(ctx).map(fitTerms)) : fitTerms({ trend: false, harmonics: 0 });
  return {
    kind: 'level',
    end: ctx.end,
    spanMinutes: ctx.spanMinutes,
    periodMinutes: ctx.periodMinutes,
    points: obs.length,
    trendPerHour: chosen.terms.trend ? (chosen.beta[1] ?? 0) : 0,
    seasonal: chosen.terms.harmonics > 0,
    logLevel: (t: number, trend?: TrendScenario) => dot(designRow(ctx, chosen.terms, t, trend), chosen.beta),
    design: (t: number, trend?: TrendScenario) => designRow(ctx, chosen.terms, t, trend),
    covariance: chosen.covariance ?? [[Number.POSITIVE_INFINITY]],
    references: chosen.references,
    referenceMinutes: chosen.best?.minutes ?? ctx.spanMinutes,
    dispersion: 1,
    offset,
    scale: chosen.scale,
    clipWidth: chosen.width,
    longRunVariance: chosen.v,
    residuals: chosen.residuals,
  };
}

/**
 * The predictive check: for each candidate reference length L, across the history, the mean of L
 * consecutive periods against the mean of the hour, six hours and day after them (a post-deploy
 * window grows that long). Their squared difference, averaged, is compared with what noise alone
 * gives (`noise`, of a window's size: points for levels, expected events for counts); the excess
 * counts when clearly above it, and the largest excess over the three horizons is kept: one fixed
 * extra variance per reference, so each test stays a likelihood ratio of one model. Plain averages,
 * not robust ones: a level that moves between regimes is exactly what this must see.
 *
 * Levels pass the clipped residuals (`expected` undefined); counts pass events and expected events
 * and are compared as ratios observed ÷ expected.
 */
function checkReferences(
  ctx: FitContext,
  values: readonly number[],
  expected: readonly number[] | undefined,
  noise: (size: number) => number,
): ReferenceCheck[] {
  const n = values.length;
  const sum = prefix(values);
  const esum = expected ? prefix(expected) : undefined;
  const size = (a: number, b: number) => (esum ? (esum[b] as number) - (esum[a] as number) : b - a);
  const level = (a: number, b: number) => ((sum[b] as number) - (sum[a] as number)) / Math.max(size(a, b), 1e-12);
  const points = (minutes: number) => Math.max(1, Math.round(minutes / ctx.periodMinutes));
  const step = points(60);
  const out: ReferenceCheck[] = [];
  for (const minutes of REFERENCE_MINUTES) {
    const ref = points(minutes);
    let checked = false;
    let excess = 0;
    for (const horizon of PREDICTED_MINUTES) {
      const post = points(horizon);
      if (ref + post > n) continue;
      let squares = 0;
      let expectedNoise = 0;
      let positions = 0;
      for (let i = ref; i + post <= n; i += step) {
        if (size(i - ref, i) <= 0 || size(i, i + post) <= 0) continue;
        const d = level(i, i + post) - level(i - ref, i);
        squares += d * d;
        expectedNoise += noise(size(i - ref, i)) + noise(size(i, i + post));
        positions++;
      }
      if (positions < 8) continue;
      checked = true;
      const observed = squares / positions;
      const floor = expectedNoise / positions;
      // Windows overlap: about n / (ref + post) of the differences are independent.
      const independent = Math.max(1, Math.min(positions, n / (ref + post)));
      if (observed > floor * (1 + 2 * Math.sqrt(2 / independent))) excess = Math.max(excess, observed - floor);
    }
    if (!checked) break;
    out.push({ minutes, excess, score: noise(size(n - ref, n)) + excess });
  }
  // The whole history, when longer than every window checked: it is charged the longest one's excess.
  const longest = out.at(-1);
  if (longest && ctx.spanMinutes > longest.minutes * 1.2)
    out.push({ minutes: ctx.spanMinutes, excess: longest.excess, score: noise(size(0, n)) + longest.excess });
  return out;
}

function prefix(values: readonly number[]): Float64Array {
  const out = new Float64Array(values.length + 1);
  for (let i = 0; i < values.length; i++) out[i + 1] = (out[i] as number) + (values[i] as number);
  return out;
}

/**
 * Dispersion (variance ÷ mean) of event counts summed over one period and over blocks of up to an
 * hour: the largest one that is significantly above 1 (Poisson), so bursts make the test more
 * careful rather than falsely confident. Slower movement of the level is the predictive check's.
 */
function countDispersion(counts: readonly number[], mu: readonly number[], params: number, periodMinutes: number): number {
  let phi = 1;
  for (const k of [1, ...blockSizes(SHORT_MINUTES, periodMinutes)]) {
    let x2 = 0;
    let blocks = 0;
    let expected = 0;
    const squares: number[] = [];
    for (let i = 0; i + k <= counts.length; i += k) {
      let o = 0;
      let e = 0;
      for (let j = i; j < i + k; j++) {
        o += counts[j] as number;
        e += mu[j] as number;
      }
      if (e <= 0) continue;
      squares.push((o - e) ** 2 / e);
      x2 += (o - e) ** 2 / e;
      expected += e;
      blocks++;
    }
    const df = blocks - Math.min(params, blocks / 2);
    if (blocks < 20 || df <= 0) continue;
    const meanE = expected / blocks;
    // With enough events per block, the median of (O−E)²/E over 0.455 (the median of χ²₁) is the
    // robust estimate: an earlier incident in the history does not pass for everyday noise (the
    // predictive check sees level shifts).
    const estimate = meanE >= 5 ? medianOrZero(squares) / 0.4549 : x2 / df;
    // Pearson X²/df has variance ≈ (2 + 1/μ)/df for Poisson counts of mean μ.
    if (estimate > 1 + 2 * Math.sqrt((2 + 1 / Math.max(meanE, 1e-3)) / df)) phi = Math.max(phi, estimate);
  }
  return Math.min(phi, 1e4);
}

/** scale·A⁻¹: the covariance of the estimated coefficients. */
function covarianceOf(A: readonly (readonly number[])[], scale: number): number[][] | undefined {
  const p = A.length;
  const inverse: number[][] = [];
  for (let k = 0; k < p; k++) {
    const e = new Array<number>(p).fill(0);
    e[k] = 1;
    const column = solve(A, e, 1e-9);
    if (!column) return undefined;
    inverse.push(column.map((x) => x * scale));
  }
  return inverse;
}

/** d'·Cov·d: the variance of the difference of predicted log levels between two windows whose mean design rows differ by d. */
export function quadraticForm(cov: readonly (readonly number[])[], d: readonly number[]): number {
  let q = 0;
  for (let i = 0; i < d.length; i++) for (let j = 0; j < d.length; j++) q += (d[i] as number) * (cov[i]?.[j] ?? 0) * (d[j] as number);
  return Math.max(0, q);
}

/** Mean over the next day's hours of the prediction variance relative to the history's mean design row. */
function nextDayVariance(
  ctx: FitContext,
  terms: Terms,
  cov: readonly (readonly number[])[] | undefined,
  historyDesign: readonly number[],
): number {
  if (!cov) return Number.POSITIVE_INFINITY;
  let total = 0;
  for (let h = 0; h < 24; h++) {
    const x = designRow(ctx, terms, ctx.end + (h + 0.5) * HOUR);
    total += quadraticForm(
      cov,
      x.map((v, i) => v - (historyDesign[i] ?? 0)),
    );
  }
  return total / 24;
}

/** Weighted mean of design rows. */
function meanDesign(rows: readonly (readonly number[])[], weights: readonly number[]): number[] {
  const p = rows[0]?.length ?? 1;
  const out = new Array<number>(p).fill(0);
  let w = 0;
  for (let i = 0; i < rows.length; i++) {
    const wi = weights[i] ?? 0;
    w += wi;
    for (let k = 0; k < p; k++) out[k] = (out[k] as number) + wi * ((rows[i] as number[])[k] as number);
  }
  return w > 0 ? out.map((x) => x / w) : out;
}

/** Log residual of one observation under a level model. */
export function levelResidual(model: BaselineModel, o: Observation, trend?: TrendScenario): number {
  return Math.log(Math.max(o.value, 0) + model.offset) - model.logLevel(o.t, trend);
}

/** Events a count model expects for one observation (at the healthy level). */
export function expectedEvents(model: BaselineModel, o: Observation, trend?: TrendScenario): number {
  return exposureOf(model.kind, o) * Math.exp(model.logLevel(o.t, trend));
}

/** A residual clipped to center ± width: one wild point cannot decide a test on its own. */
export function clip(r: number, center: number, width: number): number {
  return Math.min(center + width, Math.max(center - width, r));
}

/** Blocks of consecutive points spanning these minutes (at least 2 points; each size once). */
function blockSizes(minutes: readonly number[], periodMinutes: number): number[] {
  return [...new Set(minutes.map((m) => Math.round(m / Math.max(periodMinutes, 1e-9))))].filter((k) => k >= 2);
}

/**
 * Long-run variance of one value of a series: k × the variance of means of k consecutive values,
 * over blocks of up to an hour (batch means); a larger block counts only when clearly above
 * single values. Block means are measured robustly (MAD), so that an earlier incident in the
 * history does not pass for noise (the predictive check sees level shifts).
 */
export function longRunVariance(values: readonly number[], periodMinutes = 1): number {
  const v1 = variance(values);
  let v = v1;
  for (const k of blockSizes(SHORT_MINUTES.slice(1), periodMinutes)) {
    const means = blockMeans(values, k);
    if (means.length < 20) continue;
    const vk = k * robustVariance(means);
    // MAD is about 1.65 times noisier than the standard deviation: a wider margin before it counts.
    if (vk > v1 * (1 + 3.3 * Math.sqrt(2 / (means.length - 1)))) v = Math.max(v, vk);
  }
  return v;
}

function blockMeans(values: readonly number[], k: number): number[] {
  const means: number[] = [];
  for (let i = 0; i + k <= values.length; i += k) {
    let s = 0;
    for (let j = i; j < i + k; j++) s += values[j] as number;
    means.push(s / k);
  }
  return means;
}

/** (1.4826 · MAD)²: the variance of a normal sample, unmoved by a few wild values. */
function robustVariance(values: readonly number[]): number {
  return (1.4826 * mad(values)) ** 2;
}

// ---------------------------------------------------------------------------------------------
// Small numeric helpers.

function mad(values: readonly number[]): number {
  const m = medianOrZero(values);
  return medianOrZero(values.map((v) => Math.abs(v - m)));
}

function periodMs(obs: readonly Observation[]): number {
  if (obs.length < 2) return 60_000;
  const gaps: number[] = [];
  for (let i = 1; i < obs.length; i++) gaps.push((obs[i] as Observation).t - (obs[i - 1] as Observation).t);
  return Math.max(1000, medianOrZero(gaps));
}

function coversEveryHour(obs: readonly Observation[]): boolean {
  const seen = new Set<number>();
  for (const o of obs) seen.add(new Date(o.t).getUTCHours());
  return seen.size === 24;
}

const dot = (x: readonly number[], b: readonly number[]): number => {
  let s = 0;
  for (let k = 0; k < x.length; k++) s += (x[k] as number) * (b[k] ?? 0);
  return s;
};

const zeros = (p: number): number[][] => Array.from({ length: p }, () => new Array<number>(p).fill(0));

function accumulate(A: number[][], b: number[], x: readonly number[], w: number, z: number): void {
  for (let i = 0; i < x.length; i++) {
    const xi = x[i] as number;
    if (xi === 0) continue;
    b[i] = (b[i] as number) + w * xi * z;
    const row = A[i] as number[];
    for (let j = 0; j < x.length; j++) row[j] = (row[j] as number) + w * xi * (x[j] as number);
  }
}

/** Solves (A + ridge·diag A)·β = b by Cholesky; undefined when A is not positive definite. The ridge is relative to each diagonal element, so it never pulls one coefficient by another's scale. */
function solve(A: readonly (readonly number[])[], b: readonly number[], ridge: number): number[] | undefined {
  const L = cholesky(A, ridge);
  if (!L) return undefined;
  const p = b.length;
  const y = new Array<number>(p).fill(0);
  for (let i = 0; i < p; i++) {
    let s = b[i] as number;
    for (let k = 0; k < i; k++) s -= (L[i]?.[k] as number) * (y[k] as number);
    y[i] = s / (L[i]?.[i] as number);
  }
  const x = new Array<number>(p).fill(0);
  for (let i = p - 1; i >= 0; i--) {
    let s = y[i] as number;
    for (let k = i + 1; k < p; k++) s -= (L[k]?.[i] as number) * (x[k] as number);
    x[i] = s / (L[i]?.[i] as number);
  }
  return x;
}

function cholesky(A: readonly (readonly number[])[], ridge: number): number[][] | undefined {
  const p = A.length;
  const L = zeros(p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = (A[i]?.[j] ?? 0) * (i === j ? 1 + ridge : 1);
      for (let k = 0; k < j; k++) s -= (L[i]?.[k] as number) * (L[j]?.[k] as number);
      if (i === j) {
        if (!(s > 0)) return undefined;
        (L[i] as number[])[i] = Math.sqrt(s);
      } else (L[i] as number[])[j] = s / (L[j]?.[j] as number);
    }
  }
  return L;
}
