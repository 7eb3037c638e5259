/**
 * The issue prodloop files for a lineage: title, Markdown body, labels, and the machine-readable
 * block at the end that lets prodloop (and anyone) recognise the issue again. Pure.
 */
import * as z from 'zod';
import type { ProdloopConfig } from './config.ts';
import { attributionCause, type Candidate, type Decision, decision as decisionSchema, type Lineage, type Verdict } from './lineage.ts';
import type { IssueDraft } from './ports.ts';
import { isoDate, type MetricRef } from './signals.ts';

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
});
export type IssueMetadata = z.infer<typeof issueMetadata>;

/** The HTML comment that marks an issue as the one filed for a lineage. */
export function lineageMarker(lineageId: string): string {
  return `<!-- prodloop:lineage=${lineageId} -->`;
}

export interface RenderIssueInput {
  readonly lineage: Lineage;
  readonly decision: Decision;
  readonly config: Pick<ProdloopConfig, 'handoff' | 'githubRepository'>;
}

/** Renders the issue (or observation) for a lineage. Throws for an `ignore` decision: nothing is filed for it. */
export function renderIssue({ lineage, decision, config }: RenderIssueInput): IssueDraft {
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
    suspectDeploysSection(decision),
    codePathsSection(lineage, decision),
    attributionSection(decision),
    reasonsSection(decision),
    kind === 'issue' ? doneSection(lineage, decision) : triageSection(),
    kind === 'issue' ? codingAgentSection(lineage, decision, config.githubRepository) : '',
  ].filter((s) => s.length > 0);

  return {
    lineageId: lineage.lineageId,
    kind,
    title: renderTitle(lineage, decision, kind),
    body: assembleBody(sections, metadataBlock(metadata)),
    labels,
    assignees: kind === 'issue' ? unique(config.handoff.assignees) : [],
  };
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

/** A fraction 0..1 as a percentage. */
export function pct(fraction: number): string {
  const value = fraction * 100;
  return `${value >= 10 || Number.isInteger(value) ? Math.round(value) : Number(value.toFixed(1))}%`;
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

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
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
