/**
 * The title of a lineage's issue and the paragraph it opens with: what the signal did, since when, how
 * broad, the most likely cause, and what prodloop does with it (a coding agent's issue, or an
 * observation for a human and why). Pure.
 */
import type { Candidate, Decision, Lineage } from '#domain/lineage/lineage';
import { pct } from '#domain/shared/format';
import type { MetricRef } from '#domain/signals/signals';
import { code, inline, oneLine } from './markdown.ts';
import { clock, minutes, num, ratio, utc } from './words.ts';

const MAX_TITLE_CHARS = 200;

export function renderTitle(lineage: Lineage, decision: Decision, kind: 'issue' | 'observation'): string {
  const { evidence } = decision;
  const metric = metricLabel(lineage.signal.metrics);
  const shift = evidence.ratio >= 1 ? `${ratio(evidence.ratio)} baseline` : `down to ${ratio(evidence.ratio)} baseline`;
  const what = metric ? `${metric} ${shift}` : shift;
  const suffix = kind === 'observation' ? ' (observation)' : '';
  const title = `[prodloop] ${oneLine(lineage.alarmName)}: ${oneLine(what)} since ${clock(evidence.onset)}${suffix}`;
  return title.length <= MAX_TITLE_CHARS ? title : `${title.slice(0, MAX_TITLE_CHARS - 1)}…`;
}

export function issueSummary(lineage: Lineage, decision: Decision): string {
  const lines = [
    `${situation(lineage, decision)} ${attributionSentence(decision)}`,
    '',
    `prodloop files this as **${decision.priority}**, **Tier ${decision.tier}**${decision.tier === 2 ? ' (high blast radius code paths)' : ''}, with ${pct(decision.confidence)} confidence, for a coding agent to fix. It watches the signal after the fix deploy and closes this issue itself once the signal is back at baseline.`,
  ];
  return lines.join('\n');
}

export function observationSummary(lineage: Lineage, decision: Decision): string {
  const why = decision.reasons.length > 0 ? decision.reasons.map((r) => `- ${inline(r)}`) : ['- The evidence is below prodloop’s bar.'];
  return [
    `${situation(lineage, decision)} ${attributionSentence(decision)}`,
    '',
    `**This is an observation for a human to triage, not a code-ready issue.** prodloop does not hand it to a coding agent, because:`,
    '',
    ...why,
  ].join('\n');
}

export function situation(lineage: Lineage, decision: Decision): string {
  const { evidence } = decision;
  const metric = metricLabel(lineage.signal.metrics);
  const subject = metric
    ? `${code(metric)} behind alarm **${inline(lineage.alarmName)}**`
    : `The signal behind alarm **${inline(lineage.alarmName)}**`;
  const lead = metric ? subject.charAt(0).toUpperCase() + subject.slice(1) : subject;
  const tenants =
    evidence.tenantsActive > 0
      ? `, across **${evidence.tenantsAffected} of ${evidence.tenantsActive}** active tenants (${pct(evidence.breadth)})`
      : '';
  return `${lead} has been at **${ratio(evidence.ratio)}** its baseline (mean ${num(evidence.current.mean)} against ${num(evidence.baseline.mean)}) since **${utc(evidence.onset)}**, for ${minutes(evidence.durationMinutes)}${tenants}.`;
}

export function attributionSentence(decision: Decision): string {
  const top = rankedCandidates(decision.evidence.candidates)[0];
  if (!top || top.cause === 'unknown') return 'prodloop could not attribute it to a cause.';
  const deploy = top.deployId ? ` (deploy ${code(top.deployId)})` : '';
  return `Most likely cause: ${causeWords[top.cause]}${deploy}, ${pct(top.confidence)} confidence.`;
}

export const causeWords: Record<Candidate['cause'], string> = {
  'platform-deploy': 'a deploy of this service',
  'dependency-change': 'a dependency change',
  'external-dependency': 'an external dependency',
  'user-configuration': 'tenant configuration',
  unknown: 'unknown',
};

export function rankedCandidates(candidates: readonly Candidate[]): Candidate[] {
  return [...candidates].sort((a, b) => b.confidence - a.confidence);
}

export function metricLabel(metrics: readonly MetricRef[]): string | undefined {
  const named = metrics.filter((m) => m.metricName);
  const chosen = named.find((m) => m.returnData !== false) ?? named[0];
  return chosen?.metricName ? oneLine(chosen.metricName) : undefined;
}
