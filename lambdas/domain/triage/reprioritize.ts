/**
 * Re-prioritization: on each evaluation after a fix deploy, the priority is recomputed from the current
 * numbers (the verdict's current mean against the level triage expected, the breadth triage measured,
 * the time since the onset, the change since triage), so an issue that got worse moves up and one that
 * is fading moves down. Pure: returns the updated decision; the caller updates the issue when it changed.
 */
import type { Decision, Verdict } from '#domain/lineage/lineage';
import { round } from '#domain/shared/format';
import { priorityOf } from './priority.ts';

export interface Reprioritized {
  readonly decision: Decision;
  readonly changed: boolean;
  readonly from: Decision['priority'];
}

export function reprioritize(triaged: Decision, verdict: Verdict): Reprioritized {
  const e = triaged.evidence;
  const expected = e.statistics?.expectedMean ?? e.baseline.mean;
  const ratio = expected > 0 ? verdict.currentMean / expected : verdict.currentMean > 0 ? 1e6 : 1;
  const durationMinutes = Math.max(e.durationMinutes, (Date.parse(verdict.at) - Date.parse(e.onset)) / 60_000);
  // Depth scales with the excess: the same share of operations fails per unit of excess as at triage.
  const triageExcess = e.current.mean - expected;
  const nowExcess = verdict.currentMean - expected;
  const depth =
    e.depth && triageExcess !== 0
      ? Math.max(0, Math.min(1, e.depth.excess * (nowExcess / triageExcess)))
      : e.depth
        ? e.depth.excess
        : undefined;
  // Rate of change: how the level moved since triage, per hour, relative to the expected level.
  const hours = (Date.parse(verdict.at) - Date.parse(e.current.to)) / 3_600_000;
  const rateOfChangePerHour = hours > 0.05 && expected !== 0 ? (verdict.currentMean - e.current.mean) / Math.abs(expected) / hours : 0;
  const breadthKnown = e.tenantsActive > 0;
  const { priority, why } = priorityOf({
    breadth: breadthKnown ? e.breadth : undefined,
    depth,
    ratio,
    durationMinutes,
    rateOfChangePerHour,
  });
  const decision: Decision = {
    ...triaged,
    priority,
    rank: { tier: triaged.rank?.tier ?? `Tier ${triaged.tier}`, priority: why },
    evidence: {
      ...e,
      ratio: round(ratio, 3),
      durationMinutes: round(durationMinutes, 1),
      rateOfChangePerHour: round(rateOfChangePerHour),
      ...(e.depth && depth !== undefined ? { depth: { ...e.depth, excess: round(depth, 4) } } : {}),
    },
    reevaluation: {
      at: verdict.at,
      verdict: verdict.kind,
      currentMean: verdict.currentMean,
      ratio: round(ratio, 3),
      previousPriority: triaged.priority,
    },
  };
  return { decision, changed: priority !== triaged.priority, from: triaged.priority };
}
