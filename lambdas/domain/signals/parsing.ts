/** Small helpers shared by the event parsers: one-line reasons from zod errors, dates, results. */
import type * as z from 'zod';
import type { ParseResult } from './signals.ts';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** CloudWatch writes `2019-10-02T17:04:40.989+0000`; signals carry ISO 8601 in UTC. */
export function toIsoDate(value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

export function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** The first few issues of a zod error on one line: `missing detail.service; detail.prNumbers.0: must be positive`. */
export function reasonOf(error: z.ZodError, input: unknown, max = 3): string {
  const parts = error.issues.slice(0, max).map((issue) => {
    const path = issue.path.map(String).join('.') || '(root)';
    return valueAt(input, issue.path) === undefined ? `missing ${path}` : `${path}: ${issue.message}`;
  });
  const more = error.issues.length > max ? ` (and ${error.issues.length - max} more)` : '';
  return `${parts.join('; ')}${more}`;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

export function rejected(reason: string): ParseResult<never> {
  return { outcome: 'rejected', reason };
}

export function ignored(reason: string): ParseResult<never> {
  return { outcome: 'ignored', reason };
}

/** How far ahead of prodloop's clock an event may say it happened: the clock skew allowed between a sender and AWS. */
export const MAX_AHEAD_MS = 5 * 60_000;
/** How long ago an event may say it happened: a year (EventBridge keeps an archive for replays, not older). */
export const MAX_BEHIND_MS = 366 * 86_400_000;

/**
 * Why an event's time cannot be believed, against prodloop's own clock, or undefined when it can.
 * One event's clock is never trusted alone: a deploy stamped years ahead would otherwise be "newer"
 * than every real fix after it.
 */
export function untrustedTime(at: string, now: Date): string | undefined {
  const t = Date.parse(at);
  if (t - now.getTime() > MAX_AHEAD_MS)
    return `its time ${at} is more than ${MAX_AHEAD_MS / 60_000} minutes ahead of prodloop's clock (${now.toISOString()})`;
  if (now.getTime() - t > MAX_BEHIND_MS) return `its time ${at} is more than a year before prodloop's clock (${now.toISOString()})`;
  return undefined;
}

/** The parse result, rejected when the signal's time cannot be believed against `now` (see untrustedTime). */
export function withTrustedTime<T extends { readonly at: string }>(result: ParseResult<T>, now: Date): ParseResult<T> {
  if (result.outcome !== 'accepted') return result;
  const why = untrustedTime(result.signal.at, now);
  return why ? rejected(`not believed: ${why}`) : result;
}
