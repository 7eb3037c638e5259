/**
 * Small formatters shared by triage, validation, the issue bodies and the friction digest, one copy
 * each. Where callers print a share differently on purpose, each way has its own name: `pct` for
 * prose, `pctWhole` for triage's priority facts, `pctFixed` for the friction tables and chart axes.
 */

/**
 * The smallest p-value triage reports (DynamoDB, where decisions are audited, stores numbers down to
 * 1e-130); anything at or below it reads `< 1e-100`.
 */
export const P_FLOOR = 1e-100;

/** A p-value after "p": `= 0.003`, `= 2.1e-9`, or `< 1e-100` at the floor. */
export function sci(p: number): string {
  if (p <= P_FLOOR) return `< ${P_FLOOR}`;
  if (p >= 0.001) return `= ${Number(p.toPrecision(2))}`;
  return `= ${p.toExponential(1)}`;
}

/** Rounds to `digits` decimals (Math.round on the scaled value: halves go up). */
export function round(x: number, digits = 2): number {
  return Math.round(x * 10 ** digits) / 10 ** digits;
}

/** Rounds to three decimals, as figures are stored in verdicts and judgements. */
export function round3(x: number): number {
  return round(x, 3);
}

/** A fraction 0..1 as a percentage in prose: whole from 10 % up, else one decimal at most (`12%`, `5.5%`, `5%`). */
export function pct(fraction: number): string {
  const value = fraction * 100;
  return `${value >= 10 || Number.isInteger(value) ? Math.round(value) : Number(value.toFixed(1))}%`;
}

/** A fraction 0..1 as a whole percentage (`6%` for 0.055): triage's priority and tier facts. */
export function pctWhole(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

/**
 * A fraction 0..1 as a percentage that keeps its decimal below 10 % (`5.0%`, `0.4%`, `12%`, `0%`):
 * the friction digest's tables and the chart's axis labels line up on it.
 */
export function pctFixed(fraction: number): string {
  const p = fraction * 100;
  return `${p >= 10 || p === 0 ? p.toFixed(0) : p.toFixed(1)}%`;
}

/** The values without repeats, in the order they first appear. */
export function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
