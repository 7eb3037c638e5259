/** Instants as prodloop stores and compares them. */

/** The instant in UTC ISO 8601 (`2026-03-02T09:00:00.000Z`), whatever offset it was written with; RangeError when it is none. */
export function isoUtc(instant: string): string {
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO 8601 instant: ${instant}`);
  return new Date(ms).toISOString();
}
