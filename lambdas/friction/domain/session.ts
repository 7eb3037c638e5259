/**
 * The normalized session: what every transcript format adapter makes of a coding-agent session. One
 * model for Claude Code, Codex CLI, Aider, OpenHands and SWE-agent, so the detectors are written once.
 *
 * Texts stay inside the pipeline: detectors read them, nothing that leaves it quotes them (citations
 * are written from templates and checked against the user's messages, see citations.ts).
 */
import * as z from 'zod';

export const SESSION_FORMATS = ['claude-code', 'codex', 'aider', 'openhands', 'swe-agent'] as const;
export const sessionFormat = z.enum(SESSION_FORMATS);
export type SessionFormat = z.infer<typeof sessionFormat>;

/** What a tool call did, in words that name no tool of any one coding agent. */
export const toolCategory = z.enum(['shell', 'edit', 'read', 'search', 'web', 'plan', 'other']);
export type ToolCategory = z.infer<typeof toolCategory>;

const at = z.string().datetime({ offset: true, local: true }).optional();

export const sessionEvent = z.discriminatedUnion('type', [
  /** A message from the user. `generated` marks text the coding agent's own UI wrote in the user's turn (help prompts, lint reports). */
  z.object({
    type: z.literal('user'),
    at,
    text: z.string(),
    /** A slash command (`undo`, `add`, `help`…), without the slash. */
    command: z.string().optional(),
    generated: z.boolean().default(false),
  }),
  z.object({ type: z.literal('assistant'), at, text: z.string() }),
  z.object({
    type: z.literal('tool-call'),
    at,
    id: z.string().optional(),
    category: toolCategory,
    /** Files the call names (read, written, added): detectors and facets read them, citations never do. */
    paths: z.array(z.string()).default([]),
    /** The shell command line, for shell calls. */
    command: z.string().optional(),
  }),
  z.object({
    type: z.literal('tool-result'),
    at,
    id: z.string().optional(),
    /**
     * ok; error (ran and failed); rejected (the user declined it); cancelled (stopped before it ran);
     * interrupted (stopped while running); refused (the coding agent's tooling refused a malformed edit).
     */
    status: z.enum(['ok', 'error', 'rejected', 'cancelled', 'interrupted', 'refused']),
  }),
  /** The user stopped the coding agent mid-turn (Ctrl-C, Esc, a stop button). */
  z.object({ type: z.literal('interrupt'), at, during: z.enum(['response', 'tool', 'idle']) }),
  /** A file entered or left the coding agent's context (Aider /add and /drop). */
  z.object({ type: z.literal('context'), at, action: z.enum(['add', 'remove']), path: z.string() }),
  /** The coding agent asked for a confirmation and the user answered. */
  z.object({
    type: z.literal('confirm'),
    at,
    subject: z.enum(['edit', 'command', 'file', 'url', 'fix', 'other']),
    answer: z.enum(['yes', 'no']),
  }),
  /** An error of the coding agent's platform: model provider, crash, unknown model, rate limit. */
  z.object({ type: z.literal('error'), at, source: z.enum(['provider', 'agent', 'config']) }),
  /** The coding agent (or its UI) did not understand a command or setting the user gave it. */
  z.object({ type: z.literal('unrecognized'), at, what: z.enum(['command', 'model', 'file']) }),
]);
export type SessionEvent = z.infer<typeof sessionEvent>;
export type SessionEventInput = z.input<typeof sessionEvent>;
export type EventOf<T extends SessionEvent['type']> = Extract<SessionEvent, { type: T }>;

export const session = z.object({
  /** Stable id: the coding agent's own session id where it has one, else derived from the source and position. */
  id: z.string().min(1),
  format: sessionFormat,
  startedAt: at,
  /** How the session ended, when the format records it (SWE-agent exit status, OpenHands' final state). */
  endState: z.enum(['finished', 'stopped', 'error', 'unknown']).default('unknown'),
  events: z.array(sessionEvent),
});
export type Session = z.infer<typeof session>;
export type SessionInput = z.input<typeof session>;

/** Validates what an adapter built (an adapter bug fails loudly here, not in a detector). */
export function normalizedSession(raw: SessionInput): Session {
  return session.parse(raw);
}

/** Agentic steps: the coding agent's actions, every tool call and every reply to the user. */
export function agenticSteps(s: Session): number {
  let steps = 0;
  for (const e of s.events) if (e.type === 'tool-call' || e.type === 'assistant') steps++;
  return steps;
}

/** The user's own words (generated user-turn text excluded). */
export function humanMessages(s: Session): EventOf<'user'>[] {
  return s.events.filter((e): e is EventOf<'user'> => e.type === 'user' && !e.generated);
}

/** Every text in the user's turn, generated or not: what a citation must never contain. */
export function userTexts(s: Session): string[] {
  return s.events.flatMap((e) => (e.type === 'user' && e.text.trim() ? [e.text] : []));
}
