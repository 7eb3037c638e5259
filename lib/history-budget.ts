/**
 * Step Functions keeps at most 25,000 events in an execution's history; the event past it ends the
 * execution where no Catch can see it. The lineage loop's validation and the deploy watch look
 * again and again within one execution, so how many looks fit is a bound of the platform, checked at
 * synth: each look's cost is read from the ASL file itself (the costliest way around its loop).
 */
import { readFileSync } from 'node:fs';

export const HISTORY_EVENT_LIMIT = 25_000;
/** Events left for what runs once per execution (triage, the issue, the escalation) and for retries (each adds three). */
export const HISTORY_RESERVE = 1_000;

/** Events a state writes to the history when it runs once and succeeds (a Lambda task: entered, scheduled, started, succeeded, exited). */
const EVENTS_PER_STATE: Readonly<Record<string, number>> = { Task: 5, Wait: 2, Choice: 2, Pass: 2, Succeed: 2, Fail: 1 };

interface AslState {
  readonly Type: string;
  readonly Next?: string;
  readonly Default?: string;
  readonly Choices?: readonly { readonly Next: string }[];
}

/** The history events of the costliest way from `loopStart` back to it (Catch paths leave the loop). */
export function eventsPerLook(definitionFile: string, loopStart: string): { events: number; path: string[] } {
  const states = (JSON.parse(readFileSync(definitionFile, 'utf8')) as { States: Record<string, AslState> }).States;
  if (!states[loopStart]) throw new Error(`${definitionFile} has no state ${loopStart}`);
  let best: { events: number; path: string[] } | undefined;
  const walk = (name: string, path: string[], events: number) => {
    const state = states[name];
    if (!state) return;
    const cost = events + (EVENTS_PER_STATE[state.Type] ?? 5);
    for (const next of [state.Next, state.Default, ...(state.Choices ?? []).map((c) => c.Next)]) {
      if (next === undefined) continue;
      if (next === loopStart) {
        if (!best || cost > best.events) best = { events: cost, path: [...path, name] };
      } else if (!path.includes(next)) walk(next, [...path, name], cost);
    }
  };
  walk(loopStart, [], 0);
  if (!best) throw new Error(`${definitionFile}: no way from ${loopStart} leads back to it`);
  return best;
}

/** How many looks fit one execution's history, with the reserve left. */
export function maxLooks(definitionFile: string, loopStart: string): number {
  return Math.floor((HISTORY_EVENT_LIMIT - HISTORY_RESERVE) / eventsPerLook(definitionFile, loopStart).events);
}
