/**
 * The deploy watch, pure: every deploy touching watched code paths is judged against its own
 * pre-deploy level (or, for a canary or cohort deploy, new cohort against the baseline cohort), and a
 * significant worsening pulls the andon cord. Also the texts the andon cord writes: the revert pull
 * request's body and the page.
 */
import * as z from 'zod';
import { type CodePathRule, codePathsFor, type ProdloopConfig } from './config.ts';
import { MAX_MESSAGE_BYTES, toSnsSubject } from './escalation.ts';
import type { Lineage, QuarantineLock } from './lineage.ts';
import type { EscalationMessage, Point, RevertResult, ShippedPullRequest } from './ports.ts';
import { type DeploySignal, type MetricRef, metricRef } from './signals.ts';
import { mean, noiseFloor, pathsIntersect, stddev } from './stats.ts';

/**
 * One-sided z of a worsening, and the least relative change that counts (a tiny but very regular shift
 * is not an incident). A watch looks up to `deployWatch.evaluations` times at a growing window: 4
 * standard errors keep the chance of a false andon over six looks of noise below 2 in 10,000, and a
 * regression of 20 % or more over a few minutes of traffic still clears it at the first or second look.
 */
export const WORSE_Z = 4;
export const WORSE_RATIO = 1.2;
/** Points needed on each side before any judgement. */
export const MIN_POINTS = 3;

export const watchedSignal = z.object({
  /** How the page names it: the alarm name, or namespace/metric and dimensions. */
  label: z.string(),
  metrics: z.array(metricRef).min(1),
  /** The lineage whose alarm this is, when it is one. */
  lineageId: z.string().optional(),
});
export type WatchedSignal = z.infer<typeof watchedSignal>;

export const signalJudgement = z.object({
  label: z.string(),
  lineageId: z.string().optional(),
  method: z.enum(['before-after', 'cohort']),
  worse: z.boolean(),
  /** Before the deploy (or the baseline cohort) and after it (or the new cohort). */
  baselineMean: z.number(),
  currentMean: z.number(),
  z: z.number(),
  /** What `z` counts: standard errors of the mean (the watch's tests) or standard deviations from the baseline (a validation verdict). */
  zUnit: z.enum(['se', 'sd']).optional(),
  baselinePoints: z.number().int().min(0),
  points: z.number().int().min(0),
  reason: z.string(),
});
export type SignalJudgement = z.infer<typeof signalJudgement>;

/** Code path rules a deploy touches: by changed files when it names any, else by its service. */
export function rulesTouched(config: Pick<ProdloopConfig, 'codePaths'>, deploy: DeploySignal, files: readonly string[]): CodePathRule[] {
  const changed = [...new Set([...deploy.changedPaths, ...files])];
  if (changed.length > 0) return config.codePaths.filter((r) => pathsIntersect(r.paths, changed));
  return config.codePaths.filter((r) => r.service === deploy.service);
}

/** The signals to watch: the rules' own metrics and the alarms of the services' lineages, minus those a loop already validates. */
export function signalsToWatch(input: {
  config: Pick<ProdloopConfig, 'codePaths'>;
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
    excluded.add(metricKey(l.signal.metrics));
  }
  const seen = new Set<string>(excluded);
  const add = (s: WatchedSignal) => {
    const key = metricKey(s.metrics);
    if (s.metrics.length === 0 || seen.has(key)) return;
    seen.add(key);
    signals.push(s);
  };
  for (const rule of input.rules) for (const m of rule.metrics) add({ label: metricLabel(m), metrics: [m] });
  for (const l of input.lineages) {
    if (input.excludeLineages.includes(l.lineageId) || l.signal.metrics.length === 0) continue;
    const rule = codePathsFor(input.config as ProdloopConfig, {
      alarmName: l.alarmName,
      namespaces: l.signal.metrics.flatMap((m) => (m.namespace ? [m.namespace] : [])),
    });
    const service = l.service ?? rule?.service;
    if (service === undefined || !services.has(service)) continue;
    add({ label: l.alarmName, metrics: l.signal.metrics, lineageId: l.lineageId });
  }
  return signals;
}

/** Before/after: the post-deploy mean against the pre-deploy mean, in standard errors of the pre-deploy noise. */
export function judgeBeforeAfter(signal: WatchedSignal, pre: readonly Point[], post: readonly Point[]): SignalJudgement {
  const before = pre.map((p) => p.value);
  const after = post.map((p) => p.value);
  const base = {
    label: signal.label,
    ...(signal.lineageId ? { lineageId: signal.lineageId } : {}),
    method: 'before-after' as const,
    baselinePoints: before.length,
    points: after.length,
  };
  if (before.length < MIN_POINTS || after.length < MIN_POINTS) {
    return {
      ...base,
      worse: false,
      baselineMean: finite(mean(before)),
      currentMean: finite(mean(after)),
      z: 0,
      reason: `${after.length} point(s) after and ${before.length} before the deploy; ${MIN_POINTS} needed on each side`,
    };
  }
  const preMean = mean(before);
  const postMean = mean(after);
  const se = noiseFloor(preMean, stddev(before)) / Math.sqrt(after.length);
  const zScore = (postMean - preMean) / se;
  const worse = zScore >= WORSE_Z && postMean > preMean * WORSE_RATIO;
  return {
    ...base,
    worse,
    baselineMean: preMean,
    currentMean: postMean,
    z: zScore,
    reason: `mean ${fmt(postMean)} over ${after.length} points after the deploy vs ${fmt(preMean)} over ${before.length} before: ${zScore.toFixed(1)} standard errors, ${ratioText(postMean, preMean)}`,
  };
}

/** Cohorts: the new cohort's mean against the baseline cohort's over the same window (Welch's z). */
export function judgeCohorts(
  signal: WatchedSignal,
  cohort: { readonly name: string; readonly points: readonly Point[] },
  baseline: { readonly name: string; readonly points: readonly Point[] },
): SignalJudgement {
  const fresh = cohort.points.map((p) => p.value);
  const old = baseline.points.map((p) => p.value);
  const base = {
    label: signal.label,
    ...(signal.lineageId ? { lineageId: signal.lineageId } : {}),
    method: 'cohort' as const,
    baselinePoints: old.length,
    points: fresh.length,
  };
  if (fresh.length < MIN_POINTS || old.length < MIN_POINTS) {
    return {
      ...base,
      worse: false,
      baselineMean: finite(mean(old)),
      currentMean: finite(mean(fresh)),
      z: 0,
      reason: `${fresh.length} point(s) of cohort ${cohort.name} and ${old.length} of ${baseline.name}; ${MIN_POINTS} needed in each`,
    };
  }
  const newMean = mean(fresh);
  const oldMean = mean(old);
  const se = Math.sqrt(noiseFloor(newMean, stddev(fresh)) ** 2 / fresh.length + noiseFloor(oldMean, stddev(old)) ** 2 / old.length);
  const zScore = (newMean - oldMean) / se;
  const worse = zScore >= WORSE_Z && newMean > oldMean * WORSE_RATIO;
  return {
    ...base,
    worse,
    baselineMean: oldMean,
    currentMean: newMean,
    z: zScore,
    reason: `cohort ${cohort.name} mean ${fmt(newMean)} over ${fresh.length} points vs ${baseline.name} ${fmt(oldMean)} over ${old.length}: ${zScore.toFixed(1)} standard errors, ${ratioText(newMean, oldMean)}`,
  };
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
    '| signal | method | before | after | shift | points before / after |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...worse.map(
      (j) =>
        `| ${cell(j.label)} | ${j.method === 'cohort' ? `cohort ${cell(deploy.cohort ?? '')}` : 'before / after'} | ${fmt(j.baselineMean)} | ${fmt(j.currentMean)} | ${j.z.toFixed(1)} ${j.zUnit === 'sd' ? 'sd from baseline' : 'standard errors'} | ${j.baselinePoints || '-'} / ${j.points} |`,
    ),
    '',
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
        `${j.label}: ${fmt(j.currentMean)} vs ${fmt(j.baselineMean)} (${ratioText(j.currentMean, j.baselineMean)}), ${j.z.toFixed(1)} standard errors, ${j.points} points after, ${j.baselinePoints} before${j.method === 'cohort' ? ' (cohort comparison)' : ''}`,
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

/** 32-bit FNV-1a, hex: a short stable suffix that keeps truncated names apart. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
