/**
 * Format detection and parsing: one transcript in, its sessions out (an Aider history holds many),
 * or a reason why it was skipped. Nothing here throws for a bad transcript: the batch goes on.
 */
import { looksLikeAider, parseAider } from './aider.ts';
import { looksLikeClaudeCode, parseClaudeCode } from './claude-code.ts';
import { looksLikeCodex, parseCodex } from './codex.ts';
import { CorruptTranscript, jsonLines, type ParsedTranscript, type TranscriptSource } from './common.ts';
import { openHandsEvents, parseOpenHands } from './openhands.ts';
import { looksLikeSweAgent, parseSweAgent } from './swe-agent.ts';

export type { ParsedTranscript, TranscriptSource } from './common.ts';

/** Parses a transcript in any known format. */
export function parseTranscript(source: TranscriptSource): ParsedTranscript {
  const text = source.text.charCodeAt(0) === 0xfeff ? source.text.slice(1) : source.text;
  const head = text.trimStart();
  if (head === '') return { ok: false, reason: 'empty transcript' };
  try {
    if (looksLikeAider(text)) {
      const sessions = parseAider({ name: source.name, text });
      return sessions.length > 0
        ? { ok: true, format: 'aider', sessions }
        : { ok: false, format: 'aider', reason: 'Aider history with no session' };
    }
    if (head.startsWith('[') || (head.startsWith('{') && !isJsonLines(head))) {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        return { ok: false, reason: `not valid JSON: ${(error as Error).message}` };
      }
      if (looksLikeSweAgent(value)) return { ok: true, format: 'swe-agent', sessions: [parseSweAgent(source, value)] };
      if (openHandsEvents(value)) return { ok: true, format: 'openhands', sessions: [parseOpenHands(source, value)] };
      return { ok: false, reason: 'JSON in no known transcript format (not an OpenHands trajectory or a SWE-agent .traj)' };
    }
    if (head.startsWith('{')) {
      const rows = jsonLines(text);
      if (looksLikeCodex(rows)) return { ok: true, format: 'codex', sessions: [parseCodex(source, rows)] };
      if (looksLikeClaudeCode(rows)) return { ok: true, format: 'claude-code', sessions: [parseClaudeCode(source, rows)] };
      return { ok: false, reason: 'JSON Lines in no known transcript format (not a Claude Code log or a Codex rollout)' };
    }
    return { ok: false, reason: 'no known transcript format (Claude Code, Codex, Aider, OpenHands, SWE-agent)' };
  } catch (error) {
    if (error instanceof CorruptTranscript) return { ok: false, reason: `corrupt transcript: ${error.message}` };
    // A session that fails the model is an adapter bug on an unexpected shape: skip it, say why.
    return { ok: false, reason: `unreadable transcript: ${(error as Error).message.split('\n')[0]}` };
  }
}

/** A document whose first line is a complete JSON object and that has more lines: JSON Lines. */
function isJsonLines(text: string): boolean {
  const newline = text.indexOf('\n');
  if (newline < 0) return false;
  const first = text.slice(0, newline).trim();
  if (!first.endsWith('}')) return false;
  try {
    JSON.parse(first);
    return text.slice(newline + 1).trim().length > 0;
  } catch {
    return false;
  }
}
