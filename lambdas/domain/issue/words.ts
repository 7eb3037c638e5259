/**
 * The numbers and times of the issue bodies, comments and pages, in words: a number to about three
 * significant digits, a ratio ("4.1×"), an instant in UTC, a duration, a short commit SHA. Pure.
 */
import { oneLine } from './markdown.ts';

/** A number with about three significant digits, without exponent noise for ordinary values. */
export function num(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  if (Math.abs(value) >= 1000) return String(Math.round(value));
  return String(Number(value.toPrecision(3)));
}

/** A ratio as in "4.1×". */
export function ratio(value: number): string {
  if (!Number.isFinite(value)) return `${value}×`;
  return Math.abs(value) >= 10 ? `${Math.round(value)}×` : `${Number(value.toFixed(value < 1 ? 2 : 1))}×`;
}

/** An ISO instant as "2024-05-01 14:02 UTC" (or without the suffix). */
export function utc(iso: string, suffix = true): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return oneLine(iso);
  const s = new Date(ms).toISOString();
  return `${s.slice(0, 10)} ${s.slice(11, 16)}${suffix ? ' UTC' : ''}`;
}

/** An ISO instant as "14:02 UTC". */
export function clock(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? oneLine(iso) : `${new Date(ms).toISOString().slice(11, 16)} UTC`;
}

export function minutes(value: number): string {
  const rounded = Math.round(value);
  if (rounded < 120) return `${rounded} min`;
  const h = Math.floor(rounded / 60);
  const m = rounded % 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

export function shortSha(sha: string): string {
  return /^[0-9a-f]{40}$/i.test(sha) ? sha.slice(0, 12) : sha;
}
