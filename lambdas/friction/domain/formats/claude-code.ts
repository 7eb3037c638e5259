/**
 * Claude Code session logs (`~/.claude/projects/<project>/<session>.jsonl`): one JSON object per line,
 * `type` user or assistant with an Anthropic-style `message`, plus bookkeeping lines (summaries,
 * file-history snapshots) that carry nothing for friction.
 *
 * - A user message is a string, or content blocks (text, tool_result, image).
 * - Slash commands arrive as `<command-name>/clear</command-name>` in the user's turn; their output as
 *   `<local-command-stdout>`; `isMeta` lines are written by the CLI, not the user.
 * - An interrupt is the text `[Request interrupted by user]` (`… for tool use` while a tool ran).
 * - A declined tool use is a tool_result with is_error and "The user doesn't want to proceed with this tool use".
 * - API failures are assistant lines with `isApiErrorMessage`.
 */
import type { ToolCategory } from '#friction/domain/session';
import { CorruptTranscript, jsonLines, record, SessionBuilder, stem, str, type TranscriptSource, timestamp } from './common.ts';

export function looksLikeClaudeCode(rows: readonly Record<string, unknown>[]): boolean {
  return rows.some((r) => (r.type === 'user' || r.type === 'assistant') && record(r.message) !== undefined && 'uuid' in r);
}

const TOOL_CATEGORIES: Record<string, ToolCategory> = {
  Bash: 'shell',
  BashOutput: 'shell',
  KillShell: 'shell',
  Edit: 'edit',
  MultiEdit: 'edit',
  Write: 'edit',
  NotebookEdit: 'edit',
  Read: 'read',
  NotebookRead: 'read',
  Glob: 'search',
  Grep: 'search',
  LS: 'search',
  WebFetch: 'web',
  WebSearch: 'web',
  TodoWrite: 'plan',
  Task: 'plan',
  ExitPlanMode: 'plan',
};

const INTERRUPT = /^\[Request interrupted by user( for tool use)?[^\]]*\]/;
const REJECTED = /doesn't want to proceed with this tool use|tool use was rejected|User rejected/i;

export function parseClaudeCode(source: TranscriptSource, rows = jsonLines(source.text)) {
  if (!looksLikeClaudeCode(rows)) throw new CorruptTranscript('no user or assistant messages');
  const sessionId = rows.map((r) => str(r.sessionId)).find(Boolean) ?? stem(source.name);
  const startedAt = rows.map((r) => timestamp(r.timestamp)).find(Boolean);
  const b = new SessionBuilder({ id: `claude-code:${sessionId}`, format: 'claude-code', ...(startedAt ? { startedAt } : {}) });
  let lastAssistantId: string | undefined;

  for (const row of rows) {
    const at = timestamp(row.timestamp);
    const when = at ? { at } : {};
    const message = record(row.message);
    if (!message) continue;
    if (row.type === 'user') {
      lastAssistantId = undefined;
      const content = message.content;
      if (row.isMeta === true) continue;
      const blocks = typeof content === 'string' ? [{ type: 'text', text: content }] : Array.isArray(content) ? content : [];
      for (const raw of blocks) {
        const block = record(raw);
        if (!block) continue;
        if (block.type === 'text') userText(b, str(block.text) ?? '', when);
        else if (block.type === 'tool_result')
          b.push({ type: 'tool-result', ...when, ...idOf(block.tool_use_id), status: toolStatus(block) });
      }
    } else if (row.type === 'assistant') {
      const id = str(message.id);
      if (row.isApiErrorMessage === true) {
        b.push({ type: 'error', ...when, source: 'provider' });
        continue;
      }
      const content = Array.isArray(message.content) ? message.content : [];
      for (const raw of content) {
        const block = record(raw);
        if (!block) continue;
        if (block.type === 'text' && str(block.text)?.trim()) {
          // One reply streamed as several lines shares the message id: one step.
          const tail = b.tail;
          if (tail?.type === 'assistant' && id !== undefined && id === lastAssistantId) {
            tail.text = `${tail.text}\n${str(block.text)}`;
          } else b.push({ type: 'assistant', ...when, text: str(block.text) as string });
        } else if (block.type === 'tool_use') {
          const name = str(block.name) ?? '';
          const input = record(block.input) ?? {};
          const path = str(input.file_path) ?? str(input.notebook_path) ?? str(input.path);
          const command = str(input.command);
          b.push({
            type: 'tool-call',
            ...when,
            ...idOf(block.id),
            category: TOOL_CATEGORIES[name] ?? 'other',
            paths: path ? [path] : [],
            ...(command ? { command } : {}),
          });
        }
      }
      lastAssistantId = id;
    }
  }
  return b.build();
}

function userText(b: SessionBuilder, text: string, when: { at?: string }): void {
  const trimmed = text.trim();
  if (!trimmed || trimmed.startsWith('<local-command-stdout>') || trimmed.startsWith('<local-command-stderr>')) return;
  const interrupt = INTERRUPT.exec(trimmed);
  if (interrupt) {
    // A declined or interrupted tool result is followed by this marker: one moment, not two.
    const tail = b.tail;
    if (tail?.type === 'tool-result' && (tail.status === 'rejected' || tail.status === 'interrupted')) return;
    b.push({ type: 'interrupt', ...when, during: interrupt[1] ? 'tool' : 'response' });
    return;
  }
  const command = /<command-name>\/?([^<\s]+)<\/command-name>/.exec(trimmed);
  if (command) {
    const args = /<command-args>([\s\S]*?)<\/command-args>/.exec(trimmed)?.[1]?.trim() ?? '';
    b.push({ type: 'user', ...when, text: args, command: (command[1] as string).toLowerCase() });
    return;
  }
  if (/^Caveat: The messages below were generated by the user while running local commands/.test(trimmed)) return;
  b.push({ type: 'user', ...when, text: trimmed });
}

function toolStatus(block: Record<string, unknown>): 'ok' | 'error' | 'rejected' | 'interrupted' {
  const content = block.content;
  const text =
    typeof content === 'string' ? content : Array.isArray(content) ? content.map((c) => str(record(c)?.text) ?? '').join('\n') : '';
  if (REJECTED.test(text)) return 'rejected';
  if (/interrupted by user/i.test(text)) return 'interrupted';
  return block.is_error === true ? 'error' : 'ok';
}

function idOf(value: unknown): { id?: string } {
  const id = str(value);
  return id ? { id } : {};
}
