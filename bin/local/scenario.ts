/**
 * Scenario files (docs/scenarios.md): a metric series (given or generated), tenants, deploys with
 * their changed paths, the fixes that ship and what each does to the signal, and the expected outcome.
 */
import { readFileSync } from 'node:fs';
import * as z from 'zod';
import type { ProdloopConfigInput } from '#core/config';
import type { MetricSource, Point } from '#core/ports';

const deploy = z.object({
  id: z.string().min(1),
  /** Minutes after the series start. */
  minute: z.number().min(0),
  service: z.string().min(1),
  changedPaths: z.array(z.string()).default([]),
  prNumbers: z.array(z.number().int().positive()).default([]),
  commitSha: z.string().optional(),
  dependencyChanges: z.array(z.object({ name: z.string(), from: z.string().optional(), to: z.string().optional() })).default([]),
});

const fix = z.object({
  id: z.string().min(1),
  /** Minutes after the previous step (the alarm, or the previous fix's last evaluation). */
  afterMinutes: z.number().min(0).default(60),
  service: z.string().min(1).optional(),
  changedPaths: z.array(z.string()).default([]),
  prNumbers: z.array(z.number().int().positive()).default([]),
  /** The signal's level after this deploy, as a multiple of the baseline: 1 = back to baseline. */
  level: z.number().min(0),
});

export const scenarioSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9-]+$/, 'lowercase letters, digits and dashes'),
    description: z.string(),
    alarm: z.object({
      name: z.string().min(1),
      namespace: z.string().min(1),
      metricName: z.string().min(1),
      dimensions: z.record(z.string(), z.string()).default({}),
      stat: z.string().default('Sum'),
      periodSeconds: z.number().int().positive().default(60),
      /** Minutes between the onset and the alarm firing. */
      delayMinutes: z.number().min(0).default(15),
    }),
    series: z.object({
      /** Series start (minute 0). */
      start: z.string().datetime().default('2026-03-02T06:00:00Z'),
      baseline: z.number().positive(),
      /** Relative noise: standard deviation as a fraction of the level. */
      noise: z.number().min(0).default(0.05),
      /** Relative change of the baseline per hour (pre-existing trend). */
      trendPerHour: z.number().default(0),
      onsetMinute: z.number().min(0),
      /** The incident's level, as a multiple of the baseline. */
      level: z.number().min(0),
      seed: z.number().int().default(7),
      /** Given points instead of generated ones (minute, value); fixes still scale them after their deploy. */
      points: z.array(z.object({ minute: z.number(), value: z.number() })).optional(),
    }),
    tenants: z.object({ active: z.number().int().min(0), affected: z.number().int().min(0) }).default({ active: 0, affected: 0 }),
    deploys: z.array(deploy).default([]),
    fixes: z.array(fix).default([]),
    /** Overrides of the embedded default configuration. */
    config: z.record(z.string(), z.unknown()).default({}),
    expect: z
      .object({
        decision: z.enum(['actionable', 'observation', 'ignore']).optional(),
        verdicts: z.array(z.enum(['recovered', 'unchanged', 'worse', 'inconclusive'])).optional(),
        andon: z.boolean().optional(),
        escalations: z.array(z.string()).optional(),
        issues: z.number().int().min(0).optional(),
      })
      .default({}),
  })
  .strict();
export type Scenario = z.infer<typeof scenarioSchema>;

export function loadScenario(file: string): Scenario {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: not JSON: ${(error as Error).message}`);
  }
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success)
    throw new Error(
      `${file}: not a valid scenario:\n${parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`).join('\n')}`,
    );
  return parsed.data;
}

/** The embedded default configuration local runs use; a scenario's `config` overrides its keys. */
export const localDefaultConfig: ProdloopConfigInput = {
  githubRepository: 'acme/shop',
  watchedAlarms: { namePrefixes: ['prod-'] },
  codePaths: [{ service: 'checkout', alarmNamePrefixes: ['prod-checkout-'], paths: ['services/checkout/**'] }],
  shadowMode: true,
  iterationCap: 3,
  defaultBudgetUsd: 50,
  iterationCostUsd: 5,
  // Local runs shorten the recovery span (production: a daily cycle) and the settle period so a scenario ends in a few looks.
  validation: { intervalSeconds: 300, recoveredEvaluations: 3, maxEvaluations: 24, recoveryMinutes: 15, recoveryMargin: 0.5, settleMinutes: 0 },
};

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
  const u = (k: number) => {
    let a = (seed * 0x9e3779b1 + minute * 0x85ebca6b + k * 0xc2b2ae35) | 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Math.sqrt(-2 * Math.log(Math.max(u(1), 1e-12))) * Math.cos(2 * Math.PI * u(2));
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

  value(minute: number): number {
    const s = this.scenario.series;
    const given = s.points?.find((p) => p.minute === minute)?.value;
    let level = minute >= s.onsetMinute ? s.level : 1;
    for (const c of this.levelChanges) if (minute >= c.minute) level = c.level;
    if (given !== undefined)
      return minute >= s.onsetMinute && this.levelChanges.some((c) => minute >= c.minute) ? (given * level) / s.level : given;
    const base = s.baseline * (1 + (s.trendPerHour * minute) / 60);
    return Math.max(0, base * level * (1 + s.noise * gaussian(s.seed, minute)));
  }

  async series(_metric: unknown, from: string, to: string): Promise<Point[]> {
    const a = Math.ceil(this.minuteOf(from));
    const b = Math.min(this.minuteOf(to), this.minuteOf(this.clock.now()));
    const points: Point[] = [];
    const step = this.scenario.alarm.periodSeconds / 60;
    for (let m = Math.max(0, a); m < b; m += step) {
      if (this.scenario.series.points && !this.scenario.series.points.some((p) => p.minute === m)) continue;
      points.push({ at: this.atMinute(m).toISOString(), value: this.value(m) });
    }
    return points;
  }

  async tenants(): Promise<{ active: number; affected: number }> {
    return this.scenario.tenants;
  }
}
