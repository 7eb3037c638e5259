/**
 * OpenHands trajectories: a JSON array of events (or an object holding it under `history`,
 * `trajectory` or `events`). Each event has a `source` (user, agent, environment) and either an
 * `action` (message, run, edit, read, browse, finish…) or an `observation` (run with its exit code,
 * error, user_rejected, agent_state_changed with the coding agent's new state).
 */
import type { ToolCategory } from '#friction/domain/session';
import { CorruptTranscript, record, SessionBuilder, stem, str, type TranscriptSource, timestamp } from './common.ts';

export function openHandsEvents(value: unknown): Record<string, unknown>[] | undefined {
  const holder = record(value);
  const list = Array.isArray(value) ? value : (holder?.history ?? holder?.trajectory ?? holder?.events);
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const events = list.map(record);
  if (events.some((e) => !e)) return undefined;
  const typed = events as Record<string, unknown>[];
  return typed.some((e) => typeof e.source === 'string' && ('action' in e || 'observation' in e)) ? typed : undefined;
}

const ACTIONS: Record<string, ToolCategory> = {
  run: 'shell',
  run_ipython: 'shell',
  edit: 'edit',
  write: 'edit',
  read: 'read',
  browse: 'web',
  browse_interactive: 'web',
  think: 'plan',
  delegate: 'other',
  mcp: 'other',
};

export function parseOpenHands(source: TranscriptSource, value: unknown) {
  const events = openHandsEvents(value);
  if (!events) throw new CorruptTranscript('no OpenHands events');
  const startedAt = events.map((e) => timestamp(e.timestamp)).find(Boolean);
  const b = new SessionBuilder({ id: `openhands:${stem(source.name)}`, format: 'openhands', ...(startedAt ? { startedAt } : {}) });
  let lastState: string | undefined;

  for (const e of events) {
    const at = timestamp(e.timestamp);
    const when = at ? { at } : {};
    const args = record(e.args) ?? {};
    const extras = record(e.extras) ?? {};
    const action = str(e.action);
    const observation = str(e.observation);
    if (action) {
      if (action === 'message' || action === 'finish') {
        const text = str(args.content) ?? str(args.final_thought) ?? str(args.thought) ?? str(e.message) ?? '';
        if (e.source === 'user' && text.trim()) b.push({ type: 'user', ...when, text });
        else if (e.source === 'agent' && text.trim()) b.push({ type: 'assistant', ...when, text });
        continue;
      }
      const category = ACTIONS[action];
      if (category && e.source === 'agent') {
        const path = str(args.path);
        const command = str(args.command) ?? str(args.code);
        b.push({
          type: 'tool-call',
          ...when,
          ...idOf(e.id),
          category,
          paths: path ? [path] : [],
          ...(command && category === 'shell' ? { command } : {}),
        });
      }
      continue;
    }
    if (!observation) continue;
    if (observation === 'agent_state_changed') {
      const state = str(extras.agent_state);
      if (state === 'stopped' && lastState === 'running') b.push({ type: 'interrupt', ...when, during: 'response' });
      else if (state === 'user_rejected') b.push({ type: 'tool-result', ...when, status: 'rejected' });
      else if (state === 'error') b.push({ type: 'error', ...when, source: 'agent' });
      else if (state === 'rate_limited') b.push({ type: 'error', ...when, source: 'provider' });
      if (state) lastState = state;
      continue;
    }
    if (observation === 'user_rejected') {
      b.push({ type: 'tool-result', ...when, ...idOf(e.cause), status: 'rejected' });
      continue;
    }
    if (observation === 'error') {
      if (e.cause !== undefined) b.push({ type: 'tool-result', ...when, ...idOf(e.cause), status: 'error' });
      else b.push({ type: 'error', ...when, source: 'agent' });
      continue;
    }
    if (observation === 'null' || observation === 'recall' || observation === 'agent_think') continue;
    // run, run_ipython, edit, read, write, browse…: the result of the action named by `cause`.
    const metadata = record(extras.metadata) ?? {};
    const exit = metadata.exit_code;
    const suffix = str(metadata.suffix) ?? '';
    const stillRunning = exit === -1 && /no new output after/i.test(suffix);
    const failed = (typeof exit === 'number' && exit !== 0 && !stillRunning) || /^ERROR:/.test(str(e.content) ?? '');
    b.push({ type: 'tool-result', ...when, ...idOf(e.cause), status: failed ? 'error' : 'ok' });
  }
  const endState =
    lastState === 'finished' || lastState === 'awaiting_user_input'
      ? 'finished'
      : lastState === 'stopped' || lastState === 'user_rejected' || lastState === 'paused'
        ? 'stopped'
        : lastState === 'error'
          ? 'error'
          : 'unknown';
  return b.build({ endState });
}

function idOf(value: unknown): { id?: string } {
  return typeof value === 'number' || typeof value === 'string' ? { id: String(value) } : {};
}
