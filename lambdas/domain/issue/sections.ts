/**
 * The sections of a lineage's issue body. After the summary, the issue shows them in this order:
 * timeline, evidence and its statistics, error distribution and log samples, suspect deploys, what
 * happened outside the service, code paths, attribution, hypothesis, priority and tier, related alarms,
 * reasons, and what done looks like (or what a human should do) with the coding agent's instructions.
 * Each returns Markdown, or '' when it has nothing to show. Pure.
 */
import type { Decision, Lineage } from '#domain/lineage/lineage';
import { pct, sci } from '#domain/shared/format';
import type { MetricRef } from '#domain/signals/signals';
import { capped, cell, code, inline, MAX_LIST_ITEMS, oneLine, truncate } from './markdown.ts';
import { LINEAGE_TRAILER } from './metadata.ts';
import { causeWords, metricLabel, rankedCandidates } from './summary.ts';
import { minutes, num, ratio, shortSha, utc } from './words.ts';

export function timelineSection(lineage: Lineage, decision: Decision): string {
  const { evidence } = decision;
  const events: { at: string; what: string }[] = [
    { at: evidence.baseline.from, what: `Baseline window starts (${evidence.baseline.points} points, until ${utc(evidence.baseline.to)})` },
    ...evidence.suspectDeploys.map((d) => ({
      at: d.at,
      what: `Deploy ${code(d.deployId)} of ${code(d.service)} ${d.status}${d.commitSha ? ` at commit ${code(shortSha(d.commitSha))}` : ''}`,
    })),
    { at: evidence.onset, what: '**Onset** of the shift' },
    { at: lineage.signal.at, what: `Alarm ${code(lineage.alarmName)} went to ${lineage.signal.state}` },
    { at: evidence.current.from, what: `Current window starts (${evidence.current.points} points, until ${utc(evidence.current.to)})` },
    ...(evidence.healthEvents ?? []).map((h) => ({ at: h.at, what: `AWS Health event ${code(h.eventTypeCode)} for ${code(h.service)}` })),
    ...(evidence.statistics && !evidence.statistics.stillShifted
      ? [{ at: evidence.statistics.lastShiftedAt, what: 'Last point still shifted: the signal is back at its expected level after it' }]
      : []),
  ];
  events.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return [
    '## Timeline',
    '',
    '| When (UTC) | What |',
    '| --- | --- |',
    ...events.map((e) => `| ${utc(e.at, false)} | ${e.what.replaceAll('|', '\\|')} |`),
  ].join('\n');
}

export function evidenceSection(lineage: Lineage, decision: Decision): string {
  const { evidence } = decision;
  const lines = [
    '## Evidence',
    '',
    `- Baseline: mean ${num(evidence.baseline.mean)} ± ${num(evidence.baseline.stddev)} (sd), ${evidence.baseline.points} points, ${utc(evidence.baseline.from)} – ${utc(evidence.baseline.to)}`,
    `- Current: mean ${num(evidence.current.mean)} ± ${num(evidence.current.stddev)} (sd), ${evidence.current.points} points, ${utc(evidence.current.from)} – ${utc(evidence.current.to)}`,
    `- Signal-to-noise: ${num(evidence.signalToNoise)} baseline standard deviations`,
    `- Ratio: ${ratio(evidence.ratio)} the baseline mean`,
    evidence.tenantsActive > 0
      ? `- Breadth: ${evidence.tenantsAffected} of ${evidence.tenantsActive} active tenants (${pct(evidence.breadth)})`
      : '- Breadth: no per-tenant data',
    `- Duration: ${minutes(evidence.durationMinutes)} since onset`,
    ...statisticsLines(decision),
    `- Alarm: ${code(lineage.alarmName)} (${lineage.signal.variant}), state ${lineage.signal.state}${lineage.signal.previousState ? ` from ${lineage.signal.previousState}` : ''}`,
  ];
  const metrics = lineage.signal.metrics.map(describeMetric).filter((m) => m.length > 0);
  if (metrics.length > 0) lines.push(...capped(metrics, (m) => `  - Metric: ${m}`));
  if (lineage.signal.childAlarms.length > 0) {
    lines.push(`  - Child alarms: ${capped(lineage.signal.childAlarms, code).join(', ')}`);
  }
  if (lineage.signal.reason.trim().length > 0) {
    lines.push(`- CloudWatch reason: ${inline(truncate(lineage.signal.reason, 500))}`);
  }
  return lines.join('\n');
}

function statisticsLines(decision: Decision): string[] {
  const e = decision.evidence;
  const lines: string[] = [];
  const s = e.statistics;
  if (s) {
    const model: Record<string, string> = {
      flat: 'the level before the onset',
      trend: `the level before the onset with its trend (${num(s.trendPerHour * 100)}% per hour) carried forward`,
      seasonal: `the same hours of ${s.seasonalWeeks} previous week(s), scaled to this week's level`,
      'seasonal+trend': `the same hours of ${s.seasonalWeeks} previous week(s), scaled, plus the trend before the onset (${num(s.trendPerHour * 100)}% per hour)`,
    };
    lines.push(`- Expected level: ${num(s.expectedMean)} from ${model[s.model] ?? s.model}; residual noise ${num(s.noise)} per point`);
    lines.push(
      `- Onset: change point of a trend-plus-step fit, not the alarm's time; shift test z = ${num(s.z)}, p ${sci(s.pValue)}, adjusted p ${sci(s.pAdjusted)} (Bonferroni over ${s.onsetsTried} candidate onsets; α = ${s.alpha}; lag-1 autocorrelation ${num(s.autocorrelation)})`,
    );
    lines.push(`- Now: ${s.stillShifted ? 'still shifted' : `back at the expected level since ${utc(s.lastShiftedAt)}`}`);
  }
  if (e.rateOfChangePerHour !== undefined)
    lines.push(`- Rate of change since the onset: ${num(e.rateOfChangePerHour * 100)}% of the expected level per hour`);
  if (e.excessEvents !== undefined) lines.push(`- Events beyond the expected count since the onset: ${Math.round(e.excessEvents)}`);
  if (e.depth)
    lines.push(
      `- Depth: ${pct(e.depth.failing)} of ${Math.round(e.depth.operations)} operations failing since the onset, ${pct(Math.max(0, e.depth.excess))} beyond the usual failures`,
    );
  if (e.tenants && e.tenants.source !== 'none') {
    const how = e.tenants.source === 'per-tenant' ? 'each tenant tested at the onset' : 'the metric source’s count';
    lines.push(
      `- Breadth measured by ${how}${
        e.tenants.top.length
          ? `; most affected (pseudonyms): ${e.tenants.top
              .slice(0, 5)
              .map((t) => code(t.tenant))
              .join(', ')}`
          : ''
      }`,
    );
  }
  if (e.resolvedFrom)
    lines.push(`- Composite alarm ${code(e.resolvedFrom.compositeAlarm)}, measured through its child ${code(e.resolvedFrom.childAlarm)}`);
  return lines;
}

export function suspectDeploysSection(decision: Decision): string {
  const deploys = decision.evidence.suspectDeploys;
  if (deploys.length === 0) return '## Suspect deploys\n\nNone in the lookback window before the onset.';
  const lines = ['## Suspect deploys', ''];
  for (const d of deploys.slice(0, MAX_LIST_ITEMS)) {
    const commit = d.commitSha ? `, commit ${code(d.commitSha)}` : '';
    const previous = d.previousSha ? ` (previous ${code(d.previousSha)})` : '';
    lines.push(`- ${code(d.deployId)}: ${code(d.service)} ${d.status} at ${utc(d.at)}${commit}${previous}`);
    if (d.prNumbers.length > 0) lines.push(`  - Pull requests: ${d.prNumbers.map((n) => `#${n}`).join(', ')}`);
    if (d.changedPaths.length > 0)
      lines.push(
        `  - Changed paths: ${capped(d.changedPaths, code).join(', ')}${d.changedPathsOmitted ? ` (and ${d.changedPathsOmitted} more the decision left out)` : ''}`,
      );
    if (d.dependencyChanges.length > 0) {
      const changes = capped(
        d.dependencyChanges,
        (c) => `${code(c.name)} ${oneLine(c.from ?? '(none)')} → ${oneLine(c.to ?? '(removed)')}`,
      );
      lines.push(`  - Dependency changes: ${changes.join(', ')}`);
    }
    if (d.cohort) lines.push(`  - Cohort: ${code(d.cohort)}`);
  }
  if (deploys.length > MAX_LIST_ITEMS) lines.push(`- … and ${deploys.length - MAX_LIST_ITEMS} more`);
  return lines.join('\n');
}

export function codePathsSection(lineage: Lineage, decision: Decision): string {
  const lines = ['## Code paths', ''];
  if (lineage.codePaths.length === 0) {
    lines.push(`No code paths are configured for ${lineage.service ? `service ${code(lineage.service)}` : 'this alarm'}.`);
  } else {
    if (lineage.service) lines.push(`Service ${code(lineage.service)} is built from:`, '');
    lines.push(...capped(lineage.codePaths, (p) => `- ${code(p)}`));
  }
  const signalPaths = decision.evidence.signalPaths ?? [];
  if (signalPaths.length > 0) {
    lines.push('', 'The logged error codes point at:', '', ...capped(signalPaths, (p) => `- ${code(p)}`));
  }
  const quarantined = decision.evidence.quarantinedPaths;
  if (quarantined.length > 0) {
    lines.push(
      '',
      'Quarantined: prodloop has locked these paths against coding-agent work until a human lifts the lock:',
      '',
      ...capped(quarantined, (p) => `- ${code(p)}`),
    );
  }
  return lines.join('\n');
}

export function errorsSection(decision: Decision): string {
  const logs = decision.evidence.logs;
  if (!logs) return '';
  const lines = ['## Error distribution', ''];
  if (logs.error) lines.push(`The log query failed: ${inline(logs.error)}`, '');
  const origins = Object.entries(logs.origins).sort((a, b) => b[1] - a[1]);
  if (origins.length > 0) {
    lines.push(
      `Log samples by where they point: ${origins.map(([o, n]) => `${o} ${n}`).join(', ')} (dominant: **${logs.dominant}**; ${logs.consistentWithPlatform ? 'consistent with a platform origin' : 'pointing outside the platform'}).`,
      '',
    );
  }
  if (logs.codes.length === 0) lines.push('No error codes found in the samples.');
  else {
    lines.push('| Error code | Samples | Origin | Code paths |', '| --- | ---: | --- | --- |');
    lines.push(
      ...capped(
        logs.codes,
        (c) =>
          `| ${code(c.code).replaceAll('|', '\\|')} | ${c.count} | ${c.origin}${c.registered ? '' : ' (guessed)'} | ${c.codePaths.length ? c.codePaths.map((p) => code(p).replaceAll('|', '\\|')).join(', ') : '–'} |`,
      ),
    );
  }
  return lines.join('\n');
}

export function logSamplesSection(decision: Decision): string {
  const logs = decision.evidence.logs;
  if (!logs || logs.samples.length === 0) return '';
  const text = logs.samples.map((s) => `${s.at.slice(11, 19)} ${oneLine(s.message)}`).join('\n');
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return [
    '## Log samples (sanitized)',
    '',
    `Newest first, from ${logs.logGroups.map((g) => code(g)).join(', ')}, query ${code(logs.query)}:`,
    '',
    `${fence}text`,
    text,
    fence,
  ].join('\n');
}

export function externalSection(decision: Decision): string {
  const health = decision.evidence.healthEvents;
  const others = decision.evidence.otherAlarms;
  if (health === undefined && others === undefined) return '';
  const lines = ['## Outside this service', ''];
  if (health !== undefined) {
    if (health.length === 0) lines.push('- AWS Health: no event for the AWS services this service depends on.');
    for (const h of health.slice(0, MAX_LIST_ITEMS))
      lines.push(
        `- AWS Health: ${code(h.service)} ${code(h.eventTypeCode)}${h.status ? ` (${inline(h.status)})` : ''} since ${utc(h.at)}${h.region ? ` in ${inline(h.region)}` : ''}`,
      );
  }
  if (others !== undefined) {
    if (others.length === 0) lines.push('- No alarm of another service was in ALARM around the onset.');
    else {
      lines.push(`- ${others.length} alarm(s) of other services in ALARM around the onset:`);
      lines.push(
        ...capped(
          others,
          (a) => `  - ${code(a.alarmName)}${a.service ? ` (service ${code(a.service)})` : ''}${a.since ? ` since ${utc(a.since)}` : ''}`,
        ),
      );
    }
  }
  return lines.join('\n');
}

export function hypothesisSection(decision: Decision): string {
  const h = decision.evidence.hypothesis;
  return h ? ['## Root-cause hypothesis', '', inline(h)].join('\n') : '';
}

export function rankSection(decision: Decision): string {
  const rank = decision.rank;
  if (!rank) return '';
  const lines = ['## Priority and tier', '', `- ${inline(rank.priority)}`, `- ${inline(rank.tier)}`];
  const r = decision.reevaluation;
  if (r) {
    lines.push(
      `- Re-evaluated ${utc(r.at)} after a fix deploy (${r.verdict}): mean ${num(r.currentMean)}, ${ratio(r.ratio)} the expected level; priority ${r.previousPriority === decision.priority ? `stays ${decision.priority}` : `${r.previousPriority} → ${decision.priority}`}`,
    );
  }
  return lines.join('\n');
}

export function relatedSection(related: readonly { lineageId: string; alarmName: string }[]): string {
  if (related.length === 0) return '';
  return [
    '## Alarms folded into this problem',
    '',
    'These alarms fired for the same problem; prodloop files no issue of their own:',
    '',
    ...capped(related, (r) => `- ${code(r.alarmName)} (lineage ${code(r.lineageId)})`),
  ].join('\n');
}

export function attributionSection(decision: Decision): string {
  const candidates = rankedCandidates(decision.evidence.candidates);
  const lines = ['## Attribution', '', `Decision: **${causeWords[decision.attribution]}**, ${pct(decision.confidence)} confidence.`];
  if (candidates.length > 0) {
    lines.push('', '| Candidate cause | Confidence | Deploy | Why |', '| --- | --- | --- | --- |');
    lines.push(
      ...capped(
        candidates,
        (c) => `| ${c.cause} | ${pct(c.confidence)} | ${c.deployId ? code(c.deployId).replaceAll('|', '\\|') : '–'} | ${cell(c.why)} |`,
      ),
    );
  }
  return lines.join('\n');
}

export function reasonsSection(decision: Decision): string {
  const reasons = decision.reasons.length > 0 ? capped(decision.reasons, (r) => `- ${inline(r)}`) : ['- (no reasons recorded)'];
  return ['## Why prodloop decided this', '', ...reasons].join('\n');
}

export function doneSection(lineage: Lineage, decision: Decision): string {
  const { evidence } = decision;
  const metric = metricLabel(lineage.signal.metrics);
  const where = lineage.service ? ` to ${code(lineage.service)}` : '';
  return [
    '## What done looks like',
    '',
    `- A fix is merged and deployed${where}.`,
    `- After that deploy, ${metric ? code(metric) : 'the signal'} is back at its baseline: mean near ${num(evidence.baseline.mean)}, within the usual noise (± ${num(evidence.baseline.stddev)}), for several consecutive evaluations${evidence.tenantsActive > 0 ? ', across the affected tenants' : ''}.`,
    '- prodloop validates this against production itself and closes this issue. Do not close it by hand; if the fix does not move the signal, prodloop comments here with the numbers.',
  ].join('\n');
}

export function triageSection(): string {
  return [
    '## What a human should do',
    '',
    '- Decide whether this is a real problem. prodloop does not validate fixes for observations and does not close them.',
    '- If the alarm fires again with stronger evidence, prodloop evaluates it again and may file a code-ready issue.',
  ].join('\n');
}

export function codingAgentSection(lineage: Lineage, decision: Decision, repository: string): string {
  const lines = [
    '## For the coding agent',
    '',
    `- Fix the cause in ${code(repository)}, within the code paths above. Keep the change small: one problem, one fix.`,
    `- Link your pull request to this issue: put \`Fixes #<this issue's number>\` in its description, or add the trailer \`${LINEAGE_TRAILER}: ${oneLine(lineage.lineageId)}\` to the pull request or a commit message. prodloop recognises the fix deploy by it.`,
  ];
  const sha = /^[0-9a-f]{7,40}$/i;
  const diffable = decision.evidence.suspectDeploys.filter((d) => sha.test(d.commitSha ?? '') && sha.test(d.previousSha ?? ''));
  for (const d of diffable.slice(0, 3)) {
    lines.push(`- To see what deploy ${code(d.deployId)} changed: \`git diff ${d.previousSha}..${d.commitSha}\``);
  }
  if (decision.evidence.suspectDeploys.length > 0) {
    lines.push('- Reverting a suspect change is an acceptable fix when the cause is not clear.');
  }
  if (decision.evidence.quarantinedPaths.length > 0) lines.push('- Do not change the quarantined paths.');
  lines.push('- Leave the metadata block at the end of this issue as it is: prodloop reads it.');
  return lines.join('\n');
}

function describeMetric(m: MetricRef): string {
  if (m.expression) return `${m.id ? `${code(m.id)} = ` : ''}${code(m.expression)}`;
  if (!m.metricName) return '';
  const dims = Object.entries(m.dimensions).map(([k, v]) => `${k}=${v}`);
  const parts = [
    m.namespace ? `${m.namespace}/${m.metricName}` : m.metricName,
    m.stat,
    m.periodSeconds ? `${m.periodSeconds}s` : undefined,
  ];
  return `${code(parts.filter(Boolean).join(' '))}${dims.length > 0 ? ` (${code(dims.join(', '))})` : ''}`;
}
