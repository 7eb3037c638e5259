/**
 * The friction detectors of runs of events and whether the work recovered after them: abandoned tool
 * flows (declined, interrupted or refused steps) and error events (platform errors, failing tool steps
 * in a row). Pure.
 */
import { plural, toolWords } from '../citations.ts';
import type { EventOf, SessionEvent } from '../session.ts';
import { at, isRequest, type Moment, type SessionView } from './session-view.ts';

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
