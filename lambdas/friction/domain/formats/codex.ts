/**
 * OpenAI Codex CLI rollouts (`~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`): a `session_meta` line, then
 * `response_item` lines (messages, function calls and their outputs, reasoning) and `event_msg` lines
 * (user_message, agent_message, token counts, turn_aborted, errors), each `{timestamp, type, payload}`.
 * Older rollouts wrote the items bare, without the envelope; both are read.
 *
 * - The user's words are the `user_message` events (the response_item copy also carries the
 *   environment context); when a rollout has none, user messages other than the context are used.
 * - A declined command or patch comes back as a function output saying it was rejected by the user.
 * - `turn_aborted` is the user interrupting a turn (Esc or Ctrl-C, or a new message replacing it).
 */
import type { ToolCategory } from '#friction/domain/session';
import { CorruptTranscript, jsonLines, record, SessionBuilder, stem, str, type TranscriptSource, timestamp } from './common.ts';

const ITEM_TYPES = new Set([
  'message',
  'function_call',
  'function_call_output',
  'custom_tool_call',
  'custom_tool_call_output',
  'local_shell_call',
  'reasoning',
]);

export function looksLikeCodex(rows: readonly Record<string, unknown>[]): boolean {
  const first = rows[0];
  if (!first) return false;
  if (first.type === 'session_meta') return true;
  if (rows.some((r) => (r.type === 'response_item' || r.type === 'event_msg') && record(r.payload))) return true;
  // Older rollouts: a header with id and timestamp, then bare items.
  return typeof first.id === 'string' && typeof first.timestamp === 'string' && rows.slice(1).some((r) => ITEM_TYPES.has(String(r.type)));
}

function categoryOf(name: string): ToolCategory {
  if (name === 'shell' || name === 'exec_command' || name === 'local_shell' || name === 'container.exec' || name === 'write_stdin')
    return 'shell';
  if (name === 'apply_patch') return 'edit';
  if (name === 'update_plan') return 'plan';
  if (name === 'view_image' || name === 'read_file') return 'read';
  if (name === 'web_search' || name === 'web_fetch') return 'web';
  if (name === 'list_dir' || name === 'grep_files') return 'search';
  return 'other';
}

export function parseCodex(source: TranscriptSource, rows = jsonLines(source.text)) {
  if (!looksLikeCodex(rows)) throw new CorruptTranscript('no Codex session header or items');
  const first = rows[0] as Record<string, unknown>;
  const meta = first.type === 'session_meta' ? (record(first.payload) ?? {}) : first;
  const id = str(meta.id) ?? stem(source.name);
  const startedAt = timestamp(meta.timestamp) ?? timestamp(first.timestamp);
  const b = new SessionBuilder({ id: `codex:${id}`, format: 'codex', ...(startedAt ? { startedAt } : {}) });
  const hasUserEvents = rows.some((r) => r.type === 'event_msg' && record(r.payload)?.type === 'user_message');

  for (const row of rows) {
    const enveloped = row.type === 'response_item' || row.type === 'event_msg';
    const payload = enveloped ? record(row.payload) : ITEM_TYPES.has(String(row.type)) ? row : undefined;
    if (!payload) continue;
    const at = timestamp(row.timestamp);
    const when = at ? { at } : {};
    const type = str(payload.type);

    if (row.type === 'event_msg') {
      if (type === 'user_message') {
        const text = str(payload.message) ?? '';
        if (text.trim()) b.push({ type: 'user', ...when, ...command(text), text });
      } else if (type === 'turn_aborted') b.push({ type: 'interrupt', ...when, during: 'response' });
      else if (type === 'error' || type === 'stream_error') b.push({ type: 'error', ...when, source: 'provider' });
      continue;
    }

    switch (type) {
      case 'message': {
        const role = str(payload.role);
        const text = (Array.isArray(payload.content) ? payload.content : [])
          .map((c) => str(record(c)?.text) ?? '')
          .join('\n')
          .trim();
        if (!text) break;
        if (role === 'assistant') b.push({ type: 'assistant', ...when, text });
        else if (role === 'user' && !hasUserEvents && !/^<(environment_context|user_instructions)>/.test(text))
          b.push({ type: 'user', ...when, ...command(text), text });
        break;
      }
      case 'function_call':
      case 'custom_tool_call':
      case 'local_shell_call': {
        const name = type === 'local_shell_call' ? 'shell' : (str(payload.name) ?? '');
        const args = argumentsOf(payload);
        const cmd = args.command;
        const line = Array.isArray(cmd) ? cmd.map(String).join(' ') : str(cmd);
        const patch =
          str(payload.input) ?? str(args.input) ?? (name === 'apply_patch' && Array.isArray(cmd) ? cmd.map(String).join('\n') : undefined);
        const paths = patch ? [...patch.matchAll(/^\*\*\* (?:Add|Update|Delete) File: (.+)$/gm)].map((m) => (m[1] as string).trim()) : [];
        const category = name === 'shell' && line && /\bapply_patch\b/.test(line) ? 'edit' : categoryOf(name);
        b.push({
          type: 'tool-call',
          ...when,
          ...idOf(payload.call_id ?? payload.id),
          category,
          paths,
          ...(line && category === 'shell' ? { command: line } : {}),
        });
        if (type === 'local_shell_call' && str(payload.status) && payload.status !== 'in_progress')
          b.push({ type: 'tool-result', ...when, status: payload.status === 'completed' ? 'ok' : 'error' });
        break;
      }
      case 'function_call_output':
      case 'custom_tool_call_output':
        b.push({ type: 'tool-result', ...when, ...idOf(payload.call_id), status: outputStatus(payload.output) });
        break;
    }
  }
  return b.build();
}

function argumentsOf(payload: Record<string, unknown>): Record<string, unknown> {
  const raw = payload.arguments ?? payload.action;
  if (typeof raw === 'string') {
    try {
      return record(JSON.parse(raw)) ?? {};
    } catch {
      return {};
    }
  }
  return record(raw) ?? {};
}

/** A function output is a string, often JSON `{output, metadata: {exit_code}}`. */
function outputStatus(output: unknown): 'ok' | 'error' | 'rejected' | 'interrupted' {
  let text = typeof output === 'string' ? output : JSON.stringify(output ?? '');
  let exitCode: number | undefined;
  const parsed = typeof output === 'string' && output.startsWith('{') ? safeJson(output) : record(output);
  if (parsed) {
    text = str(parsed.output) ?? text;
    const code = record(parsed.metadata)?.exit_code;
    exitCode = typeof code === 'number' ? code : undefined;
  }
  if (/rejected by (the )?user|user (declined|denied|rejected)/i.test(text)) return 'rejected';
  if (/^(aborted|interrupted)\b/i.test(text.trim())) return 'interrupted';
  if (exitCode !== undefined) return exitCode === 0 ? 'ok' : 'error';
  return /^(error|failed|apply_patch verification failed)/i.test(text.trim()) ? 'error' : 'ok';
}

function safeJson(text: string): Record<string, unknown> | undefined {
  try {
    return record(JSON.parse(text));
  } catch {
    return undefined;
  }
}

function command(text: string): { command?: string } {
  const m = /^\/([a-z][\w-]*)\b/.exec(text.trim());
  return m ? { command: m[1] as string } : {};
}

function idOf(value: unknown): { id?: string } {
  const id = str(value);
  return id ? { id } : {};
}
