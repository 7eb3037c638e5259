/** Small, dependency-free statistics used by triage and validation. */
import type { Point } from '#domain/signals/series';

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Sample variance (n - 1); 0 for fewer than two values. */
export function variance(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  let s = 0;
  for (const v of values) s += (v - m) ** 2;
  return s / (values.length - 1);
}

/** Sample standard deviation (n - 1); 0 for fewer than two values. */
export function stddev(values: readonly number[]): number {
  return Math.sqrt(variance(values));
}

export function between(points: readonly Point[], from: string, to: string): Point[] {
  const a = Date.parse(from);
  const b = Date.parse(to);
  return points.filter((p) => {
    const t = Date.parse(p.at);
    return t >= a && t < b;
  });
}

/**
 * Single change point by maximum standardized mean shift (a two-sample t statistic scan): the split
 * index that best separates the series into "before" and "after". Needs at least `minSegment` points
 * on each side; returns undefined when the series is too short.
 */
export function changePoint(points: readonly Point[], minSegment = 3): { index: number; statistic: number } | undefined {
  const n = points.length;
  if (n < 2 * minSegment) return undefined;
  const prefix = [0];
  const prefixSq = [0];
  for (const p of points) {
    prefix.push((prefix.at(-1) ?? 0) + p.value);
    prefixSq.push((prefixSq.at(-1) ?? 0) + p.value * p.value);
  }
  const total = prefix[n] ?? 0;
  const totalSq = prefixSq[n] ?? 0;
  let best: { index: number; statistic: number } | undefined;
  for (let k = minSegment; k <= n - minSegment; k++) {
    const s1 = prefix[k] ?? 0;
    const q1 = prefixSq[k] ?? 0;
    const m1 = s1 / k;
    const m2 = (total - s1) / (n - k);
    const ss = q1 - k * m1 * m1 + (totalSq - q1) - (n - k) * m2 * m2;
    const pooled = Math.sqrt(Math.max(ss, 0) / Math.max(n - 2, 1));
    const se = Math.max(pooled, 1e-9) * Math.sqrt(1 / k + 1 / (n - k));
    const statistic = Math.abs(m2 - m1) / se;
    if (!best || statistic > best.statistic) best = { index: k, statistic };
  }
  return best;
}

/** Floor for a baseline standard deviation, so a perfectly flat baseline does not make every blip significant. */
export function noiseFloor(baselineMean: number, baselineSd: number): number {
  return Math.max(baselineSd, Math.abs(baselineMean) * 0.05, 1e-6);
}

// ---------------------------------------------------------------------------------------------
// Robust summaries, distributions and fits used by triage's shift test (lambdas/domain/triage/shift.ts).

/** The median; NaN for no values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * The median as validation's baseline fits take it: 0 for no values (an empty window adds nothing),
 * sorted as a Float64Array (numerically, faster on long series; NaN sorts last and -0 before 0,
 * where `median`'s comparator keeps them where they were). Kept apart from `median` so that neither
 * triage's nor validation's figures move.
 */
export function medianOrZero(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const s = Float64Array.from(values).sort(); // typed arrays sort numerically
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Standard normal cumulative distribution (Abramowitz and Stegun 7.1.26 on erf; absolute error < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Upper tail of the standard normal, accurate far into the tail (where 1 - cdf would round to 0). */
export function normalUpperTail(z: number): number {
  if (z < 5) return 1 - normalCdf(z);
  // Mills ratio asymptotic expansion.
  const phi = Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
  return (phi / z) * (1 - 1 / (z * z) + 3 / z ** 4);
}

/** Two-sided p-value of a z statistic. */
export function twoSidedP(z: number): number {
  return Math.min(1, 2 * normalUpperTail(Math.abs(z)));
}

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9).
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const xx = x - 1;
  let a = c[0] as number;
  const t = xx + 7.5;
  for (let i = 1; i < 9; i++) a += (c[i] as number) / (xx + i);
  return 0.5 * Math.log(2 * Math.PI) + (xx + 0.5) * Math.log(t) - t + Math.log(a);
}

/** P(X >= k) for X ~ Poisson(lambda), summed in log space (exact enough for the small counts it is used on). */
export function poissonUpperTail(k: number, lambda: number): number {
  if (k <= 0) return 1;
  if (lambda <= 0) return 0;
  if (lambda > 1000) return normalUpperTail((k - 0.5 - lambda) / Math.sqrt(lambda));
  let below = 0;
  for (let i = 0; i < k; i++) below += Math.exp(i * Math.log(lambda) - lambda - logGamma(i + 1));
  if (below < 0.999) return Math.max(0, 1 - below);
  // Close to 1 below: sum the upper tail directly instead, for precision.
  let upper = 0;
  for (let i = k; i < k + 2000; i++) {
    const term = Math.exp(i * Math.log(lambda) - lambda - logGamma(i + 1));
    upper += term;
    if (term < upper * 1e-12) break;
  }
  return upper;
}

/** P(X <= k) for X ~ Poisson(lambda). */
export function poissonLowerTail(k: number, lambda: number): number {
  if (k < 0) return 0;
  return Math.min(1, 1 - poissonUpperTail(k + 1, lambda));
}

/** Lag-1 autocorrelation of a series (0 for fewer than three values or no variance). */
export function lag1Autocorrelation(values: readonly number[]): number {
  if (values.length < 3) return 0;
  const m = mean(values);
  let num = 0;
  let den = 0;
  for (let i = 0; i < values.length; i++) {
    const d = (values[i] as number) - m;
    den += d * d;
    if (i > 0) num += d * ((values[i - 1] as number) - m);
  }
  return den > 0 ? num / den : 0;
}

export interface LinearFit {
  readonly intercept: number;
  readonly slope: number;
  /** Standard error of the slope (Infinity when it cannot be estimated). */
  readonly slopeSe: number;
  /** Residual standard deviation with n - 2 degrees of freedom. */
  readonly residualSd: number;
  readonly meanX: number;
  /** Sum of squared deviations of x from its mean. */
  readonly sxx: number;
}

/** Ordinary least squares of y on x. */
export function linearFit(xs: readonly number[], ys: readonly number[]): LinearFit {
  const n = Math.min(xs.length, ys.length);
  const mx = n ? mean(xs.slice(0, n)) : 0;
  const my = n ? mean(ys.slice(0, n)) : 0;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    sxx += dx * dx;
    sxy += dx * ((ys[i] as number) - my);
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  const intercept = my - slope * mx;
  let rss = 0;
  for (let i = 0; i < n; i++) rss += ((ys[i] as number) - intercept - slope * (xs[i] as number)) ** 2;
  const residualSd = n > 2 ? Math.sqrt(rss / (n - 2)) : 0;
  const slopeSe = sxx > 0 && n > 2 ? residualSd / Math.sqrt(sxx) : Number.POSITIVE_INFINITY;
  return { intercept, slope, slopeSe, residualSd, meanX: mx, sxx };
}

/**
 * Change-point scan under a trend: for each split k, least squares of y = a + b·i + δ·[i ≥ k] and the t
 * statistic of the level shift δ. A steady trend leaves δ near zero, so a pre-existing trend does not
 * look like an onset; a step does. Returns the split with the largest |t| and how many splits were tried
 * (the multiplicity the significance test corrects for).
 */
export function trendShiftScan(
  values: readonly number[],
  minBefore: number,
  minAfter: number,
): { index: number; delta: number; t: number; tried: number } | undefined {
  const n = values.length;
  if (n < minBefore + minAfter || n < 4) return undefined;
  let sy = 0;
  let siy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const y = values[i] as number;
    sy += y;
    siy += i * y;
    syy += y * y;
  }
  const s1 = n;
  const si = (n * (n - 1)) / 2;
  const sii = ((n - 1) * n * (2 * n - 1)) / 6;
  // Suffix sums over i >= k of 1, i and y.
  const sufY = new Float64Array(n + 1);
  for (let i = n - 1; i >= 0; i--) sufY[i] = (sufY[i + 1] as number) + (values[i] as number);
  let best: { index: number; delta: number; t: number } | undefined;
  let tried = 0;
  for (let k = minBefore; k <= n - minAfter; k++) {
    tried++;
    const m = n - k; // points after the split
    const sd1 = m;
    const sdi = ((k + n - 1) * m) / 2;
    const sdd = m;
    const sdy = sufY[k] as number;
    // Normal equations A·β = c, A symmetric 3×3.
    const a = [
      [s1, si, sd1],
      [si, sii, sdi],
      [sd1, sdi, sdd],
    ] as const;
    const c = [sy, siy, sdy] as const;
    const inv = invert3(a);
    if (!inv) continue;
    const beta = [0, 1, 2].map((r) => (inv[r]?.[0] ?? 0) * c[0] + (inv[r]?.[1] ?? 0) * c[1] + (inv[r]?.[2] ?? 0) * c[2]);
    const rss = Math.max(0, syy - ((beta[0] ?? 0) * c[0] + (beta[1] ?? 0) * c[1] + (beta[2] ?? 0) * c[2]));
    const sigma2 = rss / Math.max(n - 3, 1);
    const varDelta = sigma2 * (inv[2]?.[2] ?? 0);
    const delta = beta[2] ?? 0;
    const t = varDelta > 0 ? delta / Math.sqrt(varDelta) : delta === 0 ? 0 : Math.sign(delta) * 1e9;
    if (!best || Math.abs(t) > Math.abs(best.t)) best = { index: k, delta, t };
  }
  return best ? { ...best, tried } : undefined;
}

function invert3(m: readonly (readonly number[])[]): number[][] | undefined {
  const [a, b, c] = m[0] as [number, number, number];
  const [d, e, f] = m[1] as [number, number, number];
  const [g, h, i] = m[2] as [number, number, number];
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) return undefined;
  const r = 1 / det;
  return [
    [A * r, -(b * i - c * h) * r, (b * f - c * e) * r],
    [B * r, (a * i - c * g) * r, -(a * f - c * d) * r],
    [C * r, -(a * h - b * g) * r, (a * e - b * d) * r],
  ];
}

/** log of the binomial coefficient C(n, k). */
function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

/** P(X >= k) for X ~ Binomial(n, p), summed in log space (normal approximation past 5,000 trials). */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  if (n > 5000) return normalUpperTail((k - 0.5 - n * p) / Math.sqrt(n * p * (1 - p)));
  let sum = 0;
  for (let i = k; i <= n; i++) {
    const term = Math.exp(logChoose(n, i) + i * Math.log(p) + (n - i) * Math.log(1 - p));
    sum += term;
    if (i > n * p && term < sum * 1e-15) break;
  }
  return Math.min(1, sum);
}

/** P(X <= k) for X ~ Binomial(n, p). */
export function binomialLowerTail(k: number, n: number, p: number): number {
  return binomialUpperTail(n - k, n, 1 - p);
}
