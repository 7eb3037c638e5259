/**
 * Anytime-valid sequential tests (e-processes) for validation. See docs/validation.md.
 *
 * An e-process E_t is a nonnegative process with E[E_τ] ≤ 1 under the null hypothesis at every
 * stopping time τ. Ville's inequality then gives P(sup_t E_t ≥ 1/α) ≤ α: prodloop may look after
 * every new data point, or every five minutes, or whenever it likes, and the probability of ever
 * crossing 1/α when the null is true stays at most α. Each test here is a likelihood ratio mixed
 * over a small grid of alternatives (a mixture SPRT): a finite mixture of e-processes with weights
 * summing to one is an e-process.
 *
 * Two families, both two-sample (post-deploy data against a reference sample measured before the
 * deploy), so that the reference level is not assumed known:
 *
 * - counts (errors over traffic, or events per period): conditional on the total number of events,
 *   the post-deploy share is binomial and free of the unknown reference rate;
 * - levels (latency quantiles, CPU, anything continuous, on a log scale): the Gaussian likelihood of
 *   the differences between post-deploy values and the reference mean, which does not depend on
 *   the unknown reference mean; its effective sample size is n·N/(n+N), so a post-deploy sample can
 *   never carry more evidence than the reference it is compared with allows.
 */

/** One alternative of a mixture: a multiplicative effect (post ÷ reference) and its prior weight. */
export interface Component {
  readonly effect: number;
  readonly weight: number;
}

/** log Σ_k w_k · exp(l_k), computed without overflow. */
export function logMix(logs: readonly number[], weights: readonly number[]): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < logs.length; k++) if ((weights[k] ?? 0) > 0) max = Math.max(max, logs[k] as number);
  if (!Number.isFinite(max)) return max;
  let sum = 0;
  for (let k = 0; k < logs.length; k++) {
    const w = weights[k] ?? 0;
    if (w > 0) sum += w * Math.exp((logs[k] as number) - max);
  }
  return max + Math.log(sum);
}

/** log(1/α): the level an e-process must reach to reject at α. */
export const logThreshold = (alpha: number): number => Math.log(1 / alpha);

/** The e-value of a log e-value, finite however large the evidence. */
export const eValueOf = (logE: number): number => Math.exp(Math.min(logE, 690));

/** An e-value for people: 2.4, 37, 1.2e+5. */
export const formatEValue = (e: number): string => (e >= 1e4 ? e.toExponential(1) : e >= 10 ? e.toFixed(0) : e.toPrecision(2));

// ---------------------------------------------------------------------------------------------
// Counts

/**
 * Sufficient statistics of a two-sample count comparison. Exposures are in the same unit on both
 * sides: the number of events the healthy baseline model expects (traffic × expected rate, already
 * adjusted for trend and daily seasonality), so that a ratio θ = 1 means "as expected".
 */
export interface CountSample {
  /** Events in the reference window. */
  readonly refEvents: number;
  /** Exposure of the reference window; Infinity when the reference rate is known exactly. */
  readonly refExposure: number;
  /** Events since the deploy (or since the settle period). */
  readonly events: number;
  readonly exposure: number;
  /** Overdispersion (variance ÷ mean) measured on the baseline, ≥ 1; the likelihood is tempered by it. */
  readonly dispersion: number;
}

/**
 * log likelihood ratio of "post rate = θ1 × reference rate" against "θ0 × reference rate".
 * Conditional on K = B + E events in total, E ~ Binomial(K, θΛ / (M + θΛ)): the unknown reference
 * rate drops out. With a known reference rate (M = ∞) it is the one-sample Poisson ratio.
 */
export function countLogLR(theta1: number, theta0: number, s: CountSample): number {
  const { refEvents: B, refExposure: M, events: E, exposure: L } = s;
  if (L <= 0) return 0;
  let l: number;
  if (!Number.isFinite(M)) l = E * Math.log(theta1 / theta0) - (theta1 - theta0) * L;
  else l = E * Math.log(theta1 / theta0) + (B + E) * Math.log1p(((theta0 - theta1) * L) / (M + theta1 * L));
  return l / Math.max(1, s.dispersion);
}

/** log of the mixture e-value for "post ÷ reference ratio differs from θ0 in the direction of the components". */
export function countLogE(components: readonly Component[], theta0: number, s: CountSample): number {
  return logMix(
    components.map((c) => countLogLR(c.effect, theta0, s)),
    components.map((c) => c.weight),
  );
}

/** Expected growth of countLogLR per expected reference event when the true ratio is θ (one-sample approximation). */
export function countDrift(theta1: number, theta0: number, theta: number, dispersion: number): number {
  return (theta * Math.log(theta1 / theta0) - (theta1 - theta0)) / Math.max(1, dispersion);
}

// ---------------------------------------------------------------------------------------------
// Levels

/**
 * Sufficient statistics of a two-sample level comparison on transformed values (log scale, clipped,
 * see baseline.ts): the post-deploy mean against the reference mean.
 */
export interface LevelSample {
  readonly refMean: number;
  /** Reference size; Infinity when the reference mean is known exactly. */
  readonly refCount: number;
  readonly mean: number;
  readonly count: number;
  /** Long-run variance of one transformed value (autocorrelation included). */
  readonly variance: number;
}

/** Effective sample size of the difference of two means: n·N / (n + N). */
export function effectiveCount(n: number, N: number): number {
  if (n <= 0) return 0;
  return Number.isFinite(N) ? (n * N) / (n + N) : n;
}

/**
 * log likelihood ratio of "the post-deploy mean exceeds the reference mean by Δ1" against "by 0",
 * on the invariant differences (post value − reference mean). Their joint law has covariance
 * σ²(I + J/N), whose likelihood ratio reduces to exp(n_eff/σ² · (Δ1·d − Δ1²/2)) with d the
 * difference of means: a nonnegative martingale under Δ = 0 whatever the reference mean is.
 */
export function levelLogLR(delta1: number, s: LevelSample): number {
  const n = effectiveCount(s.count, s.refCount);
  if (n <= 0 || !(s.variance > 0)) return 0;
  const d = s.mean - s.refMean;
  return (n / s.variance) * (delta1 * d - (delta1 * delta1) / 2);
}

/** log of the mixture e-value over shifts Δ_k (in the transformed unit) with weights w_k. */
export function levelLogE(shifts: readonly number[], weights: readonly number[], s: LevelSample): number {
  return logMix(
    shifts.map((d) => levelLogLR(d, s)),
    weights,
  );
}

/** Expected growth of levelLogLR per observation when the true shift is Δ. */
export function levelDrift(delta1: number, delta: number, variance: number): number {
  return (delta1 * delta - (delta1 * delta1) / 2) / variance;
}

// ---------------------------------------------------------------------------------------------
// Time to a decision

/**
 * Observations (or expected reference events) still needed before the mixture is expected to reach
 * log(1/α), given each component's current log likelihood ratio and its expected growth per unit:
 * the fastest component decides. Infinity when no component grows.
 */
export function unitsToThreshold(
  currentLogLRs: readonly number[],
  drifts: readonly number[],
  weights: readonly number[],
  logThresholdValue: number,
): number {
  let best = Number.POSITIVE_INFINITY;
  for (let k = 0; k < drifts.length; k++) {
    const w = weights[k] ?? 0;
    const d = drifts[k] ?? 0;
    if (w <= 0) continue;
    const needed = logThresholdValue - Math.log(w) - (currentLogLRs[k] ?? 0);
    if (needed <= 0) return 0;
    if (d > 0) best = Math.min(best, needed / d);
  }
  return best;
}
