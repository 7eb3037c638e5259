/**
 * Weekly seasonality: what the metric did at the same time of week in previous weeks. The median over
 * those weeks is the seasonal profile the shift test subtracts (scaled to this week's level), so a
 * Monday-morning ramp that happens every Monday is not mistaken for an incident. Pure.
 */

import { median } from '#domain/shared/stats';
import type { Point } from '#domain/signals/series';

export const WEEK_MS = 7 * 24 * 60 * 60_000;

/** The metric over the same hours `weeksAgo` weeks before the triage window, at its own timestamps. */
export interface HistoryWindow {
  readonly weeksAgo: number;
  readonly points: readonly Point[];
}

export interface SeasonalProfile {
  /** Per point of the current window: the median of the previous weeks' values at the same time of week. */
  readonly values: readonly number[];
  /** How many previous weeks covered the window well enough to be used. */
  readonly weeks: number;
}

/** A previous week counts when it has a value near at least this fraction of the current points. */
const MIN_COVERAGE = 0.8;

/**
 * The seasonal profile of `points` from previous weeks, or undefined when no previous week covers the
 * window (new metric, data past retention, or no history asked for). `toleranceMs` is how far a past
 * timestamp may be from the exact same time of week (half the coarser of the two periods is right).
 */
export function seasonalProfile(
  points: readonly Point[],
  history: readonly HistoryWindow[],
  toleranceMs: number,
): SeasonalProfile | undefined {
  if (points.length === 0) return undefined;
  const times = points.map((p) => Date.parse(p.at));
  const weeks: number[][] = [];
  for (const h of history) {
    const past = h.points.map((p) => ({ t: Date.parse(p.at) + h.weeksAgo * WEEK_MS, v: p.value })).sort((a, b) => a.t - b.t);
    if (past.length === 0) continue;
    const values = times.map((t) => nearest(past, t, toleranceMs));
    const covered = values.filter((v) => v !== undefined).length;
    if (covered / times.length < MIN_COVERAGE) continue;
    weeks.push(fillGaps(values));
  }
  if (weeks.length === 0) return undefined;
  const values = times.map((_, i) => median(weeks.map((w) => w[i] as number)));
  return { values, weeks: weeks.length };
}

function nearest(sorted: readonly { t: number; v: number }[], t: number, tolerance: number): number | undefined {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid]?.t ?? 0) < t) lo = mid + 1;
    else hi = mid;
  }
  let best: { t: number; v: number } | undefined;
  for (const c of [sorted[lo - 1], sorted[lo]]) if (c && (!best || Math.abs(c.t - t) < Math.abs(best.t - t))) best = c;
  return best && Math.abs(best.t - t) <= tolerance ? best.v : undefined;
}

/** Gaps (under 20 % of the points) take the nearest earlier value, or the first known one. */
function fillGaps(values: readonly (number | undefined)[]): number[] {
  const first = values.find((v) => v !== undefined) ?? 0;
  let last = first;
  return values.map((v) => {
    if (v !== undefined) last = v;
    return v ?? last;
  });
}
