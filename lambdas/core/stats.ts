/** Small, dependency-free statistics used by triage and validation. */
import type { Point } from './ports.ts';

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Sample standard deviation (n - 1); 0 for fewer than two values. */
export function stddev(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  let acc = 0;
  for (const v of values) acc += (v - m) ** 2;
  return Math.sqrt(acc / (values.length - 1));
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

/** Converts a glob (`**`, `*`, `?`) to an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        re += '.*';
        i++;
        if (glob[i + 1] === '/') i++;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** True when any concrete path matches any glob, or two globs share a literal prefix up to their first wildcard. */
export function pathsIntersect(globs: readonly string[], paths: readonly string[]): boolean {
  const prefix = (g: string) => g.split(/[*?]/, 1)[0] ?? '';
  return globs.some((g) => {
    const re = globToRegExp(g);
    return paths.some((p) => re.test(p) || (/[*?]/.test(p) && (prefix(p).startsWith(prefix(g)) || prefix(g).startsWith(prefix(p)))));
  });
}
