/**
 * One session in, its analysis out: steps, outcome, facets, friction moments (sanitized citations,
 * each checked against the user's text), delight moments for discovery.
 */
import * as z from 'zod';
import { citationLeak, fingerprintUserText, leakCheck, type UserTextFingerprint } from './citations.ts';
import { type FrictionConfig, frictionKind, severity } from './config.ts';
import { delightMoments } from './detectors/prose.ts';
import { isRequest, SessionView } from './detectors/session-view.ts';
import { detectFriction } from './detectors.ts';
import { type Facets, facetsOf, INTENTS } from './facets.ts';
import { outbound, type Sanitize } from './outbound.ts';
import { agenticSteps, type Session, type SessionEvent, sessionFormat, userTexts } from './session.ts';

export const OUTCOMES = ['completed', 'abandoned'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const frictionMoment = z.object({
  kind: frictionKind,
  severity,
  /** What happened, abstracted: no quote of the user, no file name, no code, no identifier. */
  citation: z.string().min(1).max(400),
  source: z.enum(['detector', 'judge']).default('detector'),
});
export type FrictionMoment = z.infer<typeof frictionMoment>;

export const sessionAnalysis = z.object({
  id: z.string(),
  format: sessionFormat,
  /** The UTC day the session started on, when known. */
  day: z.string().optional(),
  steps: z.number().int().min(0),
  /** False when the session had fewer steps than the filter asks for: counted, not analysed. */
  analysed: z.boolean(),
  outcome: z.enum(OUTCOMES),
  facets: z.object({
    languages: z.array(z.string()),
    frameworks: z.array(z.string()),
    intent: z.enum(INTENTS),
    toolConfirmations: z.object({ asked: z.number(), approved: z.number(), declined: z.number() }),
    unknown: z.object({ extensions: z.array(z.string()), programs: z.array(z.string()) }),
  }),
  moments: z.array(frictionMoment),
  delight: z.array(z.string()),
  /** Citations dropped because they repeated the user's text. */
  citationsDropped: z.number().int().min(0),
});
export type SessionAnalysis = z.infer<typeof sessionAnalysis>;

export interface AnalyseOptions {
  readonly sanitize?: Sanitize;
}

export interface AnalysedSession {
  readonly analysis: SessionAnalysis;
  /** For the model judge: checks its citations later without carrying the user's text along. */
  readonly fingerprint: UserTextFingerprint;
}

export function analyseSession(session: Session, config: FrictionConfig, options: AnalyseOptions = {}): AnalysedSession {
  const sanitize = options.sanitize ?? outbound;
  const steps = agenticSteps(session);
  const analysed = steps >= config.minSteps;
  const view = new SessionView(session);
  const fingerprint = fingerprintUserText(userTexts(session));
  const check = leakCheck(fingerprint);
  let dropped = 0;
  const safe = (citation: string): string | undefined => {
    const clean = sanitize(citation);
    if (citationLeak(clean, check)) {
      dropped++;
      return undefined;
    }
    return clean;
  };
  const moments: FrictionMoment[] = [];
  const delight: string[] = [];
  let facets: Facets;
  if (analysed) {
    for (const m of detectFriction(session, config, view)) {
      const citation = safe(m.citation);
      if (citation) moments.push({ kind: m.kind, severity: m.severity, citation, source: 'detector' });
    }
    for (const d of delightMoments(view)) {
      const citation = safe(d.citation);
      if (citation) delight.push(citation);
    }
    facets = facetsOf(session);
  } else {
    facets = {
      languages: [],
      frameworks: [],
      intent: 'other',
      toolConfirmations: { asked: 0, approved: 0, declined: 0 },
      unknown: { extensions: [], programs: [] },
    };
  }
  const day = session.startedAt ? utcDay(session.startedAt) : undefined;
  return {
    analysis: {
      id: session.id,
      format: session.format,
      ...(day ? { day } : {}),
      steps,
      analysed,
      outcome: outcomeOf(view),
      facets,
      moments,
      delight,
      citationsDropped: dropped,
    },
    fingerprint,
  };
}

/**
 * Abandoned: the coding agent's platform says the session stopped or failed; or the user's last request
 * ended in an interrupt, a refusal or an error that nothing recovered from, or got no answer at all.
 */
export function outcomeOf(view: SessionView): Outcome {
  const { session, events, lastRequest } = view;
  if (session.endState === 'finished') return 'completed';
  if (session.endState === 'stopped' || session.endState === 'error') return 'abandoned';
  if (lastRequest < 0) return 'completed';
  let answered = false;
  let brokenAfterAnswer = false;
  for (let i = lastRequest + 1; i < events.length; i++) {
    const e = events[i] as SessionEvent;
    if (e.type === 'assistant' || (e.type === 'tool-result' && e.status === 'ok')) {
      answered = true;
      brokenAfterAnswer = false;
    } else if (
      (e.type === 'interrupt' && e.during !== 'idle') ||
      e.type === 'error' ||
      (e.type === 'tool-result' &&
        (e.status === 'rejected' || e.status === 'cancelled' || e.status === 'interrupted' || e.status === 'refused'))
    ) {
      brokenAfterAnswer = true;
    } else if (e.type === 'user' && isRequest(e)) break;
  }
  return answered && !brokenAfterAnswer ? 'completed' : 'abandoned';
}

/** `YYYY-MM-DD` of a timestamp (UTC; a timestamp without zone is taken as UTC). */
export function utcDay(at: string): string | undefined {
  const t = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(at) ? at : `${at}Z`);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString().slice(0, 10);
}
