/**
 * The analysis of transcripts, shared by the daily workflow's batches and the local command: parse,
 * analyse each session, fold into day partials. A transcript that cannot be read is reported with
 * its reason and skipped; the rest goes on.
 */

import { parseTranscript, type TranscriptSource } from '#friction/domain/formats/index';
import { addSession, addSkip, type DayPartial, type DaySummary, emptyPartial, mergePartials, summarize } from './aggregate.ts';
import { type AnalysedSession, analyseSession } from './analyze.ts';
import type { FrictionConfig } from './config.ts';
import type { Sanitize } from './outbound.ts';
import type { Session, SessionFormat } from './session.ts';

export interface TranscriptResult {
  readonly name: string;
  readonly ok: boolean;
  readonly reason?: string;
  readonly format?: SessionFormat;
  readonly sessions: readonly { readonly session: Session; readonly analysed: AnalysedSession }[];
}

export function analyseTranscript(
  source: TranscriptSource,
  config: FrictionConfig,
  options: { sanitize?: Sanitize } = {},
): TranscriptResult {
  const parsed = parseTranscript(source);
  if (!parsed.ok)
    return { name: source.name, ok: false, reason: parsed.reason, ...(parsed.format ? { format: parsed.format } : {}), sessions: [] };
  return {
    name: source.name,
    ok: true,
    format: parsed.format,
    sessions: parsed.sessions.map((session) => ({ session, analysed: analyseSession(session, config, options) })),
  };
}

/** Folds transcript results into one partial for `day` (the daily run: every session of the prefix counts for its day). */
export function foldInto(p: DayPartial, result: TranscriptResult): void {
  if (!result.ok) {
    addSkip(p, result.name, result.reason ?? 'unreadable');
    return;
  }
  p.transcripts++;
  for (const s of result.sessions) addSession(p, s.analysed.analysis);
}

/**
 * Local runs: sessions go to the day they started on; returns one partial per day and the partial of
 * everything. `fallbackDay` (the file's date) is used only when no session is dated at all.
 */
export function partialsByDay(results: readonly (TranscriptResult & { fallbackDay: string })[]): { days: DayPartial[]; all: DayPartial } {
  const byDay = new Map<string, DayPartial>();
  const at = (day: string) => {
    const p = byDay.get(day) ?? emptyPartial(day);
    byDay.set(day, p);
    return p;
  };
  // Undated sessions (SWE-agent, some OpenHands) and skipped transcripts go to the latest dated day.
  const dated = results.flatMap((r) => r.sessions.flatMap((s) => (s.analysed.analysis.day ? [s.analysed.analysis.day] : []))).sort();
  const latest = dated[dated.length - 1];
  for (const r of results) {
    const fallback = latest ?? r.fallbackDay;
    if (!r.ok) {
      addSkip(at(fallback), r.name, r.reason ?? 'unreadable');
      continue;
    }
    const days = new Set<string>();
    for (const s of r.sessions) {
      const day = s.analysed.analysis.day ?? fallback;
      days.add(day);
      addSession(at(day), s.analysed.analysis);
    }
    // A transcript counts once, on the day of its first session.
    const first = [...days].sort()[0] ?? fallback;
    at(first).transcripts++;
  }
  const days = [...byDay.values()].sort((a, b) => a.day.localeCompare(b.day));
  const last = days[days.length - 1]?.day ?? new Date().toISOString().slice(0, 10);
  return { days, all: mergePartials(last, days) };
}

export function summaries(partials: readonly DayPartial[], config: FrictionConfig): DaySummary[] {
  return partials.map((p) => summarize(p, config));
}
