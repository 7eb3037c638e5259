/**
 * One sequential comparison of the signal since a deploy against a reference window measured
 * before it (the pre-deploy level for "worse", the healthy history for "recovered" and
 * "unchanged"), on the healthy baseline model's scale: a ratio of 1 means "as the reference,
 * after trend and daily cycle". Post-deploy observations are added one at a time, so the same
 * object serves one look over all points (the validate handler) and a look after every point
 * (the benchmark).
 *
 * When the baseline has a trend, the comparison is made twice, with the trend continuing after the
 * history and with it stopping there, and reports the smaller e-value: under either null the
 * smaller one is bounded by a valid e-process, so Ville's inequality still holds, and a level that
 * was already falling (or rising) is neither credited to the deploy nor blamed on it.
 */
import { medianOrZero } from '#domain/shared/stats';
import {
  type BaselineModel,
  clip,
  eventsOf,
  excessFor,
  expectedEvents,
  levelResidual,
  type Observation,
  quadraticForm,
  type TrendScenario,
} from './baseline.ts';
import {
  type Component,
  type CountSample,
  countDrift,
  countLogE,
  countLogLR,
  type LevelSample,
  levelDrift,
  levelLogE,
  levelLogLR,
  unitsToThreshold,
} from './sequential.ts';

export interface ComparisonOptions {
  /** The null hypothesis: post ÷ reference ratio = theta0 (or beyond it, away from the components). */
  readonly theta0: number;
  /** Alternatives (ratios to the reference) and their weights, summing to at most 1. */
  readonly components: readonly Component[];
}

export interface Comparison {
  add(o: Observation): void;
  /** log of the e-value so far. */
  logE(): number;
  /** Estimated post ÷ reference ratio (NaN before any post-deploy data). */
  ratio(): number;
  /** Post-deploy observations added. */
  readonly count: number;
  /**
   * Minutes of data at the current volume still needed before the e-value is expected to reach
   * log(1/α), if the true ratio is `theta` (Infinity when it would not).
   */
  minutesToThreshold(logThresholdValue: number, theta: number, minutesSoFar: number): number;
  /** Expected events per minute at the reference rate, at the current volume (counts only). */
  eventsPerMinute(minutesSoFar: number): number;
}

export function compare(model: BaselineModel, reference: readonly Observation[], options: ComparisonOptions): Comparison {
  return comparisons(model, reference, options)();
}

/**
 * A maker of fresh comparisons, all against the same reference: the reference window is read once
 * (its events, residuals and design rows), and each comparison made is the one `compare` would
 * make. For a test that starts a comparison at many times (late-start.ts).
 */
export function comparisons(model: BaselineModel, reference: readonly Observation[], options: ComparisonOptions): () => Comparison {
  const one = (trend: TrendScenario): (() => Comparison) => {
    if (model.kind === 'level') {
      const ref = levelReference(model, reference, options, trend);
      return () => new LevelComparison(model, ref, options, trend);
    }
    const ref = countReference(model, reference, trend);
    return () => new CountComparison(model, ref, options, trend);
  };
  if (model.trendPerHour === 0) return one('continues');
  const continues = one('continues');
  const stops = one('stops');
  return () => new EitherTrend(continues(), stops());
}

/** The smaller evidence of two comparisons, one per trend scenario. */
class EitherTrend implements Comparison {
  constructor(
    private readonly continues: Comparison,
    private readonly stops: Comparison,
  ) {}
  get count(): number {
    return this.continues.count;
  }
  add(o: Observation): void {
    this.continues.add(o);
    this.stops.add(o);
  }
  logE(): number {
    return Math.min(this.continues.logE(), this.stops.logE());
  }
  ratio(): number {
    return this.continues.ratio();
  }
  minutesToThreshold(logThresholdValue: number, theta: number, minutesSoFar: number): number {
    return Math.max(
      this.continues.minutesToThreshold(logThresholdValue, theta, minutesSoFar),
      this.stops.minutesToThreshold(logThresholdValue, theta, minutesSoFar),
    );
  }
  eventsPerMinute(minutesSoFar: number): number {
    return this.continues.eventsPerMinute(minutesSoFar);
  }
}

/** Running weighted mean of the model's design rows over a window. */
class DesignMean {
  private readonly sum: number[];
  private weight = 0;
  private first = Number.POSITIVE_INFINITY;
  private last = Number.NEGATIVE_INFINITY;
  constructor(
    private readonly model: BaselineModel,
    private readonly trend: TrendScenario,
  ) {
    this.sum = new Array<number>(model.design(0).length).fill(0);
  }
  add(t: number, w: number): void {
    this.first = Math.min(this.first, t);
    this.last = Math.max(this.last, t);
    if (!(w > 0)) return;
    const x = this.model.design(t, this.trend);
    for (let k = 0; k < this.sum.length; k++) this.sum[k] = (this.sum[k] as number) + w * (x[k] ?? 0);
    this.weight += w;
  }
  mean(): number[] {
    return this.weight > 0 ? this.sum.map((x) => x / this.weight) : this.sum.map(() => 0);
  }
  /** Minutes the window spans. */
  minutes(): number {
    return Number.isFinite(this.first) ? (this.last - this.first) / 60_000 + this.model.periodMinutes : 0;
  }
}

/**
 * Variance of the baseline's prediction for the post-deploy window relative to the reference window
 * (its estimated trend and profile: d'·Cov·d, d the difference of their mean design rows), plus what
 * the predictive check found a reference of that length misses beyond noise. It caps how much
 * evidence a comparison can carry.
 */
function windowVariance(model: BaselineModel, reference: ReferenceWindow, post: DesignMean): number {
  const a = reference.designMean;
  const b = post.mean();
  return (
    quadraticForm(
      model.covariance,
      b.map((x, k) => x - (a[k] ?? 0)),
    ) + reference.excess
  );
}

/** A reference window's mean design row and what a reference that long misses beyond noise: fixed once it is read. */
interface ReferenceWindow {
  readonly designMean: readonly number[];
  readonly excess: number;
}

function referenceWindow(model: BaselineModel, design: DesignMean): ReferenceWindow {
  return { designMean: design.mean(), excess: excessFor(model, Math.max(design.minutes(), 1)) };
}

/** What a count comparison reads from its reference window: its events, expected events and design rows. Read-only once made. */
interface CountReference {
  readonly events: number;
  readonly exposure: number;
  readonly window: ReferenceWindow;
}

function countReference(model: BaselineModel, reference: readonly Observation[], trend: TrendScenario): CountReference {
  const design = new DesignMean(model, trend);
  let events = 0;
  let exposure = 0;
  for (const o of reference) {
    const e = expectedEvents(model, o, trend);
    events += eventsOf(o);
    exposure += e;
    design.add(o.t, e);
  }
  return { events, exposure, window: referenceWindow(model, design) };
}

class CountComparison implements Comparison {
  private readonly refEvents: number;
  private readonly refExposure: number;
  private events = 0;
  private exposure = 0;
  private readonly refWindow: ReferenceWindow;
  private readonly postDesign: DesignMean;
  count = 0;

  constructor(
    private readonly model: BaselineModel,
    reference: CountReference,
    private readonly options: ComparisonOptions,
    private readonly trend: TrendScenario,
  ) {
    this.refEvents = reference.events;
    this.refExposure = reference.exposure;
    this.refWindow = reference.window;
    this.postDesign = new DesignMean(model, trend);
  }

  add(o: Observation): void {
    const e = expectedEvents(this.model, o, this.trend);
    this.events += eventsOf(o);
    this.exposure += e;
    this.postDesign.add(o.t, e);
    this.count++;
  }

  private sample(): CountSample {
    // The baseline's own prediction error τ² caps the reference's weight: its relative variance
    // φ/B grows to φ/B + τ², as if it held B' = B / (1 + B·τ²/φ) events at the same rate.
    const tau2 = this.count ? windowVariance(this.model, this.refWindow, this.postDesign) : 0;
    const shrink = 1 / (1 + (this.refEvents * tau2) / Math.max(1, this.model.dispersion));
    return {
      refEvents: this.refEvents * shrink,
      refExposure: this.refExposure > 0 ? this.refExposure * shrink : Number.POSITIVE_INFINITY,
      events: this.events,
      exposure: this.exposure,
      dispersion: this.model.dispersion,
    };
  }

  logE(): number {
    return countLogE(this.options.components, this.options.theta0, this.sample());
  }

  private referenceRate(): number {
    // Events per unit of healthy exposure in the reference window (1 when the reference is the history itself).
    return this.refExposure > 0 ? (this.refEvents + 0.5) / (this.refExposure + 0.5) : 1;
  }

  ratio(): number {
    if (this.exposure <= 0) return Number.NaN;
    return this.events / this.exposure / this.referenceRate();
  }

  eventsPerMinute(minutesSoFar: number): number {
    return minutesSoFar > 0 ? (this.exposure * this.referenceRate()) / minutesSoFar : 0;
  }

  minutesToThreshold(logThresholdValue: number, theta: number, minutesSoFar: number): number {
    const { components, theta0 } = this.options;
    const s = this.sample();
    const units = unitsToThreshold(
      components.map((c) => countLogLR(c.effect, theta0, s)),
      components.map((c) => countDrift(c.effect, theta0, theta, this.model.dispersion)),
      components.map((c) => c.weight),
      logThresholdValue,
    );
    const perMinute = this.eventsPerMinute(minutesSoFar);
    return units === 0 ? 0 : perMinute > 0 ? units / perMinute : Number.POSITIVE_INFINITY;
  }
}

/** What a level comparison reads from its reference window (and the history's noise). Read-only once made. */
interface LevelReference {
  readonly center: number;
  readonly refMean: number;
  readonly refCount: number;
  readonly shifts: readonly number[];
  readonly window: ReferenceWindow;
}

function levelReference(
  model: BaselineModel,
  reference: readonly Observation[],
  options: ComparisonOptions,
  trend: TrendScenario,
): LevelReference {
  const refResiduals = reference.map((o) => levelResidual(model, o, trend));
  const shape = model.residuals.length ? model.residuals : refResiduals;
  const shapeCenter = medianOrZero(shape);
  const center = refResiduals.length ? medianOrZero(refResiduals) : shapeCenter;
  const psi = (r: number) => clip(r, center, model.clipWidth);
  const refCount = refResiduals.length || Number.POSITIVE_INFINITY;
  const refMean = refResiduals.length ? refResiduals.reduce((a, r) => a + psi(r), 0) / refResiduals.length : center;
  const logTheta0 = Math.log(options.theta0);
  // What each alternative does to the mean of clipped residuals, on the history's noise recentred at the reference.
  const recentred = shape.map((r) => r - shapeCenter + center);
  const base = recentred.reduce((a, r) => a + psi(r), 0) / Math.max(recentred.length, 1);
  const shifts = options.components.map(
    (c) => recentred.reduce((a, r) => a + psi(r + Math.log(c.effect) - logTheta0), 0) / Math.max(recentred.length, 1) - base,
  );
  const design = new DesignMean(model, trend);
  for (const o of reference) design.add(o.t, 1);
  return { center, refMean, refCount, shifts, window: referenceWindow(model, design) };
}

class LevelComparison implements Comparison {
  private readonly center: number;
  private readonly refMean: number;
  private readonly refCount: number;
  private readonly shifts: readonly number[];
  private readonly logTheta0: number;
  private readonly refWindow: ReferenceWindow;
  private readonly postDesign: DesignMean;
  private sum = 0;
  private rawSum = 0;
  count = 0;

  constructor(
    private readonly model: BaselineModel,
    reference: LevelReference,
    private readonly options: ComparisonOptions,
    private readonly trend: TrendScenario,
  ) {
    this.center = reference.center;
    this.refMean = reference.refMean;
    this.refCount = reference.refCount;
    this.shifts = reference.shifts;
    this.logTheta0 = Math.log(options.theta0);
    this.refWindow = reference.window;
    this.postDesign = new DesignMean(model, trend);
  }

  add(o: Observation): void {
    const r = levelResidual(this.model, o, this.trend);
    this.sum += clip(r - this.logTheta0, this.center, this.model.clipWidth);
    this.rawSum += r;
    this.postDesign.add(o.t, 1);
    this.count++;
  }

  private sample(): LevelSample {
    // The baseline's own prediction error τ² caps the reference's weight: 1/N' = 1/N + τ²/v.
    const tau2 = this.count ? windowVariance(this.model, this.refWindow, this.postDesign) : 0;
    return {
      refMean: this.refMean,
      refCount: 1 / (1 / this.refCount + tau2 / Math.max(this.model.longRunVariance, 1e-12)),
      mean: this.count ? this.sum / this.count : this.refMean,
      count: this.count,
      variance: this.model.longRunVariance,
    };
  }

  logE(): number {
    return levelLogE(
      this.shifts,
      this.options.components.map((c) => c.weight),
      this.sample(),
    );
  }

  ratio(): number {
    return this.count ? Math.exp(this.rawSum / this.count - this.center) : Number.NaN;
  }

  eventsPerMinute(): number {
    return 0;
  }

  minutesToThreshold(logThresholdValue: number, theta: number, minutesSoFar: number): number {
    const s = this.sample();
    const delta = Math.log(theta) - this.logTheta0;
    const shift = Math.sign(delta) * Math.min(Math.abs(delta), this.model.clipWidth);
    const units = unitsToThreshold(
      this.shifts.map((d) => levelLogLR(d, s)),
      this.shifts.map((d) => levelDrift(d, shift, s.variance)),
      this.options.components.map((c) => c.weight),
      logThresholdValue,
    );
    const perMinute = this.count > 0 && minutesSoFar > 0 ? this.count / minutesSoFar : 1 / this.model.periodMinutes;
    return units === 0 ? 0 : units / perMinute;
  }
}
