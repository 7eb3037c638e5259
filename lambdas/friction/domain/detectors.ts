/**
 * The deterministic friction detectors, one per kind. Each reads the normalized session and returns
 * moments: kind, severity and a citation written from a template (counts and categories only).
 * They need nothing else: no model, no network.
 */
import { plural, times, toolWords } from './citations.ts';
import type { FrictionConfig, FrictionKind, Severity } from './config.ts';
import { requestPart } from './facets.ts';
import type { EventOf, Session, SessionEvent } from './session.ts';
import { contentWords, jaccard, millis, proseLines, samePath, squash } from './text.ts';

export interface Moment {
  readonly kind: FrictionKind;
  readonly severity: Severity;
  readonly citation: string;
  /** Index of the event the moment is anchored on. */
  readonly index: number;
  readonly at?: string;
}

export interface DelightMoment {
  readonly citation: string;
  readonly index: number;
}

/** Facts about a session every detector uses, computed once. */
export class SessionView {
  readonly events: readonly SessionEvent[];
  /** For each event, how many of the user's turns (messages and commands) came before or at it. */
  readonly turn: readonly number[];
  readonly timed: boolean;
  readonly time: readonly (number | undefined)[];
  /** Index of the last request the user typed (not a command, not generated), -1 when none. */
  readonly lastRequest: number;

  constructor(readonly session: Session) {
    this.events = session.events;
    const turn: number[] = [];
    let t = 0;
    let lastRequest = -1;
    this.events.forEach((e, i) => {
      if (e.type === 'user' && !e.generated) {
        t++;
        if (isRequest(e)) lastRequest = i;
      }
      turn.push(t);
    });
    this.turn = turn;
    this.lastRequest = lastRequest;
    this.time = this.events.map((e) => millis(e.at));
    this.timed = this.time.filter((x) => x !== undefined).length >= Math.min(2, this.events.length);
  }

  /** Whether the coding agent got anything done after event i: a reply, or a tool result that succeeded. */
  progressAfter(i: number): boolean {
    for (let j = i + 1; j < this.events.length; j++) {
      const e = this.events[j] as SessionEvent;
      if (e.type === 'assistant' || (e.type === 'tool-result' && e.status === 'ok')) return true;
    }
    return false;
  }

  /** Whether the user asked for anything after event i. */
  requestAfter(i: number): boolean {
    return this.lastRequest > i;
  }
}

/** A message that asks the coding agent for something (not a housekeeping command). */
export function isRequest(e: EventOf<'user'>): boolean {
  if (e.generated) return false;
  if (!e.command) return e.text.trim().length > 0;
  return /^(ask|code|architect)$/.test(e.command) && e.text.trim().length > 0;
}

const at = (view: SessionView, i: number) => {
  const a = view.events[i]?.at;
  return a ? { at: a } : {};
};

// ---------------------------------------------------------------------------------------------
// 1. Abandoned tool flows: rejected, cancelled or interrupted tool calls and requests; edits the
//    agent's own tooling refused.

export function abandonedToolFlows(view: SessionView): Moment[] {
  const moments: Moment[] = [];
  const { events } = view;
  let i = 0;
  while (i < events.length) {
    const e = events[i] as SessionEvent;
    if (e.type === 'tool-result' && (e.status === 'rejected' || e.status === 'cancelled')) {
      // One flow: declined steps in a row, until the coding agent makes progress.
      let n = 1;
      let j = i + 1;
      while (j < events.length) {
        const f = events[j] as SessionEvent;
        if (f.type === 'tool-result' && (f.status === 'rejected' || f.status === 'cancelled')) n++;
        else if (f.type === 'assistant' || (f.type === 'tool-result' && f.status === 'ok') || f.type === 'user' || f.type === 'interrupt')
          break;
        j++;
      }
      const category = callBefore(view, i)?.category ?? 'other';
      const gaveUp = !view.requestAfter(i) && !view.progressAfter(j - 1);
      moments.push({
        kind: 'abandoned-tool-flow',
        severity: gaveUp ? 'high' : 'medium',
        citation: `The user declined the coding agent's proposed ${toolWords(category)}${n > 1 ? ` and ${n - 1} more step${n > 2 ? 's' : ''} after it` : ''}; ${gaveUp ? 'the session ended there' : 'the coding agent had to change course'}.`,
        index: i,
        ...at(view, i),
      });
      i = j;
      continue;
    }
    if (
      e.type === 'confirm' &&
      e.answer === 'no' &&
      (e.subject === 'edit' || e.subject === 'command' || e.subject === 'file' || e.subject === 'fix')
    ) {
      // Declining to add files or fix lint comes after the reply was delivered: never the end of a flow.
      const gaveUp = (e.subject === 'edit' || e.subject === 'command') && !view.requestAfter(i) && !view.progressAfter(i);
      moments.push({
        kind: 'abandoned-tool-flow',
        severity: gaveUp ? 'high' : e.subject === 'fix' ? 'low' : 'medium',
        citation: `The coding agent asked to go ahead with ${withArticle(toolWords(e.subject))} and the user said no${gaveUp ? '; the session ended there' : ''}.`,
        index: i,
        ...at(view, i),
      });
    } else if ((e.type === 'interrupt' && e.during !== 'idle') || (e.type === 'tool-result' && e.status === 'interrupted')) {
      const during =
        e.type === 'interrupt' && e.during === 'response' ? 'while it was answering a request' : 'while a tool step was running';
      const gaveUp = !view.requestAfter(i);
      moments.push({
        kind: 'abandoned-tool-flow',
        severity: gaveUp ? 'high' : 'medium',
        citation: `The user interrupted the coding agent ${during}; ${gaveUp ? 'no further request followed' : 'the user carried on with a new request afterwards'}.`,
        index: i,
        ...at(view, i),
      });
    } else if (e.type === 'tool-result' && e.status === 'refused') {
      let n = 1;
      let j = i + 1;
      let recovered = false;
      while (j < events.length) {
        const f = events[j] as SessionEvent;
        if (f.type === 'tool-result' && f.status === 'refused') n++;
        else if (f.type === 'tool-result' && f.status === 'ok') {
          recovered = true;
          break;
        } else if (f.type !== 'tool-call' && f.type !== 'assistant') break;
        j++;
      }
      if (!recovered) {
        // The edit may still go through after the user answered a question or restated the request.
        for (let k = j; k < events.length; k++) {
          const f = events[k] as SessionEvent;
          if (f.type === 'tool-result' && f.status === 'ok') recovered = true;
          if (recovered || (f.type === 'user' && isRequest(f))) break;
        }
      }
      const dropped = !recovered && !view.requestAfter(i);
      moments.push({
        kind: 'abandoned-tool-flow',
        severity: dropped ? 'high' : n >= 3 ? 'medium' : 'low',
        citation: `The coding agent's tooling refused ${n === 1 ? 'a proposed edit' : `${n} proposed edits in a row`} as malformed or not matching the file; ${recovered ? 'a corrected edit went through after that' : dropped ? 'the flow was dropped there' : 'the user moved on without the edit'}.`,
        index: i,
        ...at(view, i),
      });
      i = j;
      continue;
    }
    i++;
  }
  return moments;
}

function withArticle(words: string): string {
  return `${/^[aeiou]/i.test(words) ? 'an' : 'a'} ${words}`;
}

function callBefore(view: SessionView, i: number): EventOf<'tool-call'> | undefined {
  for (let j = i - 1; j >= 0; j--) {
    const e = view.events[j] as SessionEvent;
    if (e.type === 'tool-call') return e;
    if (e.type === 'user') return undefined;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// 2. Repeated rephrasing: three (configurable) or more consecutive requests that restate one request.

export function repeatedRephrasing(view: SessionView, config: FrictionConfig): Moment[] {
  const { minRun, similarity } = config.rephrasing;
  const requests = view.events
    .map((e, index) => ({ e, index }))
    .filter((x): x is { e: EventOf<'user'>; index: number } => x.e.type === 'user' && isRequest(x.e))
    .map(({ e, index }) => {
      const text = requestPart(e.text);
      return { index, exact: squash(text).toLowerCase(), words: contentWords(proseLines(text).join(' ') || text) };
    })
    // A greeting or a one-word nudge is no request to restate.
    .filter((r) => r.words.size >= 3);
  const moments: Moment[] = [];
  let start = 0;
  const close = (end: number) => {
    const run = end - start;
    if (run < minRun) return;
    const first = requests[start] as (typeof requests)[number];
    const last = requests[end - 1] as (typeof requests)[number];
    const modelSwitch = view.events
      .slice(first.index, last.index)
      .some((e) => e.type === 'user' && (e.command === 'model' || e.command === 'chat-mode'));
    const unanswered = !view.progressAfter(last.index);
    moments.push({
      kind: 'repeated-rephrasing',
      severity: run >= minRun + 2 || unanswered ? 'high' : 'medium',
      citation: `The user restated one request ${times(run)} in a row${modelSwitch ? ', switching the model in between' : ''}${unanswered ? '; no usable answer followed' : ''}.`,
      index: first.index,
      ...at(view, first.index),
    });
  };
  for (let k = 1; k < requests.length; k++) {
    const a = requests[k - 1] as (typeof requests)[number];
    const b = requests[k] as (typeof requests)[number];
    const same = a.exact === b.exact || (a.words.size >= 2 && b.words.size >= 2 && jaccard(a.words, b.words) >= similarity);
    if (!same) {
      close(k);
      start = k;
    }
  }
  close(requests.length);
  return moments;
}

// ---------------------------------------------------------------------------------------------
// 3. Context churn: one file added to and removed from the coding agent's context again and again. A file
//    dropped for good is housekeeping; churn needs it to come back. Two changes of one file (add then
//    remove, or remove then add back) are one cycle. The seed pattern, `cycles` add/remove cycles
//    within `windowSeconds` (or `windowTurns` without timestamps), is high severity; two cycles are
//    medium, a file removed and added back once is low.

export function contextChurn(view: SessionView, config: FrictionConfig): Moment[] {
  const { cycles: high, windowSeconds, windowTurns } = config.contextChurn;
  const files: { path: string; ops: { op: 'add' | 'remove'; index: number }[]; present: boolean }[] = [];
  view.events.forEach((e, index) => {
    if (e.type !== 'context') return;
    let file = files.find((f) => samePath(f.path, e.path));
    if (!file) {
      // A file whose first change is a removal was in the context from the start.
      file = { path: e.path, ops: e.action === 'remove' ? [{ op: 'add', index: -1 }] : [], present: e.action === 'remove' };
      files.push(file);
    }
    if ((e.action === 'add') === file.present) return; // re-announced, nothing changed
    file.present = e.action === 'add';
    file.ops.push({ op: e.action, index });
  });
  const within = (a: number, b: number) => {
    // The implicit add of a file that was in context from the start happened when the session began.
    if (a < 0)
      return view.timed
        ? (view.time[b] ?? 0) - (view.time.find((t) => t !== undefined) ?? 0) <= windowSeconds * 1000
        : (view.turn[b] ?? 0) <= windowTurns;
    if (view.timed) {
      const ta = view.time[a];
      const tb = view.time[b];
      return ta !== undefined && tb !== undefined && tb - ta <= windowSeconds * 1000;
    }
    return (view.turn[b] ?? 0) - (view.turn[a] ?? 0) <= windowTurns;
  };
  const moments: Moment[] = [];
  for (const file of files) {
    const { ops } = file;
    let s = 0;
    while (s < ops.length) {
      // The longest run of changes from op s that fits the window.
      let e = s;
      while (e + 1 < ops.length && within((ops[s] as { index: number }).index, (ops[e + 1] as { index: number }).index)) e++;
      // Changes alternate (re-announcements were dropped): two changes are one add/remove cycle.
      const run = ops.slice(s, e + 1);
      const pairs = Math.floor(run.length / 2);
      const readded = run.some((o, k) => o.op === 'add' && run[k - 1]?.op === 'remove');
      if (pairs >= 1 && readded) {
        const anchor = run.find((o) => o.index >= 0)?.index ?? 0;
        const window = view.timed ? humanWindow(windowSeconds) : `${windowTurns} turns`;
        moments.push({
          kind: 'context-churn',
          severity: pairs >= high ? 'high' : pairs >= 2 ? 'medium' : 'low',
          citation:
            pairs === 1
              ? `The user removed a file from the coding agent's context and added it back within ${window}.`
              : `The same file went in and out of the coding agent's context ${times(pairs)} within ${window}.`,
          index: anchor,
          ...at(view, anchor),
        });
        s = e + 1;
      } else s++;
    }
  }
  return moments.sort((a, b) => a.index - b.index);
}

function humanWindow(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60} minute${seconds === 60 ? '' : 's'}` : `${seconds} seconds`;
}

// ---------------------------------------------------------------------------------------------
// 4. Error events: platform errors (model provider, the coding agent crashing) and runs of failing tool steps.

export function errorEvents(view: SessionView): Moment[] {
  const moments: Moment[] = [];
  const { events } = view;
  let i = 0;
  while (i < events.length) {
    const e = events[i] as SessionEvent;
    if (e.type === 'error') {
      let n = 1;
      let j = i + 1;
      let provider = e.source === 'provider';
      while (j < events.length) {
        const f = events[j] as SessionEvent;
        if (f.type === 'error') {
          n++;
          provider ||= f.source === 'provider';
        } else if (f.type === 'assistant' || (f.type === 'tool-result' && f.status === 'ok') || (f.type === 'user' && isRequest(f))) break;
        j++;
      }
      const stuck = !view.progressAfter(j - 1);
      const who = provider ? "the coding agent's model provider" : 'the coding agent itself';
      moments.push({
        kind: 'error-events',
        severity: stuck ? 'high' : 'medium',
        citation: `An error in ${who} stopped the work${n > 1 ? ` (${n} errors before anything worked)` : ''}; ${stuck ? 'the session ended without recovering' : 'work resumed afterwards'}.`,
        index: i,
        ...at(view, i),
      });
      i = j;
      continue;
    }
    if (e.type === 'tool-result' && e.status === 'error') {
      let n = 1;
      let j = i + 1;
      while (j < events.length) {
        const f = events[j] as SessionEvent;
        if (f.type === 'tool-result') {
          if (f.status === 'error') n++;
          else if (f.status === 'ok') break;
        } else if (f.type === 'user' && isRequest(f)) break;
        j++;
      }
      if (n >= 2) {
        moments.push({
          kind: 'error-events',
          severity: n >= 5 ? 'high' : n >= 3 ? 'medium' : 'low',
          citation: `${plural(n, 'tool step')} of the coding agent failed in a row before one succeeded or the user stepped in.`,
          index: i,
          ...at(view, i),
        });
      }
      i = j;
      continue;
    }
    i++;
  }
  return moments;
}

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

/** Every detector, in the order of FRICTION_KINDS. */
export function detectFriction(session: Session, config: FrictionConfig, view = new SessionView(session)): Moment[] {
  return [
    ...abandonedToolFlows(view),
    ...repeatedRephrasing(view, config),
    ...contextChurn(view, config),
    ...errorEvents(view),
    ...escalationTone(view),
    ...backtracking(view),
    ...platformConfusion(view),
  ];
}
