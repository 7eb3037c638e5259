/**
 * What every friction detector reads and returns: the moment it finds (kind, severity, a citation from
 * a template, the event it is anchored on), and the session view with the facts they all use, computed
 * once (user turns, times, the last request, whether work progressed after an event). Pure.
 */
import type { FrictionKind, Severity } from '../config.ts';
import type { EventOf, Session, SessionEvent } from '../session.ts';
import { millis } from '../text.ts';

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

export const at = (view: SessionView, i: number) => {
  const a = view.events[i]?.at;
  return a ? { at: a } : {};
};
