/** What a local run of a scenario returns, and whether it behaved as the scenario expects (one line per expectation missed). */
import type { Decision } from '#domain/lineage/lineage';
import type { Scenario } from './scenario.ts';

export interface TimelineEntry {
  readonly at: string;
  readonly kind: string;
  readonly text: string;
}

export interface ScenarioResult {
  readonly scenario: string;
  readonly description: string;
  readonly lineageId?: string;
  readonly executionName?: string;
  /** HALTED: the loop waits for a human the scenario does not provide. */
  readonly status: 'SUCCEEDED' | 'FAILED' | 'WAITING' | 'HALTED' | 'NOT_STARTED';
  readonly decision?: Decision['kind'];
  readonly tier?: 1 | 2;
  readonly priority?: string;
  readonly attribution?: string;
  readonly confidence?: number;
  readonly reasons: string[];
  readonly verdicts: string[];
  readonly issuesFiled: { number: number; kind: string; url: string }[];
  readonly andon: boolean;
  readonly locks: string[];
  readonly escalations: string[];
  readonly path: string[];
  readonly timeline: TimelineEntry[];
  readonly expectations: { readonly passed: boolean; readonly failures: string[] };
  readonly outbox: string;
  /** The decision's evidence (all of it: statistics, candidates, logs, tenants) and why this tier and priority. */
  readonly evidence?: Decision['evidence'];
  readonly rank?: Decision['rank'];
  /** Lineages the scenario's alarms opened (more than one in a storm across alarms). */
  readonly lineages?: number;
  /** Revert pull requests proposed (to the outbox). */
  readonly reverts?: { number: number; file: string }[];
  /** The lineage's status at the end. */
  readonly finalStatus?: string;
}

export function check(s: Scenario, r: Omit<ScenarioResult, 'expectations'>): { passed: boolean; failures: string[] } {
  const failures: string[] = [];
  const e = s.expect;
  if (e.decision && r.decision !== e.decision) failures.push(`decision: expected ${e.decision}, got ${r.decision ?? 'none'}`);
  if (e.verdicts && JSON.stringify(e.verdicts) !== JSON.stringify(r.verdicts))
    failures.push(`verdicts: expected [${e.verdicts.join(', ')}], got [${r.verdicts.join(', ')}]`);
  if (e.andon !== undefined && e.andon !== r.andon) failures.push(`andon: expected ${e.andon}, got ${r.andon}`);
  if (e.escalations && JSON.stringify(e.escalations) !== JSON.stringify(r.escalations))
    failures.push(`escalations: expected [${e.escalations.join(', ')}], got [${r.escalations.join(', ')}]`);
  if (e.issues !== undefined && e.issues !== r.issuesFiled.length)
    failures.push(`issues: expected ${e.issues}, got ${r.issuesFiled.length}`);
  if (e.attribution && r.attribution !== e.attribution)
    failures.push(`attribution: expected ${e.attribution}, got ${r.attribution ?? 'none'}`);
  if (e.tier !== undefined && r.tier !== e.tier) failures.push(`tier: expected ${e.tier}, got ${r.tier ?? 'none'}`);
  if (e.priority && r.priority !== e.priority) failures.push(`priority: expected ${e.priority}, got ${r.priority ?? 'none'}`);
  if (e.reverts !== undefined && e.reverts !== (r.reverts?.length ?? 0))
    failures.push(`reverts: expected ${e.reverts}, got ${r.reverts?.length ?? 0}`);
  if (e.locks && JSON.stringify([...e.locks].sort()) !== JSON.stringify([...r.locks].sort()))
    failures.push(`locks: expected [${e.locks.join(', ')}], got [${r.locks.join(', ')}]`);
  if (e.finalStatus && e.finalStatus !== r.finalStatus)
    failures.push(`final status: expected ${e.finalStatus}, got ${r.finalStatus ?? 'none'}`);
  return { passed: failures.length === 0, failures };
}
