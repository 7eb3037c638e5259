/**
 * The series of the validation benchmark: seeded random numbers, so every run measures the same
 * series; synthetic series with known effects (shapes, traffic, effects), and the real NAB series with
 * shifts injected at a deploy time.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32, normal } from '#domain/shared/random';
import type { Observation, SignalKind } from '#domain/validation/baseline';
import { realDir } from '../../../test/support/real-data.ts';

const NAB_DIR = realDir('nab');
const MINUTE = 60_000;
export const HORIZON_MINUTES = 1440;

// ---------------------------------------------------------------------------------------------
// Random numbers (seeded, so every run measures the same series)

type Rng = () => number;

/** A generator seeded by the keys of one series (FNV-style mixing of the keys, then mulberry32). */
function rngFrom(...keys: number[]): Rng {
  let h = 0x811c9dc5;
  for (const k of keys) h = Math.imul(h ^ (k | 0), 0x01000193) ^ Math.imul(k * 1000003, 0x9e3779b1);
  return mulberry32(h);
}

function logFactorial(k: number): number {
  if (k < 2) return 0;
  if (k < 20) {
    let s = 0;
    for (let i = 2; i <= k; i++) s += Math.log(i);
    return s;
  }
  const n = k + 1;
  return (n - 0.5) * Math.log(n) - n + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * n) - 1 / (360 * n ** 3);
}

/** Poisson draws: multiplication for small means, Hörmann's PTRS (exact) for large ones. */
function poisson(rng: Rng, lambda: number): number {
  if (!(lambda > 0)) return 0;
  if (lambda < 30) {
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = rng();
    while (p > limit) {
      k++;
      p *= rng();
    }
    return k;
  }
  const slam = Math.sqrt(lambda);
  const loglam = Math.log(lambda);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = rng() - 0.5;
    const v = rng();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - logFactorial(k)) return k;
  }
}

// ---------------------------------------------------------------------------------------------
// Series

export interface Series {
  readonly group: 'rate' | 'latency' | 'nab';
  readonly condition: string;
  readonly effect: number;
  /** How prodloop reads it. */
  readonly kind: SignalKind;
  readonly history: readonly Observation[];
  readonly post: readonly Observation[];
  readonly periodMinutes: number;
  /** Per post-deploy point, the SPRT's log-likelihood-ratio increment under the true parameters (alternative = the effect, ×2 on no-change series). */
  readonly oracle: Float64Array;
  /** The values the Mann-Whitney test compares (error ratio per period for rates): the hour before the deploy, and after. */
  readonly mwuRef: readonly number[];
  readonly mwuPost: readonly number[];
}

export interface Shape {
  readonly name: string;
  readonly seasonal: boolean;
  readonly trend: boolean;
}

export const SHAPES: readonly Shape[] = [
  { name: 'flat', seasonal: false, trend: false },
  { name: 'daily cycle', seasonal: true, trend: false },
  { name: 'falling trend', seasonal: false, trend: true },
  { name: 'cycle + trend', seasonal: true, trend: true },
];
export const TRAFFIC = [10, 100, 1000, 10_000];
export const RATE_EFFECTS = [1, 1.5, 2, 5];
export const LATENCY_EFFECTS = [1, 1.2];
/** Base error rate, daily amplitudes, and the pre-existing trend (−0.5 %/h, about −11 % a day, continuing after the deploy). */
const ERROR_RATE = 0.01;
const TRAFFIC_CYCLE = 0.5;
const RATE_CYCLE = 0.2;
const LATENCY_CYCLE = 0.15;
const TREND_PER_HOUR = -0.005;
const LATENCY_MS = 200;
/** Noise of a per-minute p99 latency: fewer requests make a noisier quantile. */
const latencySigma = (trafficPerMinute: number) => 0.05 + 0.5 / Math.sqrt(trafficPerMinute);

const EPOCH = Date.parse('2026-01-05T00:00:00Z');

export function synthetic(
  group: 'rate' | 'latency',
  traffic: number,
  effect: number,
  shape: Shape,
  replicate: number,
  seed: number,
  historyDays: number,
  /** Minutes after the deploy the effect starts (0: at the deploy). */
  startMinutes = 0,
): Series {
  const keys = [seed, group === 'rate' ? 1 : 2, traffic, Math.round(effect * 100), SHAPES.indexOf(shape), replicate];
  const rng = rngFrom(...keys, ...(startMinutes > 0 ? [startMinutes] : []));
  const historyMinutes = historyDays * 1440;
  const deploy = EPOCH + 14 * 1440 * MINUTE + Math.floor(rng() * 1440) * MINUTE;
  const cycle = (t: number, amplitude: number, phase: number) =>
    shape.seasonal ? 1 + amplitude * Math.sin((2 * Math.PI * (t - EPOCH)) / (1440 * MINUTE) + phase) : 1;
  const trend = (t: number) => (shape.trend ? Math.exp((TREND_PER_HOUR * (t - deploy)) / (60 * MINUTE)) : 1);
  const history: Observation[] = [];
  const post: Observation[] = [];
  const oracle = new Float64Array(HORIZON_MINUTES);
  const mwuRef: number[] = [];
  const mwuPost: number[] = [];
  const theta = effect === 1 ? 2 : effect;
  const sigma = latencySigma(traffic);
  const delta = Math.log(theta);
  for (let i = -historyMinutes; i < HORIZON_MINUTES; i++) {
    const t = deploy + i * MINUTE;
    const after = i >= 0;
    const changed = i >= startMinutes;
    let o: Observation;
    let increment = 0;
    let mwuValue: number;
    if (group === 'rate') {
      const n = poisson(rng, traffic * cycle(t, TRAFFIC_CYCLE, 0));
      const p = ERROR_RATE * cycle(t, RATE_CYCLE, 1) * trend(t);
      const mu = n * p;
      const e = poisson(rng, mu * (changed ? effect : 1));
      o = { t, value: e, traffic: n };
      increment = e * Math.log(theta) - (theta - 1) * mu;
      mwuValue = n > 0 ? e / n : 0;
    } else {
      const mu0 = Math.log(LATENCY_MS * cycle(t, LATENCY_CYCLE, 2) * trend(t));
      const x = mu0 + (changed ? Math.log(effect) : 0) + sigma * normal(rng);
      o = { t, value: Math.exp(x) };
      increment = (delta / (sigma * sigma)) * (x - mu0 - delta / 2);
      mwuValue = o.value;
    }
    if (after) {
      post.push(o);
      oracle[i] = increment;
      mwuPost.push(mwuValue);
    } else {
      history.push(o);
      if (i >= -60) mwuRef.push(mwuValue);
    }
  }
  const what = `${group === 'rate' ? 'errors' : 'latency'} ×${effect}${startMinutes > 0 ? ` from ${startMinutes / 60} h after the deploy` : ''}`;
  return {
    group,
    condition: `${what} · ${traffic} req/min · ${shape.name}`,
    effect,
    kind: group === 'rate' ? 'rate' : 'level',
    history,
    post,
    periodMinutes: 1,
    oracle,
    mwuRef,
    mwuPost,
  };
}

const NAB_FILES: readonly { readonly name: string; readonly kind: SignalKind }[] = [
  { name: 'ec2_cpu_utilization_24ae8d', kind: 'level' },
  { name: 'ec2_cpu_utilization_5f5533', kind: 'level' },
  { name: 'ec2_cpu_utilization_825cc2', kind: 'level' },
  { name: 'ec2_cpu_utilization_c6585a', kind: 'level' },
  { name: 'ec2_network_in_257a54', kind: 'level' },
  { name: 'elb_request_count_8c0756', kind: 'count' },
  { name: 'iio_us-east-1_i-a2eb1cd9_NetworkIn', kind: 'level' },
  { name: 'rds_cpu_utilization_e47b3b', kind: 'level' },
];
const NAB_EFFECTS = [1, 1.2, 1.5, 2];

export function* nabSeries(historyDays: number): Generator<Series> {
  const windows = JSON.parse(readFileSync(join(NAB_DIR, 'nab_windows_realAWSCloudwatch.json'), 'utf8')) as Record<
    string,
    [string, string][]
  >;
  const utc = (s: string) => Date.parse(`${s.trim().replace(' ', 'T').slice(0, 19)}Z`);
  for (const file of NAB_FILES) {
    const rows = readFileSync(join(NAB_DIR, `nab_${file.name}.csv`), 'utf8')
      .trim()
      .split('\n')
      .slice(1);
    const points = rows.map((r) => {
      const [ts, v] = r.split(',');
      return { t: utc(ts ?? ''), value: Number(v) };
    });
    const period = 5;
    const perDay = 1440 / period;
    const horizon = HORIZON_MINUTES / period;
    const anomalies = (windows[`realAWSCloudwatch/${file.name}.csv`] ?? []).map(([a, b]) => [utc(a), utc(b)] as const);
    for (let d = 3 * perDay; d + horizon <= points.length; d += perDay / 4) {
      const deployAt = points[d]?.t ?? 0;
      // No-change ground truth: no labelled anomaly from 6 hours before the deploy to the end of the horizon.
      if (anomalies.some(([a, b]) => a < deployAt + HORIZON_MINUTES * MINUTE && b > deployAt - 360 * MINUTE)) continue;
      const history = points.slice(Math.max(0, d - historyDays * perDay), d);
      const lastDay = history.slice(-perDay);
      const positives = lastDay.map((p) => p.value).filter((v) => v > 0);
      const offset = lastDay.some((p) => p.value <= 0) ? 0.01 * (positives.sort((x, y) => x - y)[positives.length >> 1] ?? 1) : 0;
      const logs = lastDay.map((p) => Math.log(Math.max(p.value, 0) + offset));
      const mu0 = logs.reduce((a, b) => a + b, 0) / logs.length;
      const var0 = logs.reduce((a, b) => a + (b - mu0) ** 2, 0) / (logs.length - 1);
      for (const effect of NAB_EFFECTS) {
        const scale = (v: number) => (file.kind === 'count' ? Math.round(v * effect) : v * effect);
        const post = points.slice(d, d + horizon).map((p) => ({ t: p.t, value: scale(p.value) }));
        const delta = Math.log(effect === 1 ? 2 : effect);
        const oracle = Float64Array.from(post.map((p) => (delta / var0) * (Math.log(Math.max(p.value, 0) + offset) - mu0 - delta / 2)));
        yield {
          group: 'nab',
          condition: `${file.name} ×${effect}`,
          effect,
          kind: file.kind,
          history,
          post,
          periodMinutes: period,
          oracle,
          mwuRef: history.slice(-60 / period).map((p) => p.value),
          mwuPost: post.map((p) => p.value),
        };
      }
    }
  }
}
