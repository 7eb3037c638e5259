/**
 * The deploy watch, pure: every deploy touching watched code paths is judged against the
 * trend-adjusted level before it (or, for a canary or cohort deploy, new cohort against the baseline
 * cohort) by validation's anytime-valid "worse" test, in the direction that is worse for each signal,
 * and a significant worsening pulls the andon cord. Also the texts the andon cord writes: the revert
 * pull request's body and the page.
 *
 * It stays one file at just over 400 lines: the andon cord's texts are written from the judgements made
 * here (`SignalJudgement`) and share their words (`what`, `fmtRatio`) with them.
 */
import * as z from 'zod';
import { type CodePathRule, codePathsFor, type ProdloopConfig } from '#domain/config/config';
import { MAX_MESSAGE_BYTES, toSnsSubject } from '#domain/issue/escalation';
import type { EscalationMessage } from '#domain/issue/messages';
import { type Lineage, measuredSignal, type QuarantineLock } from '#domain/lineage/lineage';
import { round3 } from '#domain/shared/format';
import { matchesAnyPath } from '#domain/shared/glob';
import { fnv1a } from '#domain/shared/hash';
import type { RevertResult, ShippedPullRequest } from '#domain/signals/code-changes';
import type { Point } from '#domain/signals/series';
import { type DeploySignal, type MetricRef, metricRef } from '#domain/signals/signals';
import { trafficRef } from '#domain/triage/config';
import type { SignalKind } from './baseline.ts';
import { compareCohorts, MIN_LEVEL_MINUTES } from './cohort.ts';
import { eValueOf, formatEValue } from './sequential.ts';
import { signalRule, signalRules, worseWhen, worseWhenOf } from './signal-rule.ts';
import { ALPHA, regression, worseComponents } from './validate.ts';

/**
 * Besides the reference that predicts best, every before/after judgement is also made against this
 * many minutes just before the deploy, and the smaller e-value counts: a deploy during an incident
 * (or just after another change) is judged against the level it found, not the one before it.
 */
export const RECENT_MINUTES = 60;

export const watchedSignal = z.object({
  /** How the page names it: the alarm name, or namespace/metric and dimensions. */
  label: z.string(),
  metrics: z.array(metricRef).min(1),
  /** The lineage whose alarm this is, when it is one. */
  lineageId: z.string().optional(),
  /** Which way is worse: an alarm's comparison operator, or a code path metric's `worseWhen` (default higher). */
  worseWhen: worseWhen.default('higher'),
  /** How it is read (rate over traffic, count, level): validation's rules, and the code path's traffic metric. */
  rules: z.array(signalRule).default([]),
});
export type WatchedSignal = z.infer<typeof watchedSignal>;
export type WatchedSignalInput = z.input<typeof watchedSignal>;

/**
 * One signal judged at one look. Judgements travel in the execution state to the andon, revert and
 * page steps, so the schema also accepts those of executions started before the mixture test
 * (`z` in standard errors, no e-value), and validation verdicts (`z` in standard deviations).
 */
export const signalJudgement = z.object({
  label: z.string(),
  lineageId: z.string().optional(),
  method: z.enum(['before-after', 'cohort']),
  worse: z.boolean(),
  /** The trend-adjusted level before the deploy (or the baseline cohort's) and the level since (or the new cohort's), on the scale judged: events per request for a rate. */
  baselineMean: z.number(),
  currentMean: z.number(),
  /** After ÷ before (or new ÷ baseline cohort), trend-adjusted. */
  ratio: z.number().optional(),
  /** The e-value for "worse", and the threshold it is compared with (1/α: 100). */
  eValue: z.number().min(0).optional(),
  threshold: z.number().optional(),
  /** How the signal was read. */
  kind: z.enum(['rate', 'count', 'level']).optional(),
  worseWhen: worseWhen.optional(),
  /** Older judgements: the shift in standard errors of the mean (the z-test) or standard deviations from the baseline (a validation verdict). */
  z: z.number().optional(),
  zUnit: z.enum(['se', 'sd']).optional(),
  baselinePoints: z.number().int().min(0),
  points: z.number().int().min(0),
  reason: z.string(),
});
export type SignalJudgement = z.infer<typeof signalJudgement>;

/** What one look read of a signal, before and since the deploy. */
export interface BeforeAfterReading {
  readonly kind: SignalKind;
  readonly history: readonly Point[];
  readonly post: readonly Point[];
  readonly traffic?: { readonly history?: readonly Point[]; readonly post?: readonly Point[] };
  /** The deploy and how long the watch lasts: "worse" is also tested since every later hour (late-start.ts). */
  readonly lateStarts?: { readonly deployAt: number; readonly horizonMinutes: number };
}

/** What one look read of each cohort since the deploy. */
export interface CohortReading {
  readonly name: string;
  readonly points: readonly Point[];
  readonly traffic?: readonly Point[];
}

/** Code path rules a deploy touches: by changed files when it names any, else by its service. */
export function rulesTouched(config: Pick<ProdloopConfig, 'codePaths'>, deploy: DeploySignal, files: readonly string[]): CodePathRule[] {
  const changed = [...new Set([...deploy.changedPaths, ...files])];
  if (changed.length > 0) return config.codePaths.filter((r) => matchesAnyPath(r.paths, changed));
  return config.codePaths.filter((r) => r.service === deploy.service);
}

/** The signals to watch: the rules' own metrics and the alarms of the services' lineages, minus those a loop already validates. */
export function signalsToWatch(input: {
  config: Pick<ProdloopConfig, 'codePaths' | 'validation'>;
  rules: readonly CodePathRule[];
  lineages: readonly Lineage[];
  /** Lineages this deploy resumed: their own validation watches their alarm. */
  excludeLineages: readonly string[];
}): WatchedSignal[] {
  const services = new Set(input.rules.map((r) => r.service));
  const excluded = new Set<string>();
  const signals: WatchedSignal[] = [];
  for (const l of input.lineages) {
    if (!input.excludeLineages.includes(l.lineageId)) continue;
    excluded.add(metricKey(measuredSignal(l).metrics));
  }
  const seen = new Set<string>(excluded);
  const add = (s: WatchedSignal) => {
    const key = metricKey(s.metrics);
    if (s.metrics.length === 0 || seen.has(key)) return;
    seen.add(key);
    signals.push(s);
  };
  // A code path's own metrics: validation's rules first, then its traffic metric (a Sum or SampleCount is an error rate over it).
  for (const rule of input.rules) {
    const traffic = rule.trafficMetric ? [{ alarmNamePrefixes: [], namespaces: [], traffic: trafficRef(rule.trafficMetric) }] : [];
    for (const { worseWhen: direction, ...m } of rule.metrics)
      add({
        label: metricLabel(m),
        metrics: [m],
        worseWhen: direction ?? 'higher',
        rules: [...input.config.validation.signals, ...traffic],
      });
  }
  const alarmRules = signalRules(input.config);
  for (const l of input.lineages) {
    // A composite alarm is watched through the child triage measured it by.
    const measured = measuredSignal(l);
    if (input.excludeLineages.includes(l.lineageId) || measured.metrics.length === 0) continue;
    const rule = codePathsFor(input.config as ProdloopConfig, {
      alarmName: l.alarmName,
      namespaces: measured.metrics.flatMap((m) => (m.namespace ? [m.namespace] : [])),
    });
    const service = l.service ?? rule?.service;
    if (service === undefined || !services.has(service)) continue;
    add({
      label: measured.alarmName === l.alarmName ? l.alarmName : `${l.alarmName} (through ${measured.alarmName})`,
      metrics: measured.metrics,
      lineageId: l.lineageId,
      worseWhen: worseWhenOf(measured.comparisonOperator),
      rules: alarmRules,
    });
  }
  return signals;
}

/**
 * Before/after: everything since the deploy against the trend-adjusted level before it (days of
 * history: trend and daily cycle), by validation's "worse" test (`regression`): a mixture e-value at
 * α = 1 %, valid at any number of looks.
 */
export function judgeBeforeAfter(signal: WatchedSignal, reading: BeforeAfterReading): SignalJudgement {
  const r = regression({ ...reading, worseWhen: signal.worseWhen, recentMinutes: RECENT_MINUTES });
  return {
    ...identity(signal, 'before-after', reading.kind),
    worse: r.worse,
    baselineMean: finite(r.baselineMean),
    currentMean: finite(r.currentMean),
    ...(Number.isFinite(r.ratio) ? { ratio: round3(r.ratio) } : {}),
    eValue: r.eValue,
    threshold: 1 / ALPHA.worse,
    baselinePoints: r.historyPoints,
    points: r.points,
    reason: `${what(reading.kind)} is ${r.reason}${r.worse ? ` (false-andon bound ${ALPHA.worse * 100}% at any look)` : ''}`,
  };
}

/**
 * Cohorts: the new cohort against the baseline cohort over the same minutes (compareCohorts): the
 * same alternatives, α and guarantee as before/after, with whatever moves both cohorts (traffic,
 * the daily cycle) cancelling out.
 */
export function judgeCohorts(signal: WatchedSignal, kind: SignalKind, cohort: CohortReading, baseline: CohortReading): SignalJudgement {
  const c = compareCohorts({
    kind,
    fresh: cohort.points,
    baseline: baseline.points,
    ...(cohort.traffic ? { freshTraffic: cohort.traffic } : {}),
    ...(baseline.traffic ? { baselineTraffic: baseline.traffic } : {}),
    components: worseComponents(signal.worseWhen),
    alpha: ALPHA.worse,
  });
  const eValue = eValueOf(c.logE);
  const threshold = 1 / ALPHA.worse;
  const few = kind === 'level' && c.minutes < MIN_LEVEL_MINUTES ? `; ${MIN_LEVEL_MINUTES} paired minutes needed for a level` : '';
  return {
    ...identity(signal, 'cohort', kind),
    worse: c.worse,
    baselineMean: finite(c.baselineMean),
    currentMean: finite(c.currentMean),
    ...(Number.isFinite(c.ratio) ? { ratio: round3(c.ratio) } : {}),
    eValue,
    threshold,
    baselinePoints: baseline.points.length,
    points: cohort.points.length,
    reason: `${what(kind)} of cohort ${cohort.name} is ${fmtRatio(c.ratio)} that of ${baseline.name} over ${c.minutes} minute(s) of both${signal.worseWhen === 'lower' ? ' (lower is worse)' : ''}; e-value ${formatEValue(eValue)}${c.worse ? ' ≥ ' : ' < '}${threshold}${c.worse ? ` (false-andon bound ${ALPHA.worse * 100}% at any look)` : ''}${few}`,
  };
}

function identity(signal: WatchedSignal, method: SignalJudgement['method'], kind: SignalKind) {
  return {
    label: signal.label,
    ...(signal.lineageId ? { lineageId: signal.lineageId } : {}),
    method,
    kind,
    worseWhen: signal.worseWhen,
  };
}

function what(kind: SignalKind): string {
  return kind === 'rate' ? 'the error rate (events per request)' : kind === 'count' ? 'the event count' : 'the level';
}

/** The metric with the cohort dimension set, for a cohort comparison. */
export function withCohort(metrics: readonly MetricRef[], dimension: string, cohort: string): MetricRef[] {
  return metrics.map((m) => (m.expression ? m : { ...m, dimensions: { ...m.dimensions, [dimension]: cohort } }));
}

export type WatchOutcome = 'worse' | 'clear' | 'pending' | 'nothing-to-watch';

/** The watch's verdict after `evaluations` looks (this one included). */
export function watchOutcome(judgements: readonly SignalJudgement[], evaluations: number, maxEvaluations: number): WatchOutcome {
  if (judgements.length === 0) return 'nothing-to-watch';
  if (judgements.some((j) => j.worse)) return 'worse';
  return evaluations >= maxEvaluations ? 'clear' : 'pending';
}

/** Execution name of a deploy's watch: stable per deploy (a duplicate event starts nothing), within the 80 characters allowed. */
export function watchExecutionName(deployId: string): string {
  const safe = deployId.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40);
  return `watch-${safe}-${fnv1a(deployId)}`;
}

// -----------------------------------------------------------------------------------------------
// What the andon cord writes

export interface AndonFacts {
  readonly deploy: DeploySignal;
  readonly judgements: readonly SignalJudgement[];
  readonly prs: readonly Pick<ShippedPullRequest, 'number' | 'title'>[];
  readonly locks: readonly Pick<QuarantineLock, 'path'>[];
  /** Lineage loops halted because they work on the locked paths. */
  readonly halted: readonly string[];
  /** The lineage whose fix deploy this was, when it was one. */
  readonly lineageId?: string;
}

/** The body of the revert pull request: why, in numbers, and what merging it does. */
export function renderRevertBody(facts: AndonFacts, repository: string): string {
  const { deploy } = facts;
  const worse = facts.judgements.filter((j) => j.worse);
  const lines = [
    `prodloop pulled the andon cord on deploy \`${deploy.deployId}\` of **${deploy.service}**: it made a watched signal significantly worse.`,
    '',
    '## Evidence',
    '',
    '| signal | method | before | after | change | evidence | points before / after |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
    ...worse.map(
      (j) =>
        `| ${cell(j.label)} | ${j.method === 'cohort' ? `cohort ${cell(deploy.cohort ?? '')}` : 'before / after'} | ${fmt(j.baselineMean)} | ${fmt(j.currentMean)} | ${changeText(j)} | ${evidenceText(j)} | ${j.baselinePoints || '-'} / ${j.points} |`,
    ),
    '',
    ...(worse.some((j) => j.eValue !== undefined)
      ? [
          `*before* is the trend-adjusted level before the deploy (a cohort deploy: the baseline cohort over the same minutes); a rate is events per request. The e-value is the evidence for "worse"; at ${1 / ALPHA.worse} the chance of a false andon is at most ${ALPHA.worse * 100}%, however many looks the watch takes.`,
          '',
        ]
      : []),
    `Deployed ${deploy.at}${deploy.commitSha ? ` at \`${deploy.commitSha}\`` : ''}${deploy.previousSha ? ` (before: \`${deploy.previousSha}\`)` : ''}.`,
    '',
    '## What this pull request reverts',
    '',
    ...(facts.prs.length > 0
      ? facts.prs.map((pr) => `- ${repository}#${pr.number} ${cell(pr.title)}`)
      : ['- every change between the previous and the deployed commit']),
    '',
    '## What prodloop did',
    '',
    ...facts.locks.map((l) => `- Quarantined \`${l.path}\`: coding agents must not change it until a human lifts the lock.`),
    ...(facts.halted.length > 0 ? [`- Halted the fix loops of ${facts.halted.map((id) => `\`${id}\``).join(', ')}.`] : []),
    '- Paged on-call.',
    '',
    'Merge this pull request (or roll back by other means) to restore the previous behaviour. prodloop does not merge it.',
    '',
    ...(facts.lineageId ? [`Prodloop-Lineage: ${facts.lineageId}`, ''] : []),
    `<!-- prodloop:revert=${deploy.deployId} -->`,
  ];
  return lines.join('\n');
}

/** Title of the revert pull request. */
export function revertTitle(deploy: DeploySignal): string {
  return `Revert deploy ${deploy.deployId} of ${deploy.service} (prodloop andon)`.slice(0, 200);
}

/** The page for an andon pulled by a deploy watch: what happened, the numbers, what prodloop did, the exact next commands. */
export function renderDeployAndonPage(facts: AndonFacts & { readonly revert?: RevertResult }): EscalationMessage {
  const { deploy } = facts;
  const worse = facts.judgements.filter((j) => j.worse);
  const first = worse[0];
  const subject = toSnsSubject(`[prodloop] ANDON, deploy made it worse: ${deploy.service} ${deploy.deployId}`);
  const happened = `Deploy ${deploy.deployId} of ${deploy.service} made ${worse.length === 1 && first ? first.label : `${worse.length} watched signals`} significantly worse than ${first?.method === 'cohort' ? 'the baseline cohort' : 'just before it'}; prodloop pulled the andon cord.`;
  const evidence = [
    `Deploy: ${deploy.deployId} of ${deploy.service} at ${deploy.at}${deploy.commitSha ? `, commit ${deploy.commitSha}` : ''}${deploy.cohort ? `, cohort ${deploy.cohort}` : ''}`,
    ...worse.map(
      (j) =>
        `${j.label}: ${fmt(j.currentMean)} vs ${fmt(j.baselineMean)}${j.kind === 'rate' ? ' per request' : ''} (${changeText(j)}${j.method === 'cohort' ? ` the baseline cohort's` : j.eValue !== undefined ? ' the trend-adjusted level before' : ''}), ${evidenceText(j)}, ${j.points} points after, ${j.baselinePoints} before${j.method === 'cohort' ? ' (cohort comparison)' : ''}`,
    ),
    ...(facts.prs.length > 0 ? [`Pull requests shipped: ${facts.prs.map((p) => `#${p.number}`).join(', ')}`] : []),
  ];
  const did = [
    ...facts.locks.map((l) => `Quarantined ${l.path}: coding agents must not change it.`),
    facts.halted.length > 0
      ? `Halted ${facts.halted.length} fix loop(s) on those paths: ${facts.halted.join(', ')}.`
      : 'No fix loop was running on those paths.',
    facts.revert?.proposed
      ? `Proposed a revert: pull request #${facts.revert.number} ${facts.revert.url}`
      : `No revert pull request: ${facts.revert?.reason ?? 'not attempted'}. Revert by hand.`,
  ];
  const next = [
    ...(facts.revert?.proposed
      ? [`Review and merge the revert: ${facts.revert.url}`]
      : [`Roll back ${deploy.service} to ${deploy.previousSha ?? 'the previous version'}`]),
    'Status: npx prodloop status',
    ...facts.locks.map(
      (l) => `When production is healthy: npx prodloop quarantine lift '${l.path.replaceAll("'", `'\\''`)}' --reason "..."`,
    ),
    ...(facts.halted.length > 0 ? ['Lifting the last lock on a path resumes the loops halted there.'] : []),
  ];
  const text = [
    ['WHAT HAPPENED', happened],
    ['EVIDENCE', evidence.map((l) => `- ${l}`).join('\n')],
    ['WHAT PRODLOOP DID', did.map((l) => `- ${l}`).join('\n')],
    ['NEXT', next.map((l) => `- ${l}`).join('\n')],
  ]
    .map(([title, body]) => `${title}\n${body}`)
    .join('\n\n');
  const bounded = Buffer.byteLength(text, 'utf8') > MAX_MESSAGE_BYTES ? `${text.slice(0, MAX_MESSAGE_BYTES / 4)}\n[truncated]` : text;
  return { lineageId: facts.lineageId ?? `deploy:${deploy.deployId}`, reason: 'andon', subject, text: `${bounded}\n` };
}

// -----------------------------------------------------------------------------------------------
// Helpers

function metricKey(metrics: readonly MetricRef[]): string {
  return JSON.stringify(
    metrics.map((m) => [m.namespace ?? '', m.metricName ?? '', Object.entries(m.dimensions).sort(), m.expression ?? '', m.stat ?? '']),
  );
}

export function metricLabel(m: MetricRef): string {
  if (m.expression) return m.expression;
  const dims = Object.entries(m.dimensions)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `${m.namespace ?? '?'}/${m.metricName ?? '?'}${dims ? ` {${dims}}` : ''}`;
}

function ratioText(current: number, baseline: number): string {
  if (!(baseline > 0)) return 'from zero';
  return `${(current / baseline).toFixed(2)}x`;
}

/** The change: the judged ratio (trend-adjusted) when there is one, else after ÷ before; and the direction when lower is worse. */
function changeText(j: SignalJudgement): string {
  const ratio = j.ratio !== undefined ? fmtRatio(j.ratio) : ratioText(j.currentMean, j.baselineMean);
  return `${ratio}${j.worseWhen === 'lower' ? ' (lower is worse)' : ''}`;
}

/** The evidence: the e-value against its threshold, or the shift in standard errors (deviations) of older judgements. */
function evidenceText(j: SignalJudgement): string {
  if (j.eValue !== undefined)
    return `e-value ${formatEValue(j.eValue)} ${j.eValue >= (j.threshold ?? 1 / ALPHA.worse) ? '≥' : '<'} ${fmt(j.threshold ?? 1 / ALPHA.worse)}`;
  if (j.z !== undefined) return `${j.z.toFixed(1)} ${j.zUnit === 'sd' ? 'sd from baseline' : 'standard errors'}`;
  return 'n/a';
}

function fmtRatio(r: number): string {
  return Number.isFinite(r) ? `${r.toFixed(2)}x` : r > 0 ? 'from zero' : 'n/a';
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  return Math.abs(x) >= 100 ? x.toFixed(0) : Number(x.toPrecision(3)).toString();
}

function finite(x: number): number {
  return Number.isFinite(x) ? x : 0;
}

function cell(text: string): string {
  return text.replace(/[|\r\n]+/g, ' ').slice(0, 200);
}
