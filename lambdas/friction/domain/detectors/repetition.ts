/**
 * The friction detectors of the same thing again and again: one request restated (repeated rephrasing),
 * one file in and out of the coding agent's context (context churn). Pure.
 */
import { times } from '../citations.ts';
import type { FrictionConfig } from '../config.ts';
import { requestPart } from '../facets.ts';
import type { EventOf } from '../session.ts';
import { contentWords, jaccard, proseLines, samePath, squash } from '../text.ts';
import { at, isRequest, type Moment, type SessionView } from './session-view.ts';

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
