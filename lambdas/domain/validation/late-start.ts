/**
 * "Worse" that also catches a regression starting hours after the deploy (a leak, a cache that fills,
 * a nightly job on the new code), without diluting it with the good hours before it.
 *
 * An e-detector: a weighted sum of e-processes started at different times. The comparison started at
 * the deploy carries most of the weight; one comparison starts at each full hour after the deploy
 * until the horizon, sharing the rest. A comparison not started yet counts as 1 (it has seen no
 * data), so the sum starts at 1 and, as a mixture of e-processes with weights summing to 1, is itself
 * an e-process: Ville's inequality bounds the chance that it ever crosses 1/α by α, whatever the
 * number of looks. The false-andon bound is unchanged.
 *
 * The price: the comparison since the deploy needs 1/(1 − share) times more evidence (about 2 % more
 * time at α = 1 % and share 0.1), and a regression that starts at hour k is judged on the points since
 * hour k alone, with 1/(share/K) more evidence needed than a fresh test would.
 */
import type { Observation } from './baseline.ts';
import type { Comparison } from './comparison.ts';
import { logMix } from './sequential.ts';

/** Weight of the comparisons started after the deploy, together. */
export const LATE_START_SHARE = 0.1;
const HOUR = 60 * 60_000;

/** The comparison whose evidence leads: since the deploy, or since a later hour. */
export interface Leader {
  /** Minutes after the deploy the leading comparison starts (0: the deploy). */
  readonly startMinutes: number;
  readonly ratio: number;
  /** Its own log e-value, before weighting. */
  readonly logE: number;
}

export interface LateStartComparison extends Comparison {
  /** The comparison that contributes most to the e-value. */
  leader(): Leader;
}

/**
 * `make` builds one comparison (the same reference and alternatives for each); `horizonMinutes` is
 * how long after the deploy looks may go on (the deadline), which fixes the number of late starts in
 * advance, as the weights must be.
 */
export function sinceDeployOrAnyHour(
  make: () => Comparison,
  deployAt: number,
  horizonMinutes: number,
  share = LATE_START_SHARE,
): LateStartComparison {
  const lateStarts = Math.max(0, Math.ceil(horizonMinutes / 60) - 1);
  return lateStarts === 0 || share <= 0 ? solo(make()) : new SinceAnyHour(make, deployAt, lateStarts, share);
}

function solo(c: Comparison): LateStartComparison {
  return Object.assign(c, { leader: () => ({ startMinutes: 0, ratio: c.ratio(), logE: c.logE() }) });
}

class SinceAnyHour implements LateStartComparison {
  private readonly first: Comparison;
  /** late[k] starts at the deploy + (k + 1) hours; created when its first point arrives. */
  private readonly late: Comparison[] = [];
  private readonly logWFirst: number;
  private readonly logWLate: number;
  /** The weights of the mixture: the comparison since the deploy, then each late start. */
  private readonly weights: readonly number[];

  constructor(
    private readonly make: () => Comparison,
    private readonly deployAt: number,
    private readonly lateStarts: number,
    share: number,
  ) {
    this.first = make();
    this.logWFirst = Math.log(1 - share);
    this.logWLate = Math.log(share / lateStarts);
    this.weights = [1 - share, ...Array.from({ length: lateStarts }, () => share / lateStarts)];
  }

  get count(): number {
    return this.first.count;
  }

  add(o: Observation): void {
    this.first.add(o);
    const started = Math.min(this.lateStarts, Math.floor((o.t - this.deployAt) / HOUR));
    while (this.late.length < started) this.late.push(this.make());
    for (let k = 0; k < started; k++) (this.late[k] as Comparison).add(o);
  }

  logE(): number {
    // A late start that has seen no point yet counts as e = 1.
    const logs = [this.first.logE()];
    for (let k = 0; k < this.lateStarts; k++) logs.push(this.late[k]?.logE() ?? 0);
    return logMix(logs, this.weights);
  }

  ratio(): number {
    return this.first.ratio();
  }

  leader(): Leader {
    let best: Leader = { startMinutes: 0, ratio: this.first.ratio(), logE: this.first.logE() };
    let bestWeighted = this.logWFirst + best.logE;
    this.late.forEach((c, k) => {
      if (c.count === 0) return;
      const logE = c.logE();
      if (this.logWLate + logE > bestWeighted) {
        bestWeighted = this.logWLate + logE;
        best = { startMinutes: (k + 1) * 60, ratio: c.ratio(), logE };
      }
    });
    return best;
  }

  /** The time the comparison since the deploy needs to carry the sum alone. */
  minutesToThreshold(logThresholdValue: number, theta: number, minutesSoFar: number): number {
    return this.first.minutesToThreshold(logThresholdValue - this.logWFirst, theta, minutesSoFar);
  }

  eventsPerMinute(minutesSoFar: number): number {
    return this.first.eventsPerMinute(minutesSoFar);
  }
}
