/**
 * The friction detectors of cues in what the user writes and runs: escalation tone, backtracking (undo
 * commands, git reverts, asking for a revert) and platform confusion; and the delight moments of the
 * discovery channel. Pasted code and logs are not read. Pure.
 */
import { times } from '../citations.ts';
import { requestPart } from '../facets.ts';
import { proseLines } from '../text.ts';
import { at, type DelightMoment, isRequest, type Moment, type SessionView } from './session-view.ts';

// ---------------------------------------------------------------------------------------------
// 5. Escalation tone: frustration in the user's prose (pasted code and logs are not read).

const ACRONYMS = new Set(
  'API URL URI JSON HTTP HTTPS CLI SQL CSS HTML AWS README TODO LLM GPU CPU RAM UUID ID OK PR CI CD ENV EOF UTF SSH SDK IDE MCP JWT XML YAML TOML PDF PNG SVG NPM DB AI UI UX RAG ASAP FYI IMO BTW'.split(
    ' ',
  ),
);
const PROFANITY = /\b(fuck\w*|shit\w*|wtf|damn(it)?|crap|bullshit|stupid|idiot\w*|moron\w*)\b/i;
const REMINDER = /\b(i (already|just) (told|said|asked)|for the (last|\w+th|third|second) time|how many times|i said|like i said)\b/i;
const STOP = /\b(stop (it|doing|changing|adding|removing|that|touching)|are you (kidding|serious)|what the hell|what are you doing)\b/i;
const PERSISTS =
  /\b(still (not|doesn'?t|does not|isn'?t|is not|broken|failing|fails|wrong|the same|getting|seeing|happening)|(doesn'?t|didn'?t|does not|did not) work|same (error|problem|issue) again)\b/i;
const WRONG =
  /\b((not|isn'?t) what i (asked|wanted|said|meant)|(that'?s|this is|thats|you'?re) (wrong|incorrect|not right)|you (broke|ruined|deleted|ignored)|why (did|would) you)\b/i;

/** Cues of an escalating tone, each with its weight, in the order the citation names them. */
const TONE_CUES: readonly { readonly weight: number; readonly signal: string; readonly test: (prose: string) => boolean }[] = [
  { weight: 2, signal: 'profanity', test: (prose) => PROFANITY.test(prose) },
  {
    weight: 2,
    signal: 'shouting in capitals',
    test: (prose) => {
      const caps = (prose.match(/\b[A-Z]{3,}\b/g) ?? []).filter((w) => !ACRONYMS.has(w));
      return caps.length >= 2 && caps.length * 3 >= (prose.match(/\b[A-Za-z]{3,}\b/g) ?? []).length * 0.5;
    },
  },
  { weight: 1, signal: 'repeated exclamation or question marks', test: (prose) => /(!{2,}|\?{2,}|\?!|!\?)/.test(prose) },
  { weight: 2, signal: 'reminders of earlier instructions', test: (prose) => REMINDER.test(prose) },
  { weight: 2, signal: 'telling the coding agent to stop', test: (prose) => STOP.test(prose) },
  { weight: 1, signal: 'reports that the problem persisted', test: (prose) => PERSISTS.test(prose) },
  { weight: 1, signal: 'statements that the result was wrong', test: (prose) => WRONG.test(prose) },
];

export function escalationTone(view: SessionView): Moment[] {
  const moments: Moment[] = [];
  view.events.forEach((e, i) => {
    if (e.type !== 'user' || !isRequest(e)) return;
    const prose = proseLines(requestPart(e.text)).join('\n');
    if (!prose) return;
    const cues = TONE_CUES.filter((c) => c.test(prose));
    const signals = cues.map((c) => c.signal);
    const score = cues.reduce((sum, c) => sum + c.weight, 0);
    if (score < 2) return;
    moments.push({
      kind: 'escalation-tone',
      severity: score >= 4 ? 'high' : score >= 3 ? 'medium' : 'low',
      citation: `The user's tone escalated: ${signals.join(', ')}.`,
      index: i,
      ...at(view, i),
    });
  });
  return moments;
}

// ---------------------------------------------------------------------------------------------
// 6. Backtracking: undoing the coding agent's work (undo commands, git reverts, asking for changes to be reverted).

const UNDO_REQUEST =
  /^(please\s+|ok\s+|no[,.]?\s+)?(undo|revert|roll ?back)\b|\b(undo|revert|roll ?back) (that|this|those|these|it|the last|your|the changes?|the edit|everything)\b|\bput (it|that|them) back\b|\bgo back to (the|how|what) (it|was|previous|original|before)/i;
const GIT_UNDO = /\bgit\s+(revert|reset\s+--hard|checkout\s+(--\s|\S+\s+--\s)|restore\b|stash(\s+push)?\s*$)/;

export function backtracking(view: SessionView): Moment[] {
  const hits: { index: number; via: 'command' | 'git' | 'request' }[] = [];
  view.events.forEach((e, index) => {
    if (e.type === 'user' && !e.generated && e.command && /^(undo|rewind|revert)$/.test(e.command)) hits.push({ index, via: 'command' });
    else if (e.type === 'user' && isRequest(e) && UNDO_REQUEST.test(proseLines(requestPart(e.text)).join('\n')))
      hits.push({ index, via: 'request' });
    else if (e.type === 'tool-call' && e.command && GIT_UNDO.test(e.command)) hits.push({ index, via: 'git' });
  });
  const moments: Moment[] = [];
  let k = 0;
  while (k < hits.length) {
    let end = k;
    while (
      end + 1 < hits.length &&
      (view.turn[(hits[end + 1] as { index: number }).index] ?? 0) - (view.turn[(hits[end] as { index: number }).index] ?? 0) <= 3
    )
      end++;
    const cluster = hits.slice(k, end + 1);
    const n = cluster.length;
    const first = (cluster[0] as { index: number }).index;
    const ways = { command: 'with the undo command', git: 'through version control', request: "at the user's request" } as const;
    const how = [...new Set(cluster.map((h) => h.via))].map((v) => ways[v]).join(' and ');
    moments.push({
      kind: 'backtracking',
      severity: n >= 3 ? 'high' : n === 2 ? 'medium' : 'low',
      citation: `The coding agent's changes were undone ${times(n)} ${how}${n > 1 ? ', within a few turns' : ''}.`,
      index: first,
      ...at(view, first),
    });
    k = end + 1;
  }
  return moments;
}

// ---------------------------------------------------------------------------------------------
// 7. Platform confusion: confusion about the coding agent's own features.

const CAPABILITY_QUESTION =
  /\b((can|could|do|did) you (see|read|access|open|reach|remember|apply|save|edit|run|execute|browse)\b[^?\n]*\?|do you have access|how do i (use|add|make|get|tell|configure|set|give) (you|it|this tool|the (agent|assistant|tool))|why (didn'?t|did not|can'?t|won'?t|don'?t) you (apply|save|edit|see|make|write|change)|where did (the|your) (changes?|edits?) go|which (command|mode|shortcut))/i;

export function platformConfusion(view: SessionView): Moment[] {
  const moments: Moment[] = [];
  view.events.forEach((e, i) => {
    if (e.type === 'unrecognized') {
      const what =
        e.what === 'command'
          ? 'typed a command the coding agent does not have'
          : e.what === 'model'
            ? 'named a model the coding agent did not recognise'
            : 'pointed the coding agent at a file it could not find';
      moments.push({ kind: 'platform-confusion', severity: 'low', citation: `The user ${what}.`, index: i, ...at(view, i) });
    } else if (e.type === 'user' && !e.generated && e.command === 'help' && e.text.trim()) {
      moments.push({
        kind: 'platform-confusion',
        severity: 'low',
        citation: "The user asked the coding agent's built-in help how to use it.",
        index: i,
        ...at(view, i),
      });
    } else if (e.type === 'user' && isRequest(e) && CAPABILITY_QUESTION.test(proseLines(requestPart(e.text)).join('\n'))) {
      moments.push({
        kind: 'platform-confusion',
        severity: 'medium',
        citation: 'The user asked what the coding agent could see or do, or why it had not applied something.',
        index: i,
        ...at(view, i),
      });
    }
  });
  const sorted = moments.sort((a, b) => a.index - b.index);
  // Confusion that keeps coming back is worse than a slip.
  return sorted.length >= 3 ? sorted.map((m, k) => (k >= 2 ? { ...m, severity: 'high' as const } : m)) : sorted;
}

// ---------------------------------------------------------------------------------------------
// Delight, for the discovery channel: the user thanking the coding agent or saying it worked.

const DELIGHT =
  /\b(thanks|thank you|thx|perfect|awesome|great (job|work)|nice( work| job)?|love (it|this)|excellent|brilliant|amazing|(works|worked) (now|perfectly|great)|that worked)\b/i;

export function delightMoments(view: SessionView): DelightMoment[] {
  const out: DelightMoment[] = [];
  view.events.forEach((e, i) => {
    if (e.type === 'user' && !e.generated && !e.command && DELIGHT.test(proseLines(requestPart(e.text)).join('\n')))
      out.push({ citation: 'The user thanked the coding agent or said the result worked.', index: i });
  });
  return out;
}
