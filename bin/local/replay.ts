/**
 * The sources a local run replays a scenario through, in place of AWS: a simulated clock, the metric
 * series (generated with seeded noise, or given; fix deploys change its level from the minute they ship),
 * the log samples and the alarms (a composite's children, other services' alarms in ALARM). Deterministic:
 * the same scenario replays the same way every run.
 */
import { boxMuller, mulberry32Bits } from '#domain/shared/random';
import type { LogSample, Point, TenantSeries } from '#domain/signals/series';
import type { AlarmDescription, AlarmDirectory } from '#ports/alarms';
import type { LogSource } from '#ports/logs';
import type { MetricSource } from '#ports/metrics';
import type { Scenario } from './scenario.ts';

/** A simulated clock the local run moves forward; waits take no real time. */
export class SimClock {
  private t: number;
  constructor(start: Date) {
    this.t = start.getTime();
  }
  now(): Date {
    return new Date(this.t);
  }
  set(at: Date): void {
    this.t = Math.max(this.t, at.getTime());
  }
  advance(seconds: number): void {
    this.t += seconds * 1000;
  }
}

/** Deterministic standard normal noise per minute (mulberry32 + Box-Muller), so every run is reproducible. */
function gaussian(seed: number, minute: number): number {
  const u = (k: number) => mulberry32Bits((seed * 0x9e3779b1 + minute * 0x85ebca6b + k * 0xc2b2ae35) | 0) / 4294967296;
  return boxMuller(u(1), u(2), 1e-12);
}

/** Replays the scenario's series; fix deploys change the level from the minute they ship. */
export class ReplayMetricSource implements MetricSource {
  private readonly levelChanges: { minute: number; level: number }[] = [];
  private readonly start: number;

  constructor(
    private readonly scenario: Scenario,
    private readonly clock: SimClock,
  ) {
    this.start = Date.parse(scenario.series.start);
  }

  minuteOf(at: Date | string): number {
    return (new Date(at).getTime() - this.start) / 60_000;
  }

  atMinute(minute: number): Date {
    return new Date(this.start + minute * 60_000);
  }

  /** From `minute` on, the signal runs at `level` × baseline. */
  shipFix(minute: number, level: number): void {
    this.levelChanges.push({ minute, level });
  }

  /** The incident's multiple of the baseline at a minute: 1, ramping to `level` from the onset, back to 1 at `endMinute`; fixes override it. */
  levelAt(minute: number): number {
    const s = this.scenario.series;
    let level = 1;
    if (minute >= s.onsetMinute && (s.endMinute === undefined || minute < s.endMinute)) {
      const ramp = s.rampMinutes > 0 ? Math.min(1, (minute - s.onsetMinute + 1) / s.rampMinutes) : 1;
      level = 1 + (s.level - 1) * ramp;
    }
    for (const c of this.levelChanges) if (minute >= c.minute) level = c.level;
    return level;
  }

  /** The baseline at a minute: trend (from minute 0 on) and the daily seasonal ramp. */
  baseAt(minute: number): number {
    const s = this.scenario.series;
    let base = s.baseline * (1 + (s.trendPerHour * Math.max(minute, 0)) / 60);
    if (s.seasonality) {
      const d = ((minute % 1440) + 1440) % 1440;
      const { amplitude, rampFromMinute: a, rampToMinute: b } = s.seasonality;
      base *= 1 + amplitude * (d <= a ? 0 : d >= b ? 1 : (d - a) / (b - a));
    }
    return base;
  }

  value(minute: number): number {
    const s = this.scenario.series;
    const given = s.points?.find((p) => p.minute === minute)?.value;
    const level = this.levelAt(minute);
    if (given !== undefined)
      return minute >= s.onsetMinute && this.levelChanges.some((c) => minute >= c.minute) ? (given * level) / s.level : given;
    const mean = Math.max(0, this.baseAt(minute) * level);
    if (s.distribution === 'poisson') return poissonDraw(mean, uniform(s.seed, minute));
    return Math.max(0, mean * (1 + s.noise * gaussian(s.seed, minute)));
  }

  /** Minutes the replay serves, oldest first: from minute 0 (or `historyWeeks` earlier) up to the simulated now. */
  private minutes(from: string, to: string): number[] {
    const a = Math.ceil(this.minuteOf(from));
    const b = Math.min(this.minuteOf(to), this.minuteOf(this.clock.now()));
    const step = this.scenario.alarm.periodSeconds / 60;
    const out: number[] = [];
    for (let m = Math.max(-this.scenario.series.historyWeeks * 10_080, a); m < b; m += step) out.push(m);
    return out;
  }

  async series(
    metric: readonly { id?: string | undefined; metricName?: string | undefined }[],
    from: string,
    to: string,
  ): Promise<Point[]> {
    const traffic = this.scenario.traffic;
    if (metric[0]?.id === 'traffic' || (traffic && metric[0]?.metricName === traffic.metricName)) {
      if (!traffic) return [];
      return this.minutes(from, to).map((m) => {
        const level = m >= this.scenario.series.onsetMinute ? traffic.level : 1;
        const mean = this.baseAt(m) * (traffic.baseline / this.scenario.series.baseline) * level;
        return { at: this.atMinute(m).toISOString(), value: poissonDraw(mean, uniform(this.scenario.series.seed + 101, m)) };
      });
    }
    const points: Point[] = [];
    for (const m of this.minutes(from, to)) {
      if (this.scenario.series.points && !this.scenario.series.points.some((p) => p.minute === m)) continue;
      points.push({ at: this.atMinute(m).toISOString(), value: this.value(m) });
    }
    return points;
  }

  async tenants(): Promise<{ active: number; affected: number }> {
    return { active: this.scenario.tenants.active, affected: this.scenario.tenants.affected };
  }

  /**
   * With `tenants.perTenant`: one series per active tenant, each an equal share of the baseline; the
   * affected ones carry the whole incident, so the tenants add up to the scenario's level.
   */
  async tenantSeries(_metric: unknown, _dimension: string, from: string, to: string): Promise<TenantSeries[]> {
    const t = this.scenario.tenants;
    const s = this.scenario.series;
    if (!t.perTenant || t.active === 0) return [];
    const minutes = this.minutes(from, to).filter((m) => m >= 0);
    // A tenant's share of a count is a small count: Poisson, whatever the aggregate's noise.
    const counts = s.distribution === 'poisson' || /^(sum|samplecount)$/i.test(this.scenario.alarm.stat);
    return Array.from({ length: t.active }, (_, i) => {
      const affected = i < t.affected;
      const seed = s.seed + 7919 * (i + 1);
      const points = minutes.map((m) => {
        const level = this.levelAt(m);
        const factor = affected ? Math.max(0, (level * t.active - (t.active - t.affected)) / Math.max(t.affected, 1)) : 1;
        const mean = (this.baseAt(m) / t.active) * factor;
        const value = counts ? poissonDraw(mean, uniform(seed, m)) : Math.max(0, mean * (1 + s.noise * gaussian(seed, m)));
        return { at: this.atMinute(m).toISOString(), value };
      });
      return { tenant: t.names?.[i] ?? `tenant-${i + 1}`, points };
    });
  }
}

/** Deterministic uniform in (0, 1) per seed and minute. */
function uniform(seed: number, minute: number): number {
  return (mulberry32Bits((seed * 0x9e3779b1 + Math.round(minute) * 0x85ebca6b + 0x27d4eb2f) | 0) + 0.5) / 4294967297;
}

/** A Poisson count for a mean, by inverting its distribution at `u` (a normal approximation above 200). */
function poissonDraw(mean: number, u: number): number {
  if (mean <= 0) return 0;
  if (mean > 200) {
    // Box-Muller needs two uniforms; the second is derived from the first, deterministically.
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * ((u * 7919) % 1));
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * z));
  }
  let k = 0;
  let p = Math.exp(-mean);
  let cdf = p;
  while (u > cdf && k < 10_000) {
    k++;
    p *= mean / k;
    cdf += p;
  }
  return k;
}

/** Logs Insights replayed from the scenario's `logs`: raw lines (triage sanitizes them), newest first. */
export class ReplayLogSource implements LogSource {
  constructor(
    private readonly scenario: Scenario,
    private readonly metrics: ReplayMetricSource,
  ) {}

  async samples(q: { from: string; to: string; limit: number }): Promise<LogSample[]> {
    const alarmMinute = this.scenario.series.onsetMinute + this.scenario.alarm.delayMinutes;
    const from = Date.parse(q.from);
    const to = Date.parse(q.to);
    const out: LogSample[] = [];
    this.scenario.logs.forEach((line, i) => {
      for (let n = 0; n < line.count; n++) {
        const minute = line.minute ?? alarmMinute - 1 - ((i + n * 3) % Math.max(1, this.scenario.alarm.delayMinutes));
        out.push({ at: new Date(this.metrics.atMinute(minute).getTime() + n * 1000).toISOString(), message: line.message });
      }
    });
    return out
      .filter((s) => Date.parse(s.at) >= from && Date.parse(s.at) <= to)
      .sort((a, b) => b.at.localeCompare(a.at))
      .slice(0, q.limit);
  }
}

/** CloudWatch alarms replayed: the composite's children resolve to the scenario's metric; `otherAlarms` are in ALARM. */
export class ReplayAlarmDirectory implements AlarmDirectory {
  constructor(
    private readonly scenario: Scenario,
    private readonly metrics: ReplayMetricSource,
    private readonly clock: SimClock,
  ) {}

  private metricOf(): AlarmDescription['metrics'] {
    const { namespace, metricName, dimensions, stat, periodSeconds } = this.scenario.alarm;
    return [{ id: 'm1', namespace, metricName, dimensions, stat, periodSeconds, returnData: true }];
  }

  async describe(alarmNames: readonly string[]): Promise<AlarmDescription[]> {
    const since = this.metrics.atMinute(this.scenario.series.onsetMinute + this.scenario.alarm.delayMinutes).toISOString();
    return this.scenario.alarm.children
      .filter((c) => alarmNames.includes(c))
      .map((c, i) => ({ alarmName: c, state: i === 0 ? 'ALARM' : 'OK', stateSince: since, metrics: this.metricOf(), childAlarms: [] }));
  }

  async inAlarm(): Promise<AlarmDescription[]> {
    const now = this.metrics.minuteOf(this.clock.now());
    return this.scenario.otherAlarms
      .filter((o) => o.sinceMinute <= now)
      .map((o) => ({
        alarmName: o.name,
        state: 'ALARM' as const,
        stateSince: this.metrics.atMinute(o.sinceMinute).toISOString(),
        metrics: o.namespace ? [{ namespace: o.namespace, dimensions: {} }] : [],
        childAlarms: [],
      }));
  }
}
