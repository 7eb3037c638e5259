/**
 * The issue prodloop files for a lineage: title, Markdown body, labels, and the machine-readable
 * block at the end that lets prodloop (and anyone) recognise the issue again. Pure.
 */
import * as z from 'zod';
import type { ProdloopConfig } from '#domain/config/config';
import {
  attributionCause,
  type Candidate,
  type Decision,
  decision as decisionSchema,
  type Lineage,
  type Verdict,
} from '#domain/lineage/lineage';
import { makeSanitizer } from '#domain/privacy/sanitize';
import { pct, sci, unique } from '#domain/shared/format';
import { isoDate, type MetricRef } from '#domain/signals/signals';
import type { IssueDraft } from './messages.ts';

/** Every issue prodloop files carries this label: it is how the tracker lists them to find a lineage's marker. */
export const PRODLOOP_LABEL = 'prodloop';
/** Observations carry this label instead of the hand-off labels. */
export const TRIAGE_LABEL = 'needs-triage';
/** Info string of the fenced metadata block. */
export const METADATA_FENCE = 'json prodloop-metadata';
/** Trailer a pull request or commit can carry to name the lineage it fixes. */
export const LINEAGE_TRAILER = 'Prodloop-Lineage';

/** GitHub refuses issue bodies over 65,536 characters; stay clear of it. */
const MAX_BODY_CHARS = 60_000;
const MAX_TITLE_CHARS = 200;
const MAX_LIST_ITEMS = 25;

export const issueMetadata = z.object({
  lineageId: z.string().min(1),
  /** Where the lineage's signal came from; grows with new signal kinds. */
  signalSource: z.enum(['cloudwatch-alarm']),
  alarmName: z.string().min(1),
  onset: isoDate,
  breadth: z.number().min(0).max(1),
  tenantsAffected: z.number().int().min(0),
  tenantsActive: z.number().int().min(0),
  confidence: z.number().min(0).max(1),
  attribution: attributionCause,
  tier: decisionSchema.shape.tier,
  priority: decisionSchema.shape.priority,
  kind: z.enum(['issue', 'observation']),
  generation: z.number().int().min(1),
  prodloopVersion: z.literal(1),
  /** Fraction of operations failing because of the incident, when a traffic metric is configured. */
  depth: z.number().optional(),
  /** The numbers behind the decision (decisions of signal-driven triage). */
  evidence: z
    .object({
      durationMinutes: z.number(),
      signalToNoise: z.number(),
      ratio: z.number(),
      expectedModel: z.string(),
      pAdjusted: z.number(),
      rateOfChangePerHour: z.number().optional(),
      excessEvents: z.number().optional(),
      signalPaths: z.array(z.string()).optional(),
      candidates: z.array(z.object({ cause: attributionCause, confidence: z.number(), deployId: z.string().optional() })),
    })
    .optional(),
  /** The lineage this one's problem is folded into. */
  relatedTo: z.string().optional(),
  /** The UTC day whose digest this observation went into. */
  digest: z.string().optional(),
});
export type IssueMetadata = z.infer<typeof issueMetadata>;

/** The HTML comment that marks an issue as the one filed for a lineage. */
export function lineageMarker(lineageId: string): string {
  return `<!-- prodloop:lineage=${lineageId} -->`;
}

export interface RenderIssueInput {
  readonly lineage: Lineage;
  readonly decision: Decision;
  readonly config: Pick<ProdloopConfig, 'handoff' | 'githubRepository'> & Partial<Pick<ProdloopConfig, 'privacy' | 'tenantDimension'>>;
  /** Alarms of the same problem folded into this lineage (a storm across alarms). */
  readonly related?: readonly { readonly lineageId: string; readonly alarmName: string }[];
}

/** The sanitizer every rendered text goes through: the configured pseudonym key and identifier keys. */
export function issueSanitizer(config: Partial<Pick<ProdloopConfig, 'privacy' | 'tenantDimension'>>, lineage?: Lineage) {
  return makeSanitizer({
    ...(config.privacy?.hashKey ? { hashKey: config.privacy.hashKey } : {}),
    identifierKeys: [...(config.privacy?.identifierKeys ?? []), ...(config.tenantDimension ? [config.tenantDimension] : [])],
    identifierPatterns: config.privacy?.identifierPatterns ?? [],
    knownIdentifiers: lineage?.signal.tenant ? [{ kind: 'tenant', value: lineage.signal.tenant }] : [],
  });
}

/** Renders the issue (or observation) for a lineage. Throws for an `ignore` decision: nothing is filed for it. */
export function renderIssue({ lineage, decision, config, related = [] }: RenderIssueInput): IssueDraft {
  if (decision.kind === 'ignore') {
    throw new Error(`lineage ${lineage.lineageId}: an ignore decision files no issue`);
  }
  const kind = decision.kind === 'actionable' ? 'issue' : 'observation';
  const metadata = issueMetadata.parse({
    lineageId: lineage.lineageId,
    signalSource: 'cloudwatch-alarm',
    alarmName: lineage.alarmName,
    onset: decision.evidence.onset,
    breadth: decision.evidence.breadth,
    tenantsAffected: decision.evidence.tenantsAffected,
    tenantsActive: decision.evidence.tenantsActive,
    confidence: decision.confidence,
    attribution: decision.attribution,
    tier: decision.tier,
    priority: decision.priority,
    kind,
    generation: lineage.generation,
    prodloopVersion: 1,
    ...(decision.evidence.depth ? { depth: decision.evidence.depth.excess } : {}),
    ...(decision.evidence.statistics
      ? {
          evidence: {
            durationMinutes: decision.evidence.durationMinutes,
            signalToNoise: decision.evidence.signalToNoise,
            ratio: decision.evidence.ratio,
            expectedModel: decision.evidence.statistics.model,
            pAdjusted: decision.evidence.statistics.pAdjusted,
            ...(decision.evidence.rateOfChangePerHour !== undefined ? { rateOfChangePerHour: decision.evidence.rateOfChangePerHour } : {}),
            ...(decision.evidence.excessEvents !== undefined ? { excessEvents: decision.evidence.excessEvents } : {}),
            ...(decision.evidence.signalPaths ? { signalPaths: decision.evidence.signalPaths } : {}),
            candidates: rankedCandidates(decision.evidence.candidates).map((c) => ({
              cause: c.cause,
              confidence: c.confidence,
              ...(c.deployId ? { deployId: c.deployId } : {}),
            })),
          },
        }
      : {}),
    ...(decision.relatedTo ? { relatedTo: decision.relatedTo } : {}),
    ...(decision.digest ? { digest: decision.digest } : {}),
  } satisfies IssueMetadata);

  const rankLabels = [`priority:${decision.priority}`, `tier:${decision.tier}`];
  const labels =
    kind === 'issue'
      ? unique([PRODLOOP_LABEL, ...config.handoff.labels, ...rankLabels])
      : unique([PRODLOOP_LABEL, TRIAGE_LABEL, ...rankLabels]);

  const sections = [
    kind === 'issue' ? issueSummary(lineage, decision) : observationSummary(lineage, decision),
    timelineSection(lineage, decision),
    evidenceSection(lineage, decision),
    errorsSection(decision),
    logSamplesSection(decision),
    suspectDeploysSection(decision),
    externalSection(decision),
    codePathsSection(lineage, decision),
    attributionSection(decision),
    hypothesisSection(decision),
    rankSection(decision),
    relatedSection(related),
    reasonsSection(decision),
    kind === 'issue' ? doneSection(lineage, decision) : triageSection(),
    kind === 'issue' ? codingAgentSection(lineage, decision, config.githubRepository) : '',
  ].filter((s) => s.length > 0);

  // Nothing reaches the tracker without going through the sanitizer.
  const clean = issueSanitizer(config, lineage);
  return {
    lineageId: lineage.lineageId,
    kind,
    title: clean(renderTitle(lineage, decision, kind)),
    body: clean(assembleBody(sections, metadataBlock(metadata))),
    labels,
    assignees: kind === 'issue' ? unique(config.handoff.assignees) : [],
  };
}

/** The lineage id the digest observation of a UTC day is filed under. */
export function digestLineageId(day: string): string {
  return `digest-${day}`;
}

/** The digest observation of a day: one issue collecting the observations beyond the daily cap. */
export function renderDigestIssue(day: string, config: RenderIssueInput['config']): IssueDraft {
  const clean = issueSanitizer(config);
  return {
    lineageId: digestLineageId(day),
    kind: 'observation',
    title: `[prodloop] Digest of ${oneLine(day)}: problems beyond the daily issue cap`,
    body: clean(
      [
        `prodloop reached its cap of new issues for ${oneLine(day)} (UTC). Each problem it found after that is a comment on this observation instead of an issue of its own, so a storm does not bury the tracker.`,
        '',
        '**Nothing here is handed to a coding agent.** A human decides which of these deserve an issue.',
        '',
        lineageMarker(digestLineageId(day)),
        '',
      ].join('\n'),
    ),
    labels: unique([PRODLOOP_LABEL, TRIAGE_LABEL, 'digest']),
    assignees: [],
  };
}

/** One problem in the day's digest: what, since when, how broad, the likely cause and why not an issue. No marker. */
export function renderDigestEntry(lineage: Lineage, decision: Decision, config: RenderIssueInput['config']): string {
  const clean = issueSanitizer(config, lineage);
  return clean(
    [
      `### ${inline(renderTitle(lineage, decision, decision.kind === 'actionable' ? 'issue' : 'observation'))}`,
      '',
      `${situation(lineage, decision)} ${attributionSentence(decision)}`,
      '',
      `Lineage ${code(lineage.lineageId)} · ${decision.priority} · Tier ${decision.tier} · ${decision.attribution} (${pct(decision.confidence)})`,
      '',
      ...capped(decision.reasons, (r) => `- ${inline(r)}`),
    ].join('\n'),
  );
}

/** Reads the metadata block of an issue body (the last one, if a human quoted another). */
export function parseIssueMetadata(body: string): IssueMetadata | undefined {
  const fence = /```json prodloop-metadata[ \t]*\r?\n([\s\S]*?)\r?\n```/g;
  let last: string | undefined;
  for (const match of body.matchAll(fence)) last = match[1];
  if (last === undefined) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(last);
  } catch {
    return undefined;
  }
  const result = issueMetadata.safeParse(raw);
  return result.success ? result.data : undefined;
}

/** Comment on the issue after a fix deploy was evaluated. */
export function renderVerdictComment(verdict: Verdict, iteration: number): string {
  const heading: Record<Verdict['kind'], string> = {
    recovered: 'the signal is back at baseline',
    unchanged: 'the fix did not move the signal',
    worse: 'the signal got worse after the fix deploy',
    inconclusive: 'not enough data to decide yet',
  };
  const lines = [
    `**prodloop validation, iteration ${iteration}: ${verdict.kind}** (${heading[verdict.kind]}).`,
    '',
    ...verdictNumbers(verdict),
  ];
  if (verdict.kind === 'unchanged') {
    lines.push('', 'The problem is still open: look again at the evidence above and ship another fix that references this issue.');
  } else if (verdict.kind === 'worse') {
    lines.push('', 'prodloop has stopped coding-agent work on this lineage and paged on-call.');
  }
  return lines.join('\n');
}

/** Comment prodloop posts when it closes the issue after the fix was validated. */
export function renderClosingComment(verdict: Verdict): string {
  return [
    '**prodloop validated the fix: the signal is back at baseline.** Closing this issue.',
    '',
    ...verdictNumbers(verdict),
    '',
    'If the problem returns, prodloop opens the lineage again and files a new issue.',
  ].join('\n');
}

function verdictNumbers(verdict: Verdict): string[] {
  return [
    `- Post-deploy mean: ${num(verdict.currentMean)} (baseline ${num(verdict.baselineMean)})`,
    `- Shift: ${num(verdict.signalToNoise)} baseline standard deviations, over ${verdict.points} points`,
    `- Evaluated at: ${utc(verdict.at)}`,
    `- Why: ${inline(verdict.reason)}`,
  ];
}

// ---------------------------------------------------------------------------------------------
// Title and summary

function renderTitle(lineage: Lineage, decision: Decision, kind: 'issue' | 'observation'): string {
  const { evidence } = decision;
  const metric = metricLabel(lineage.signal.metrics);
  const shift = evidence.ratio >= 1 ? `${ratio(evidence.ratio)} baseline` : `down to ${ratio(evidence.ratio)} baseline`;
  const what = metric ? `${metric} ${shift}` : shift;
  const suffix = kind === 'observation' ? ' (observation)' : '';
  const title = `[prodloop] ${oneLine(lineage.alarmName)}: ${oneLine(what)} since ${clock(evidence.onset)}${suffix}`;
  return title.length <= MAX_TITLE_CHARS ? title : `${title.slice(0, MAX_TITLE_CHARS - 1)}…`;
}

function issueSummary(lineage: Lineage, decision: Decision): string {
  const lines = [
    `${situation(lineage, decision)} ${attributionSentence(decision)}`,
    '',
    `prodloop files this as **${decision.priority}**, **Tier ${decision.tier}**${decision.tier === 2 ? ' (high blast radius code paths)' : ''}, with ${pct(decision.confidence)} confidence, for a coding agent to fix. It watches the signal after the fix deploy and closes this issue itself once the signal is back at baseline.`,
  ];
  return lines.join('\n');
}

function observationSummary(lineage: Lineage, decision: Decision): string {
  const why = decision.reasons.length > 0 ? decision.reasons.map((r) => `- ${inline(r)}`) : ['- The evidence is below prodloop’s bar.'];
  return [
    `${situation(lineage, decision)} ${attributionSentence(decision)}`,
    '',
    `**This is an observation for a human to triage, not a code-ready issue.** prodloop does not hand it to a coding agent, because:`,
    '',
    ...why,
  ].join('\n');
}

function situation(lineage: Lineage, decision: Decision): string {
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

function attributionSentence(decision: Decision): string {
  const top = rankedCandidates(decision.evidence.candidates)[0];
  if (!top || top.cause === 'unknown') return 'prodloop could not attribute it to a cause.';
  const deploy = top.deployId ? ` (deploy ${code(top.deployId)})` : '';
  return `Most likely cause: ${causeWords[top.cause]}${deploy}, ${pct(top.confidence)} confidence.`;
}

const causeWords: Record<Candidate['cause'], string> = {
  'platform-deploy': 'a deploy of this service',
  'dependency-change': 'a dependency change',
  'external-dependency': 'an external dependency',
  'user-configuration': 'tenant configuration',
  unknown: 'unknown',
};

// ---------------------------------------------------------------------------------------------
// Sections

function timelineSection(lineage: Lineage, decision: Decision): string {
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

function evidenceSection(lineage: Lineage, decision: Decision): string {
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

function suspectDeploysSection(decision: Decision): string {
  const deploys = decision.evidence.suspectDeploys;
  if (deploys.length === 0) return '## Suspect deploys\n\nNone in the lookback window before the onset.';
  const lines = ['## Suspect deploys', ''];
  for (const d of deploys.slice(0, MAX_LIST_ITEMS)) {
    const commit = d.commitSha ? `, commit ${code(d.commitSha)}` : '';
    const previous = d.previousSha ? ` (previous ${code(d.previousSha)})` : '';
    lines.push(`- ${code(d.deployId)}: ${code(d.service)} ${d.status} at ${utc(d.at)}${commit}${previous}`);
    if (d.prNumbers.length > 0) lines.push(`  - Pull requests: ${d.prNumbers.map((n) => `#${n}`).join(', ')}`);
    if (d.changedPaths.length > 0) lines.push(`  - Changed paths: ${capped(d.changedPaths, code).join(', ')}`);
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

function codePathsSection(lineage: Lineage, decision: Decision): string {
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

function errorsSection(decision: Decision): string {
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

function logSamplesSection(decision: Decision): string {
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

function externalSection(decision: Decision): string {
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

function hypothesisSection(decision: Decision): string {
  const h = decision.evidence.hypothesis;
  return h ? ['## Root-cause hypothesis', '', inline(h)].join('\n') : '';
}

function rankSection(decision: Decision): string {
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

function relatedSection(related: readonly { lineageId: string; alarmName: string }[]): string {
  if (related.length === 0) return '';
  return [
    '## Alarms folded into this problem',
    '',
    'These alarms fired for the same problem; prodloop files no issue of their own:',
    '',
    ...capped(related, (r) => `- ${code(r.alarmName)} (lineage ${code(r.lineageId)})`),
  ].join('\n');
}

function attributionSection(decision: Decision): string {
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

function reasonsSection(decision: Decision): string {
  const reasons = decision.reasons.length > 0 ? capped(decision.reasons, (r) => `- ${inline(r)}`) : ['- (no reasons recorded)'];
  return ['## Why prodloop decided this', '', ...reasons].join('\n');
}

function doneSection(lineage: Lineage, decision: Decision): string {
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

function triageSection(): string {
  return [
    '## What a human should do',
    '',
    '- Decide whether this is a real problem. prodloop does not validate fixes for observations and does not close them.',
    '- If the alarm fires again with stronger evidence, prodloop evaluates it again and may file a code-ready issue.',
  ].join('\n');
}

function codingAgentSection(lineage: Lineage, decision: Decision, repository: string): string {
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

function metadataBlock(metadata: IssueMetadata): string {
  // Escaped so that text from outside (the alarm name) cannot open an HTML comment or close the fence.
  const json = JSON.stringify(metadata, null, 2).replace(/[<>`]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return [lineageMarker(metadata.lineageId), `\`\`\`${METADATA_FENCE}`, json, '```'].join('\n');
}

/** Joins the sections and the metadata block, dropping trailing sections if the body grows past GitHub's limit. */
function assembleBody(sections: string[], metadata: string): string {
  const kept = [...sections];
  const note = '_Some sections were left out to stay within GitHub’s size limit._';
  let body = [...kept, metadata].join('\n\n');
  while (body.length > MAX_BODY_CHARS && kept.length > 1) {
    kept.pop();
    body = [...kept, note, metadata].join('\n\n');
  }
  if (body.length > MAX_BODY_CHARS) {
    const room = MAX_BODY_CHARS - metadata.length - note.length - 10;
    body = [truncate(kept[0] ?? '', Math.max(room, 0)), note, metadata].join('\n\n');
  }
  return `${body}\n`;
}

// ---------------------------------------------------------------------------------------------
// Formatting

function rankedCandidates(candidates: readonly Candidate[]): Candidate[] {
  return [...candidates].sort((a, b) => b.confidence - a.confidence);
}

function metricLabel(metrics: readonly MetricRef[]): string | undefined {
  const named = metrics.filter((m) => m.metricName);
  const chosen = named.find((m) => m.returnData !== false) ?? named[0];
  return chosen?.metricName ? oneLine(chosen.metricName) : undefined;
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
function clock(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? oneLine(iso) : `${new Date(ms).toISOString().slice(11, 16)} UTC`;
}

function minutes(value: number): string {
  const rounded = Math.round(value);
  if (rounded < 120) return `${rounded} min`;
  const h = Math.floor(rounded / 60);
  const m = rounded % 60;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

function shortSha(sha: string): string {
  return /^[0-9a-f]{40}$/i.test(sha) ? sha.slice(0, 12) : sha;
}

function capped<T>(items: readonly T[], render: (item: T) => string): string[] {
  const shown = items.slice(0, MAX_LIST_ITEMS).map(render);
  if (items.length > MAX_LIST_ITEMS) shown.push(`… and ${items.length - MAX_LIST_ITEMS} more`);
  return shown;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(max - 1, 0))}…`;
}

/**
 * Text from outside (alarm names, reasons, paths) on one line, with HTML comment delimiters broken up
 * so that nothing but prodloop's own marker can look like a marker.
 */
function oneLine(text: string): string {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this removes
      .replace(/[\u0000-\u001f\u007f]+/g, ' ')
      .replaceAll('<!--', '<!-\u200b-')
      .replaceAll('-->', '-\u200b->')
      .trim()
  );
}

/** Outside text inside Markdown prose: one line, no raw HTML. */
function inline(text: string): string {
  return oneLine(text).replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** Outside text in a table cell. */
function cell(text: string): string {
  return inline(text).replaceAll('|', '\\|');
}

/** Outside text as a Markdown code span, with a fence longer than any backtick run inside. */
function code(text: string): string {
  const clean = oneLine(text);
  const longest = Math.max(0, ...[...clean.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = clean.startsWith('`') || clean.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${clean}${pad}${fence}`;
}
