/**
 * Priority (P0–P3) from breadth, depth, magnitude, duration and rate of change; tier (1 or 2) from
 * breadth, blast radius, architectural paths and services involved. Small and pure, shared by triage
 * and by the re-evaluation that recomputes the priority from newer numbers.
 */
import { pctWhole } from '#domain/shared/format';

export type Priority = 'P0' | 'P1' | 'P2' | 'P3';

export interface Severity {
  /** Affected / active tenants; undefined when there is no per-tenant data. */
  readonly breadth?: number | undefined;
  /** Fraction of operations failing because of the incident; undefined without a traffic metric. */
  readonly depth?: number | undefined;
  /** Observed / expected level. */
  readonly ratio: number;
  readonly durationMinutes: number;
  /** Relative change per hour since the onset (positive: still getting worse, for a rising signal). */
  readonly rateOfChangePerHour?: number | undefined;
}

const LEVELS: readonly Priority[] = ['P0', 'P1', 'P2', 'P3'];

/** The priority and why, in words. */
export function priorityOf(s: Severity): { priority: Priority; why: string } {
  const magnitude = s.ratio >= 1 ? s.ratio : s.ratio > 0 ? 1 / s.ratio : 1e6;
  const b = s.breadth;
  const d = s.depth;
  let level: number;
  const facts: string[] = [];
  if (b !== undefined) facts.push(`breadth ${pctWhole(b)}`);
  if (d !== undefined) facts.push(`depth ${pctWhole(d)} of operations failing`);
  facts.push(`${magnitude.toFixed(1)}× the expected level`);
  if ((b !== undefined && b >= 0.5 && ((d !== undefined && d >= 0.25) || magnitude >= 3)) || (d !== undefined && d >= 0.5)) level = 0;
  else if ((b !== undefined && b >= 0.2) || (d !== undefined && d >= 0.1) || (b === undefined && d === undefined && magnitude >= 3))
    level = 1;
  else if ((b !== undefined && b >= 0.05) || (d !== undefined && d >= 0.01) || magnitude >= 1.5) level = 2;
  else level = 3;
  const bumps: string[] = [];
  if (s.durationMinutes >= 120) bumps.push(`lasting ${Math.round(s.durationMinutes)} min`);
  const rising = s.ratio >= 1 ? (s.rateOfChangePerHour ?? 0) >= 1 : (s.rateOfChangePerHour ?? 0) <= -0.5;
  if (rising) bumps.push('still getting worse quickly');
  if (bumps.length > 0 && level > 0 && level < 3) level -= 1;
  const priority = LEVELS[level] as Priority;
  return { priority, why: `${priority}: ${facts.join(', ')}${bumps.length > 0 ? `; one level up for ${bumps.join(' and ')}` : ''}` };
}

export interface TierInput {
  readonly highBlastRadius: boolean;
  readonly breadth?: number | undefined;
  /** Other services alarming at once. */
  readonly otherServices: number;
  readonly crossServiceAlarms: number;
  /** Architectural paths the suspect deploy changed. */
  readonly architecturalChanges: readonly string[];
}

export function tierOf(t: TierInput): { tier: 1 | 2; why: string } {
  const why: string[] = [];
  if (t.highBlastRadius) why.push('the code paths have a history of high blast radius');
  if (t.breadth !== undefined && t.breadth >= 0.5) why.push(`broad: ${pctWhole(t.breadth)} of tenants`);
  if (t.otherServices >= t.crossServiceAlarms) why.push(`${t.otherServices} other services alarm at the same time`);
  if (t.architecturalChanges.length > 0) why.push(`architectural change (${t.architecturalChanges.slice(0, 3).join(', ')})`);
  return why.length > 0 ? { tier: 2, why: `Tier 2: ${why.join('; ')}` } : { tier: 1, why: 'Tier 1: one service, contained code paths' };
}
