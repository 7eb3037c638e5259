/**
 * A day's friction in numbers. Each batch of the daily map folds its sessions into a partial; the
 * partials merge (sums, capped example lists) into the day's summary: sessions analysed, sessions
 * with friction, moments by kind and severity, rate per kind, and what discovery needs.
 */
import * as z from 'zod';
import type { SessionAnalysis } from './analyze.ts';
import { FRICTION_KINDS, type FrictionConfig, type FrictionKind, frictionKind, SEVERITIES, severity, thresholdFor } from './config.ts';

const EXAMPLES_PER_KIND = 5;
const SKIPS_KEPT = 20;
const DELIGHT_KEPT = 5;

const counts = z.record(z.string(), z.number().int().min(0));
const kindCounts = z.object({
  sessions: z.number().int().min(0),
  high: z.number().int().min(0),
  medium: z.number().int().min(0),
  low: z.number().int().min(0),
});
export type KindCounts = z.infer<typeof kindCounts>;

export const example = z.object({ severity, citation: z.string() });

export const dayPartial = z.object({
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  /** Transcript files (objects) read. */
  transcripts: z.number().int().min(0),
  /** Transcripts skipped: unknown format or corrupt, by reason, and a few of them by name. */
  skipped: z.number().int().min(0),
  skippedByReason: counts,
  skippedExamples: z.array(z.object({ transcript: z.string(), reason: z.string() })),
  /** Sessions found in the transcripts. */
  sessions: z.number().int().min(0),
  /** Sessions below the step filter: counted, not analysed. */
  filtered: z.number().int().min(0),
  analysed: z.number().int().min(0),
  withFriction: z.number().int().min(0),
  byKind: z.record(frictionKind, kindCounts),
  outcomes: z.object({ completed: z.number().int().min(0), abandoned: z.number().int().min(0) }),
  formats: counts,
  steps: z.number().int().min(0),
  facets: z.object({
    languages: counts,
    frameworks: counts,
    intents: counts,
    clusters: counts,
    unknownExtensions: counts,
    unknownPrograms: counts,
    toolConfirmations: z.object({ asked: z.number(), approved: z.number(), declined: z.number() }),
  }),
  examples: z.record(frictionKind, z.array(example)),
  delight: z.object({ sessions: z.number().int().min(0), examples: z.array(z.string()) }),
  citationsDropped: z.number().int().min(0),
  /** What the model judge added, when it ran. */
  judge: z
    .object({
      sessions: z.number().int().min(0),
      /** Sessions the judge found a kind in that the detectors had not. */
      newSessionsByKind: z.record(frictionKind, z.number().int().min(0)),
      /** Sessions the judge found friction in where the detectors found none. */
      newSessionsWithFriction: z.number().int().min(0),
      moments: z.number().int().min(0),
      citationsDropped: z.number().int().min(0),
      invalidOutputs: z.number().int().min(0),
    })
    .optional(),
});
export type DayPartial = z.infer<typeof dayPartial>;

export function emptyPartial(day: string): DayPartial {
  return {
    day,
    transcripts: 0,
    skipped: 0,
    skippedByReason: {},
    skippedExamples: [],
    sessions: 0,
    filtered: 0,
    analysed: 0,
    withFriction: 0,
    byKind: Object.fromEntries(FRICTION_KINDS.map((k) => [k, { sessions: 0, high: 0, medium: 0, low: 0 }])) as DayPartial['byKind'],
    outcomes: { completed: 0, abandoned: 0 },
    formats: {},
    steps: 0,
    facets: {
      languages: {},
      frameworks: {},
      intents: {},
      clusters: {},
      unknownExtensions: {},
      unknownPrograms: {},
      toolConfirmations: { asked: 0, approved: 0, declined: 0 },
    },
    examples: Object.fromEntries(FRICTION_KINDS.map((k) => [k, []])) as unknown as DayPartial['examples'],
    delight: { sessions: 0, examples: [] },
    citationsDropped: 0,
  };
}

const bump = (m: Record<string, number>, key: string, by = 1) => {
  m[key] = (m[key] ?? 0) + by;
};

/** The reason's category: "corrupt transcript: line 3 is not JSON" → "corrupt transcript". */
export function reasonCategory(reason: string): string {
  return reason.split(':')[0]?.trim() || reason;
}

export function addSkip(p: DayPartial, transcript: string, reason: string): void {
  p.transcripts++;
  p.skipped++;
  bump(p.skippedByReason, reasonCategory(reason));
  if (p.skippedExamples.length < SKIPS_KEPT) p.skippedExamples.push({ transcript, reason });
}

const SEVERITY_RANK = { high: 0, medium: 1, low: 2 } as const;

/** Keeps the most severe examples, one citation text once. */
function keepExamples(list: z.infer<typeof example>[], more: readonly z.infer<typeof example>[]): z.infer<typeof example>[] {
  const all = [...list];
  for (const m of more) if (!all.some((x) => x.citation === m.citation)) all.push(m);
  return all.sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]).slice(0, EXAMPLES_PER_KIND);
}

export function addSession(p: DayPartial, a: SessionAnalysis): void {
  p.sessions++;
  bump(p.formats, a.format);
  if (!a.analysed) {
    p.filtered++;
    return;
  }
  p.analysed++;
  p.steps += a.steps;
  p.outcomes[a.outcome]++;
  p.citationsDropped += a.citationsDropped;
  if (a.moments.length > 0) p.withFriction++;
  const kinds = new Set<FrictionKind>();
  for (const m of a.moments) {
    kinds.add(m.kind);
    p.byKind[m.kind][m.severity]++;
  }
  for (const k of kinds) {
    p.byKind[k].sessions++;
    p.examples[k] = keepExamples(
      p.examples[k],
      a.moments.filter((m) => m.kind === k).map((m) => ({ severity: m.severity, citation: m.citation })),
    );
  }
  if (a.delight.length > 0) {
    p.delight.sessions++;
    for (const d of a.delight) if (p.delight.examples.length < DELIGHT_KEPT && !p.delight.examples.includes(d)) p.delight.examples.push(d);
  }
  const f = a.facets;
  for (const l of f.languages) bump(p.facets.languages, l);
  for (const fw of f.frameworks) bump(p.facets.frameworks, fw);
  bump(p.facets.intents, f.intent);
  bump(p.facets.clusters, clusterKey(a));
  for (const e of f.unknown.extensions) bump(p.facets.unknownExtensions, e);
  for (const pr of f.unknown.programs) bump(p.facets.unknownPrograms, pr);
  p.facets.toolConfirmations.asked += f.toolConfirmations.asked;
  p.facets.toolConfirmations.approved += f.toolConfirmations.approved;
  p.facets.toolConfirmations.declined += f.toolConfirmations.declined;
}

/** The cluster a session falls in: intent, main language, main framework, outcome. */
export function clusterKey(a: SessionAnalysis): string {
  return [a.facets.intent, a.facets.languages[0] ?? 'no language', a.facets.frameworks[0] ?? 'no framework', a.outcome].join(' · ');
}

const addCounts = (into: Record<string, number>, from: Record<string, number>) => {
  for (const [k, v] of Object.entries(from)) bump(into, k, v);
};

/** Merges partials of one day (the order does not matter). */
export function mergePartials(day: string, partials: readonly DayPartial[]): DayPartial {
  const p = emptyPartial(day);
  for (const q of partials) {
    p.transcripts += q.transcripts;
    p.skipped += q.skipped;
    addCounts(p.skippedByReason, q.skippedByReason);
    p.skippedExamples.push(...q.skippedExamples.slice(0, Math.max(0, SKIPS_KEPT - p.skippedExamples.length)));
    p.sessions += q.sessions;
    p.filtered += q.filtered;
    p.analysed += q.analysed;
    p.withFriction += q.withFriction;
    p.steps += q.steps;
    p.outcomes.completed += q.outcomes.completed;
    p.outcomes.abandoned += q.outcomes.abandoned;
    addCounts(p.formats, q.formats);
    for (const k of FRICTION_KINDS) {
      for (const field of ['sessions', ...SEVERITIES] as const) p.byKind[k][field] += q.byKind[k][field];
      p.examples[k] = keepExamples(p.examples[k], q.examples[k]);
    }
    for (const key of ['languages', 'frameworks', 'intents', 'clusters', 'unknownExtensions', 'unknownPrograms'] as const)
      addCounts(p.facets[key], q.facets[key]);
    p.facets.toolConfirmations.asked += q.facets.toolConfirmations.asked;
    p.facets.toolConfirmations.approved += q.facets.toolConfirmations.approved;
    p.facets.toolConfirmations.declined += q.facets.toolConfirmations.declined;
    p.delight.sessions += q.delight.sessions;
    for (const d of q.delight.examples)
      if (p.delight.examples.length < DELIGHT_KEPT && !p.delight.examples.includes(d)) p.delight.examples.push(d);
    p.citationsDropped += q.citationsDropped;
    if (q.judge) {
      p.judge ??= {
        sessions: 0,
        newSessionsByKind: Object.fromEntries(FRICTION_KINDS.map((k) => [k, 0])) as Record<FrictionKind, number>,
        newSessionsWithFriction: 0,
        moments: 0,
        citationsDropped: 0,
        invalidOutputs: 0,
      };
      const j = p.judge;
      j.newSessionsWithFriction += q.judge.newSessionsWithFriction;
      j.sessions += q.judge.sessions;
      j.moments += q.judge.moments;
      j.citationsDropped += q.judge.citationsDropped;
      j.invalidOutputs += q.judge.invalidOutputs;
      for (const k of FRICTION_KINDS) j.newSessionsByKind[k] = (j.newSessionsByKind[k] ?? 0) + (q.judge.newSessionsByKind[k] ?? 0);
    }
  }
  return p;
}

export const kindSummary = z.object({
  kind: frictionKind,
  sessions: z.number().int().min(0),
  high: z.number().int().min(0),
  medium: z.number().int().min(0),
  low: z.number().int().min(0),
  /** Sessions with the kind / sessions analysed (0 when none was analysed). */
  rate: z.number().min(0).max(1),
  threshold: z.number(),
  breached: z.boolean(),
  examples: z.array(example),
});
export type KindSummary = z.infer<typeof kindSummary>;

export const daySummary = z.object({
  day: z.string(),
  transcripts: z.number(),
  skipped: z.number(),
  skippedByReason: counts,
  sessions: z.number(),
  filtered: z.number(),
  analysed: z.number(),
  withFriction: z.number(),
  frictionRate: z.number().min(0).max(1),
  abandonedRate: z.number().min(0).max(1),
  kinds: z.array(kindSummary),
  formats: counts,
  judge: dayPartial.shape.judge,
});
export type DaySummary = z.infer<typeof daySummary>;

/** The day's summary, rates against the configured thresholds. */
export function summarize(p: DayPartial, config: FrictionConfig): DaySummary {
  const rate = (n: number) => (p.analysed > 0 ? Math.min(1, n / p.analysed) : 0);
  const withFriction = p.withFriction + (p.judge?.newSessionsWithFriction ?? 0);
  return {
    day: p.day,
    transcripts: p.transcripts,
    skipped: p.skipped,
    skippedByReason: p.skippedByReason,
    sessions: p.sessions,
    filtered: p.filtered,
    analysed: p.analysed,
    withFriction,
    frictionRate: rate(withFriction),
    abandonedRate: rate(p.outcomes.abandoned),
    kinds: FRICTION_KINDS.map((kind) => {
      const c = p.byKind[kind];
      const sessions = c.sessions + (p.judge?.newSessionsByKind[kind] ?? 0);
      const threshold = thresholdFor(config, kind);
      const r = rate(sessions);
      return {
        kind,
        sessions,
        high: c.high,
        medium: c.medium,
        low: c.low,
        rate: r,
        threshold,
        breached: p.analysed > 0 && r > threshold,
        examples: p.examples[kind],
      };
    }),
    formats: p.formats,
    judge: p.judge,
  };
}
