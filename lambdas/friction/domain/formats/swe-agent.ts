/**
 * SWE-agent trajectories (`*.traj`): one JSON object with `trajectory` (one entry per step: action,
 * observation, thought), `history` (the chat with the model: system prompt, demonstrations, the
 * task, then the steps) and `info` (exit status, submission, cost).
 *
 * The task (an issue) is the user's text; demonstrations and the system prompt are not. SWE-agent's
 * editor refuses an edit that would introduce a syntax error ("Your proposed edit has introduced new
 * syntax error(s)"): a refused edit.
 */
import type { ToolCategory } from '#friction/domain/session';
import { CorruptTranscript, record, SessionBuilder, stem, str, type TranscriptSource } from './common.ts';

export function looksLikeSweAgent(value: unknown): boolean {
  const o = record(value);
  return !!o && Array.isArray(o.trajectory) && (Array.isArray(o.history) || record(o.info) !== undefined);
}

function categoryOf(action: string): ToolCategory {
  const verb = action.trim().split(/\s+/)[0] ?? '';
  if (/^(edit|create|str_replace_editor|insert|append)$/.test(verb)) return 'edit';
  if (/^(open|goto|scroll_up|scroll_down|cat|head|tail)$/.test(verb)) return 'read';
  if (/^(find_file|search_dir|search_file|grep|find|ls|rg)$/.test(verb)) return 'search';
  if (/^(submit|exit_forfeit|exit)$/.test(verb)) return 'other';
  return 'shell';
}

export function parseSweAgent(source: TranscriptSource, value: unknown) {
  if (!looksLikeSweAgent(value)) throw new CorruptTranscript('no SWE-agent trajectory');
  const o = record(value) as Record<string, unknown>;
  const b = new SessionBuilder({ id: `swe-agent:${stem(source.name)}`, format: 'swe-agent' });

  // The task: user turns of the history before the model's first step, demonstrations excluded.
  for (const raw of Array.isArray(o.history) ? o.history : []) {
    const h = record(raw);
    if (!h) continue;
    if (h.role === 'assistant') break;
    if (h.role === 'user' && h.is_demo !== true) {
      const text = str(h.content) ?? '';
      if (text.trim()) b.push({ type: 'user', text });
    }
  }
  for (const raw of o.trajectory as unknown[]) {
    const step = record(raw);
    if (!step) throw new CorruptTranscript('a trajectory step is not an object');
    const action = str(step.action) ?? '';
    const observation = str(step.observation) ?? '';
    const category = categoryOf(action);
    const firstWord = action.trim().split(/\s+/)[0] ?? '';
    const path = /^(open|create|find_file)$/.test(firstWord) ? action.trim().split(/\s+/)[1]?.replace(/^"|"$/g, '') : undefined;
    b.push({
      type: 'tool-call',
      category,
      paths: path ? [path] : [],
      ...(category === 'shell' ? { command: action.trim() } : {}),
    });
    const status = /Your proposed edit has introduced new syntax error|edit was not applied|Edit rejected/i.test(observation)
      ? 'refused'
      : /Traceback \(most recent call last\)|command not found|^Error:|\bERROR\b/m.test(observation)
        ? 'error'
        : 'ok';
    b.push({ type: 'tool-result', status });
  }
  const exit = str(record(o.info)?.exit_status) ?? '';
  const endState = /^submitted/.test(exit)
    ? 'finished'
    : /^(exit_error|exit_format|exit_cost|exit_context|early_exit)/.test(exit)
      ? 'error'
      : 'unknown';
  return b.build({ endState });
}
