/**
 * The optional model judge (Amazon Bedrock, off by default). The deterministic detectors stand on their
 * own; the judge reads a session as an event list and may find friction they missed. Its answer must
 * be JSON matching `judgeOutput` (zod); every citation it writes is sanitized and checked against the
 * user's text, and one that repeats the user is dropped and counted.
 *
 * Requests use the Anthropic messages body of Bedrock's InvokeModel, the same body a batch inference
 * record carries as `modelInput`, so one daily batch job and a direct call share one format.
 */
import * as z from 'zod';
import { type DayPartial, emptyPartial } from './aggregate.ts';
import type { FrictionMoment } from './analyze.ts';
import { citationLeak, type LeakCheck, leakCheck, type UserTextFingerprint } from './citations.ts';
import { FRICTION_KINDS, type FrictionKind, frictionKind, severity } from './config.ts';
import { outbound, type Sanitize } from './outbound.ts';
import type { Session, SessionEvent } from './session.ts';

export const judgeOutput = z.object({
  moments: z
    .array(
      z.object({
        kind: frictionKind,
        severity,
        citation: z.string().min(10).max(300),
      }),
    )
    .max(20),
});
export type JudgeOutput = z.infer<typeof judgeOutput>;

/** What the judge needs later about a session, without its text: the leak check and what the detectors found. */
export const judgeManifestEntry = z.object({
  recordId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  fingerprint: z.object({ shingles: z.array(z.string()), identifiers: z.array(z.string()) }),
  detectorKinds: z.array(frictionKind),
});
export type JudgeManifestEntry = z.infer<typeof judgeManifestEntry>;

export const ANTHROPIC_VERSION = 'bedrock-2023-05-31';
const MAX_TOKENS = 1024;
const MAX_PROMPT_CHARS = 24_000;
const MAX_TEXT_CHARS = 600;

const SYSTEM = [
  'You review one coding-agent session for friction: moments where the user struggled with the coding agent.',
  `Kinds: ${FRICTION_KINDS.join(', ')}.`,
  'abandoned-tool-flow: tool calls the user rejected, cancelled or interrupted, or edits the tooling refused.',
  'repeated-rephrasing: the user restating one request three or more times in a row.',
  'context-churn: the same file added to and removed from the context repeatedly.',
  "error-events: errors of the coding agent's platform or repeated failing tool steps.",
  'escalation-tone: frustration in how the user writes.',
  'backtracking: undoing or reverting the coding agent’s work.',
  "platform-confusion: confusion about the coding agent's own features.",
  'Severity is high, medium or low.',
  'Each citation describes what happened in your own abstract words: never quote the user, never name a file, path, function, variable, command or any identifier, never include code.',
  'Answer with JSON only, exactly: {"moments":[{"kind":"…","severity":"…","citation":"…"}]}. No moments: {"moments":[]}.',
].join('\n');

function line(e: SessionEvent, sanitize: Sanitize): string {
  const clip = (t: string) => {
    const s = sanitize(t.replace(/\s+/g, ' ').trim());
    return s.length > MAX_TEXT_CHARS ? `${s.slice(0, MAX_TEXT_CHARS)}…` : s;
  };
  switch (e.type) {
    case 'user':
      return e.command
        ? `USER COMMAND /${e.command}${e.text ? ` ${clip(e.text)}` : ''}`
        : `USER${e.generated ? ' (written by the tool)' : ''}: ${clip(e.text)}`;
    case 'assistant':
      return `CODING AGENT REPLY (${e.text.length} characters)`;
    case 'tool-call':
      return `TOOL CALL ${e.category}`;
    case 'tool-result':
      return `TOOL RESULT ${e.status}`;
    case 'interrupt':
      return `USER INTERRUPTED (${e.during})`;
    case 'context':
      return `CONTEXT ${e.action} a file`;
    case 'confirm':
      return `CONFIRMATION ${e.subject}: ${e.answer}`;
    case 'error':
      return `ERROR from ${e.source}`;
    case 'unrecognized':
      return `NOT RECOGNISED: ${e.what}`;
  }
}

/** The user turn of the request: the session as numbered events, user text sanitized and clipped. */
export function judgePrompt(session: Session, sanitize: Sanitize = outbound): string {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; i < session.events.length; i++) {
    const text = `${i + 1}. ${line(session.events[i] as SessionEvent, sanitize)}`;
    if (size + text.length > MAX_PROMPT_CHARS) {
      lines.push(`… ${session.events.length - i} more events`);
      break;
    }
    lines.push(text);
    size += text.length + 1;
  }
  return `Session (${session.format}), ${session.events.length} events:\n${lines.join('\n')}`;
}

/** The InvokeModel body (and a batch record's `modelInput`). */
export function modelInput(prompt: string) {
  return {
    anthropic_version: ANTHROPIC_VERSION,
    max_tokens: MAX_TOKENS,
    temperature: 0,
    system: SYSTEM,
    messages: [{ role: 'user', content: [{ type: 'text', text: prompt }] }],
  };
}

export interface JudgeRecord {
  readonly recordId: string;
  readonly modelInput: ReturnType<typeof modelInput>;
}

/** A record id Bedrock accepts (letters, digits, - and _), stable for a session. */
export function recordIdFor(sessionKey: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < sessionKey.length; i++) {
    h1 = Math.imul(h1 ^ sessionKey.charCodeAt(i), 0x01000193);
    h2 = Math.imul(h2 ^ sessionKey.charCodeAt(i), 0x5bd1e995);
  }
  return `s${(h1 >>> 0).toString(36)}${(h2 >>> 0).toString(36)}`;
}

export function judgeRecord(recordId: string, session: Session, sanitize: Sanitize = outbound): JudgeRecord {
  return { recordId, modelInput: modelInput(judgePrompt(session, sanitize)) };
}

/** The text of a model response body (Anthropic messages format). */
export function responseText(body: unknown): string | undefined {
  const parsed = z.object({ content: z.array(z.object({ type: z.string(), text: z.string().optional() })) }).safeParse(body);
  if (!parsed.success) return undefined;
  return parsed.data.content.map((c) => c.text ?? '').join('');
}

/** The judge's answer, validated; the JSON may be wrapped in prose or a code fence. */
export function parseJudgeText(text: string): { ok: true; output: JudgeOutput } | { ok: false; reason: string } {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return { ok: false, reason: 'no JSON object in the answer' };
  let raw: unknown;
  try {
    raw = JSON.parse(text.slice(start, end + 1));
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  const result = judgeOutput.safeParse(raw);
  if (!result.success) return { ok: false, reason: result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  return { ok: true, output: result.data };
}

export interface JudgedSession {
  readonly moments: FrictionMoment[];
  readonly dropped: number;
  /** Kinds the judge found that the detectors had not. */
  readonly newKinds: FrictionKind[];
}

/** Keeps the judge's moments whose citations are safe to leave: sanitized, and repeating none of the user's text. */
export function acceptJudgement(
  output: JudgeOutput,
  check: LeakCheck | UserTextFingerprint,
  detectorKinds: readonly FrictionKind[],
  sanitize: Sanitize = outbound,
): JudgedSession {
  const lc = 'shingles' in check && Array.isArray(check.shingles) ? leakCheck(check as UserTextFingerprint) : (check as LeakCheck);
  const moments: FrictionMoment[] = [];
  let dropped = 0;
  for (const m of output.moments) {
    const citation = sanitize(m.citation.trim());
    if (citationLeak(citation, lc)) {
      dropped++;
      continue;
    }
    moments.push({ kind: m.kind, severity: m.severity, citation, source: 'judge' });
  }
  const known = new Set(detectorKinds);
  const newKinds = [...new Set(moments.map((m) => m.kind))].filter((k) => !known.has(k));
  return { moments, dropped, newKinds };
}

export type JudgeVerdict =
  | { readonly result: JudgedSession; readonly detectorKinds: readonly FrictionKind[] }
  | { readonly invalid: string };

/**
 * The judge's partial for the day: its moments by kind and severity (added to the detectors'), the
 * sessions it found a kind in that the detectors had not, dropped citations and invalid answers.
 */
export function judgePartial(day: string, verdicts: readonly JudgeVerdict[]): DayPartial {
  const p = emptyPartial(day);
  const newSessionsByKind = Object.fromEntries(FRICTION_KINDS.map((k) => [k, 0])) as Record<FrictionKind, number>;
  const judge = {
    sessions: verdicts.length,
    newSessionsByKind,
    newSessionsWithFriction: 0,
    moments: 0,
    citationsDropped: 0,
    invalidOutputs: 0,
  };
  for (const v of verdicts) {
    if ('invalid' in v) {
      judge.invalidOutputs++;
      continue;
    }
    const { result, detectorKinds } = v;
    judge.moments += result.moments.length;
    judge.citationsDropped += result.dropped;
    for (const k of result.newKinds) newSessionsByKind[k]++;
    if (detectorKinds.length === 0 && result.moments.length > 0) judge.newSessionsWithFriction++;
    for (const m of result.moments) {
      p.byKind[m.kind][m.severity]++;
      if (p.examples[m.kind].length < 5 && !p.examples[m.kind].some((e) => e.citation === m.citation))
        p.examples[m.kind].push({ severity: m.severity, citation: m.citation });
    }
  }
  p.judge = judge;
  return p;
}

/** One line of a batch job's output file: the record id and the model's text, or the record's error. */
export function parseBatchOutputLine(text: string): { recordId: string; text?: string; error?: string } | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  const row = z
    .object({
      recordId: z.string(),
      modelOutput: z.unknown().optional(),
      error: z.union([z.string(), z.object({ errorMessage: z.string().optional() }).passthrough()]).optional(),
    })
    .safeParse(raw);
  if (!row.success) return undefined;
  const { recordId, modelOutput, error } = row.data;
  if (error !== undefined) return { recordId, error: typeof error === 'string' ? error : (error.errorMessage ?? 'record failed') };
  const out = responseText(modelOutput);
  return out === undefined ? { recordId, error: 'no text in the model output' } : { recordId, text: out };
}
