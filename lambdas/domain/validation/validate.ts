/**
 * Validation after a deploy, with anytime-valid sequential tests (docs/validation.md). Each look
 * compares the signal since the deploy with a trend-adjusted baseline (baseline.ts) and reads three
 * e-values (sequential.ts, comparison.ts):
 *
 * - worse: post-deploy level above the pre-deploy level, one-sided, at α = 1%: it may fire on the
 *   first look and needs no minimum span (the andon cord);
 * - unchanged: the level since the settle period still above the recovery margin over the healthy
 *   baseline, at α = 1% (half on the whole span, half shared by hour blocks, so a relapse at the
 *   daily peak counts too);
 * - recovered: the level below the recovery margin, at α = 0.1%, and only once the data since the
 *   settle period covers `recoveryMinutes` (a full daily cycle by default) with no hour block elevated.
 *
 * When no test decides before the deadline the verdict is inconclusive, and the reason says whether
 * the traffic was too low to decide (with the time a decision would have needed) or the signal sits
 * between the baseline and the incident level. Success is never declared without the evidence.
 *
 * It stays one file over 400 lines: `evaluate` (the three tests of a fix deploy) and `regression` (the
 * "worse" test of any deploy, which the deploy watch and the benchmark run) share the test components,
 * the observations and the words of their reasons.
 */
import * as z from 'zod';
import type { Evidence, Verdict } from '#domain/lineage/lineage';
import { pct, round3 } from '#domain/shared/format';
import type { Point } from '#domain/signals/series';
import { type BaselineModel, bestReference, fitBaseline, type Observation, type SignalKind } from './baseline.ts';
import { type Comparison, compare, comparisons } from './comparison.ts';
import { sinceDeployOrAnyHour } from './late-start.ts';
import { type Component, eValueOf, formatEValue, logThreshold } from './sequential.ts';
import { signalRule, type WorseWhen } from './signal-rule.ts';

export type { SignalKind } from './baseline.ts';
export { type SignalRule, signalRule } from './signal-rule.ts';

export const validationLoop = z.object({
  evaluations: z.number().int().min(0),
  /** Consecutive looks at which the recovery e-value was past its threshold. */
  recoveredStreak: z.number().int().min(0),
  /** log e-values at the last look (worse, unchanged, recovered), for the audit trail. */
  logEWorse: z.number().optional(),
  logEUnchanged: z.number().optional(),
  logERecovered: z.number().optional(),
});
export type ValidationLoop = z.infer<typeof validationLoop>;

/**
 * Settings carried by the execution (executionSettings in deps.ts). New keys default to the
 * behaviour executions started before they existed expect (no minimum span, no settle period).
 */
export const validationSettings = z.object({
  validationIntervalSeconds: z.number().int().min(0),
  recoveredEvaluations: z.number().int().min(1),
  maxEvaluations: z.number().int().min(1),
  /** Post-deploy points (after the settle period) needed before "recovered" or "unchanged". */
  minPoints: z.number().int().min(1).default(3),
  /** Minutes the signal must be back at baseline, after the settle period, before "recovered". */
  recoveryMinutes: z.number().min(0).default(0),
  /** "Back at baseline" means below (1 + margin) × baseline; capped at half the incident's excess. */
  recoveryMargin: z.number().positive().max(10).default(0.25),
  /** Minutes after the deploy left out of "recovered" and "unchanged" while the deploy rolls out. */
  settleMinutes: z.number().min(0).default(0),
  /** Minutes of history before the onset the healthy baseline is fitted on. */
  historyMinutes: z
    .number()
    .int()
    .min(0)
    .default(7 * 1440),
  /** At most this many minutes before the deploy (after the onset) stand for its pre-deploy level. */
  preDeployMinutes: z.number().int().min(1).default(60),
  signals: z.array(signalRule).default([]),
});
export type ValidationSettings = z.infer<typeof validationSettings>;
export type ValidationSettingsInput = z.input<typeof validationSettings>;

export type Outcome = 'recovered' | 'unchanged' | 'worse' | 'inconclusive' | 'pending';

/** False-verdict bounds, each holding at every look (Ville's inequality). */
export const ALPHA = { worse: 0.01, unchanged: 0.01, recovered: 0.001 } as const;

/** "Worse" alternatives: the post-deploy level as a multiple of the pre-deploy level. */
export const WORSE_COMPONENTS: readonly Component[] = [
  { effect: 1.25, weight: 0.2 },
  { effect: 1.5, weight: 0.2 },
  { effect: 2, weight: 0.2 },
  { effect: 3, weight: 0.15 },
  { effect: 5, weight: 0.15 },
  { effect: 10, weight: 0.1 },
];

/** "Recovered" alternatives against the margin m: back at baseline, below it, or halfway to m. */
export function recoveredComponents(margin: number): Component[] {
  return [
    { effect: 1, weight: 0.5 },
    { effect: 0.75, weight: 0.15 },
    { effect: 0.5, weight: 0.1 },
    { effect: (1 + margin) / 2, weight: 0.25 },
  ];
}

/** "Unchanged" alternatives: still 1.25 to 5 times the margin. */
export function unchangedComponents(margin: number): Component[] {
  return [1.25, 1.5, 2, 3, 5].map((k) => ({ effect: margin * k, weight: 0.2 }));
}

export interface EvaluateInput {
  readonly evidence: Pick<Evidence, 'baseline' | 'current'>;
  /** Points after the deploy, oldest first. */
  readonly post: readonly Point[];
  /** Points in the window just before the deploy (the level a deploy is judged "worse" against). */
  readonly preDeploy: readonly Point[];
  /** Points before the onset: the healthy history. Without it, the triage baseline's summary stands in (no trend). */
  readonly history?: readonly Point[];
  /** Traffic per period for a rate, matched to the points by timestamp. */
  readonly traffic?: { readonly history?: readonly Point[]; readonly preDeploy?: readonly Point[]; readonly post?: readonly Point[] };
  /** How the signal is read (default: level). */
  readonly kind?: SignalKind;
  /** When the deploy finished (default: the first post-deploy point). */
  readonly deployAt?: string;
  /** Which way is worse (default higher: errors, latency; lower: throughput, successes): every verdict is turned that way. */
  readonly worseWhen?: WorseWhen;
  readonly loop: z.input<typeof validationLoop>;
  readonly settings: ValidationSettingsInput;
  readonly now: Date;
}

export interface Evaluation {
  readonly outcome: Outcome;
  readonly verdict: Verdict;
  readonly loop: ValidationLoop;
}

export function evaluate(input: EvaluateInput): Evaluation {
  const settings = validationSettings.parse(input.settings);
  const previous = validationLoop.parse(input.loop);
  const evaluations = previous.evaluations + 1;
  const now = input.now.getTime();
  const firstPost = input.post[0];
  const deployAt = input.deployAt ? Date.parse(input.deployAt) : firstPost ? Date.parse(firstPost.at) : now;

  let kind: SignalKind = input.kind ?? 'level';
  const historyObs = observations(kind, input.history ?? [], input.traffic?.history);
  let model: BaselineModel;
  let reference: Observation[];
  if (historyObs.length >= 10) {
    model = fitBaseline(kind, historyObs);
    // The part of the history just before the onset that predicts an hour ahead best (baseline.ts).
    reference = bestReference(model, historyObs);
  } else {
    if (kind === 'rate') kind = 'count';
    ({ model, reference } = summaryBaseline(kind, input.evidence.baseline));
  }
  const pre = observations(kind, input.preDeploy, input.traffic?.preDeploy);
  const post = observations(kind, input.post, input.traffic?.post);

  // Every ratio below is post ÷ reference; `bad` turns it so that above 1 is worse, whichever way the signal goes.
  const worseWhen = input.worseWhen ?? 'higher';
  const lower = worseWhen === 'lower';
  const bad = toward(worseWhen);

  // The incident level just before the deploy, on the healthy baseline's scale.
  const incident = compare(model, reference, { theta0: 1, components: [] });
  for (const o of pre) incident.add(o);
  const incidentRatio = incident.ratio();
  const excess = Number.isFinite(incidentRatio) ? (bad(incidentRatio) - 1) / 2 : settings.recoveryMargin;
  // The recovery margin as a degree of badness (≥ 1), and as a ratio the signal must be back within.
  const margin = 1 + Math.max(settings.recoveryMargin / 2, Math.min(settings.recoveryMargin, excess));
  const marginRatio = bad(margin);
  const marginText = `×${marginRatio.toFixed(2)}`;
  const beyond = lower ? 'below' : 'above';
  const within = lower ? 'above' : 'below';

  // "Worse" since the deploy, or since any later hour (late-start.ts): a regression that starts hours
  // after the deploy is judged on the hours since it started, within the same false-andon bound.
  const horizonMinutes = (settings.maxEvaluations * settings.validationIntervalSeconds) / 60;
  const worse = sinceDeployOrAnyHour(
    comparisons(model, pre.length ? pre : reference, { theta0: 1, components: worseComponents(worseWhen) }),
    deployAt,
    horizonMinutes,
  );
  for (const o of post) worse.add(o);

  const settleEnd = deployAt + settings.settleMinutes * 60_000;
  const settled = post.filter((o) => o.t >= settleEnd);
  const settledMinutes = Math.max(0, (now - settleEnd) / 60_000);
  const recovered = compare(model, reference, { theta0: marginRatio, components: towardWorse(recoveredComponents(margin), worseWhen) });
  // "Still above the margin": over the whole span, and for each hour block on its own (elevatedBlock).
  const stillAbove = comparisons(model, reference, {
    theta0: marginRatio,
    components: towardWorse(unchangedComponents(margin), worseWhen),
  });
  const unchanged = stillAbove();
  for (const o of settled) {
    recovered.add(o);
    unchanged.add(o);
  }

  const thresholds = {
    worse: logThreshold(ALPHA.worse),
    unchanged: logThreshold(ALPHA.unchanged / 2),
    recovered: logThreshold(ALPHA.recovered),
  };
  const logE = { worse: worse.logE(), unchanged: unchanged.logE(), recovered: recovered.logE() };
  const relapse = elevatedBlock(stillAbove, settled, settleEnd, now, horizonMinutes);
  const recoveredNow = logE.recovered >= thresholds.recovered && !relapse;
  const loop: ValidationLoop = {
    evaluations,
    recoveredStreak: recoveredNow ? previous.recoveredStreak + 1 : 0,
    logEWorse: round3(logE.worse),
    logEUnchanged: round3(logE.unchanged),
    logERecovered: round3(logE.recovered),
  };

  const healthyRatio = recovered.ratio();
  const describe = describer(kind, model, post, input.traffic?.post, now, deployAt);
  const verdictOf = (kindOf: Verdict['kind'], reason: string, extra: { eLog?: number; eta?: number } = {}): Verdict => ({
    kind: kindOf,
    at: input.now.toISOString(),
    ...describe.means(),
    points: input.post.length,
    reason,
    ...(Number.isFinite(healthyRatio) ? { ratio: round3(healthyRatio) } : {}),
    ...(extra.eta !== undefined && Number.isFinite(extra.eta) ? { etaMinutes: Math.round(extra.eta) } : {}),
    ...(extra.eLog !== undefined ? { eValue: eValueOf(extra.eLog) } : {}),
  });
  const result = (outcome: Outcome, kindOf: Verdict['kind'], reason: string, extra?: { eLog?: number; eta?: number }): Evaluation => ({
    outcome,
    verdict: verdictOf(kindOf, reason, extra),
    loop,
  });
  const span = `${fmtMinutes((now - deployAt) / 60_000)} since the deploy`;

  if (post.length > 0 && logE.worse >= thresholds.worse) {
    const leader = worse.leader();
    const since =
      leader.startMinutes > 0
        ? `${ratioText(leader.ratio)} the pre-deploy level (trend-adjusted) since ${hhmm(deployAt + leader.startMinutes * 60_000)} UTC, ${fmtMinutes(leader.startMinutes)} after the deploy (${ratioText(worse.ratio())} over all ${span})`
        : `${ratioText(worse.ratio())} the pre-deploy level (trend-adjusted) over ${span}`;
    return result(
      'worse',
      'worse',
      `${describe.what} is ${since}${lower ? ', and lower is worse' : ''}; e-value ${fmtE(logE.worse)} ≥ ${fmtE(thresholds.worse)} (false-andon bound ${pct(ALPHA.worse)} at any look)`,
      { eLog: logE.worse },
    );
  }

  const enoughLooks = evaluations >= settings.recoveredEvaluations;
  const enoughPoints = settled.length >= settings.minPoints;
  if (enoughPoints && enoughLooks && logE.unchanged >= thresholds.unchanged) {
    return result(
      'unchanged',
      'unchanged',
      `${describe.what} is still ${ratioText(healthyRatio)} the trend-adjusted baseline over ${span}, ${beyond} the recovery margin ${marginText}; e-value ${fmtE(logE.unchanged)} ≥ ${fmtE(thresholds.unchanged)}`,
      { eLog: logE.unchanged },
    );
  }
  if (enoughPoints && enoughLooks && relapse) {
    return result(
      'unchanged',
      'unchanged',
      `${describe.what} was back at ${ratioText(relapse.ratio)} the trend-adjusted baseline during ${relapse.window}, ${beyond} the recovery margin ${marginText}; e-value ${fmtE(relapse.logE)} ≥ ${fmtE(relapse.threshold)}`,
      { eLog: relapse.logE },
    );
  }
  const spanMet = settledMinutes >= settings.recoveryMinutes;
  if (enoughPoints && enoughLooks && recoveredNow && spanMet) {
    return result(
      'recovered',
      'recovered',
      `${describe.what} is ${ratioText(healthyRatio)} the trend-adjusted baseline for ${fmtMinutes(settledMinutes)}${settings.recoveryMinutes >= 1440 ? ' (a full daily cycle)' : ''}, ${within} the recovery margin ${marginText} with no hour ${lower ? 'depressed' : 'elevated'}; e-value ${fmtE(logE.recovered)} ≥ ${fmtE(thresholds.recovered)}`,
      { eLog: logE.recovered },
    );
  }

  // Undecided: how long until a decision at the current volume, and is the volume the problem?
  const intervalMinutes = settings.validationIntervalSeconds / 60;
  const minutesLeft = Math.max(0, (settings.maxEvaluations - evaluations) * intervalMinutes);
  const waitLooks = Math.max(0, settings.recoveredEvaluations - evaluations) * intervalMinutes;
  const waitSettle = Math.max(0, (settleEnd - now) / 60_000);
  const leaning: 'recovered' | 'unchanged' = !Number.isFinite(healthyRatio) || bad(healthyRatio) < margin ? 'recovered' : 'unchanged';
  const statEta =
    settled.length === 0
      ? Number.POSITIVE_INFINITY
      : leaning === 'recovered'
        ? recovered.minutesToThreshold(
            thresholds.recovered,
            Math.max(Number.isFinite(healthyRatio) ? healthyRatio : 1, 0.01),
            settledMinutes,
          )
        : unchanged.minutesToThreshold(thresholds.unchanged, healthyRatio, settledMinutes);
  const eta = Math.max(
    statEta,
    waitLooks,
    waitSettle,
    leaning === 'recovered' ? Math.max(0, settings.recoveryMinutes - settledMinutes) : 0,
  );
  // Even a perfect recovery (exactly at baseline) would need this long at the current volume.
  const bestCase = settled.length ? recovered.minutesToThreshold(thresholds.recovered, 1, settledMinutes) : Number.POSITIVE_INFINITY;
  const starved = settled.length > 0 && bestCase > minutesLeft + intervalMinutes;
  const volume = describe.volume(settled, settledMinutes);
  const deadline = evaluations >= settings.maxEvaluations;

  if (deadline) {
    if (post.length === 0)
      return result('inconclusive', 'inconclusive', `no data since the deploy; deadline of ${settings.maxEvaluations} evaluations reached`);
    if (starved || settled.length < settings.minPoints)
      return result(
        'inconclusive',
        'inconclusive',
        `insufficient ${kind === 'level' ? 'data' : 'traffic'}: at ${volume} even a full recovery would need ${fmtEta(bestCase)} more to be confirmed; deadline of ${settings.maxEvaluations} evaluations reached with ${describe.what} at ${ratioText(healthyRatio)} the trend-adjusted baseline`,
        { eta: bestCase },
      );
    return result(
      'inconclusive',
      'inconclusive',
      `undecided at the deadline of ${settings.maxEvaluations} evaluations: ${describe.what} is ${ratioText(healthyRatio)} the trend-adjusted baseline, between the recovery margin ${marginText} and the incident level ${ratioText(incidentRatio)}`,
      { eta },
    );
  }
  const pending = (reason: string) => result('pending', 'inconclusive', reason, { eta });
  if (post.length === 0) return pending('no data since the deploy yet');
  if (settled.length < settings.minPoints)
    return pending(
      `${settled.length} point(s) after the ${settings.settleMinutes}-minute settle period, ${settings.minPoints} needed for recovered or unchanged`,
    );
  const state = `${describe.what} is ${ratioText(healthyRatio)} the trend-adjusted baseline after ${fmtMinutes(settledMinutes)} (recovery margin ${marginText}${lower ? ', lower is worse' : ''}, ${fmtMinutes(settings.recoveryMinutes)} needed back at baseline); e-values recovered ${fmtE(logE.recovered)}, unchanged ${fmtE(logE.unchanged)}, worse ${fmtE(logE.worse)}`;
  if (starved)
    return result(
      'pending',
      'inconclusive',
      `${state}; insufficient ${kind === 'level' ? 'data' : 'traffic'}: at ${volume} even a full recovery needs about ${fmtEta(bestCase)} more to be confirmed, and the deadline is in ${fmtMinutes(minutesLeft)}`,
      { eta: bestCase },
    );
  return pending(
    `${state}; ${Number.isFinite(eta) ? `${leaning === 'unchanged' ? 'an' : 'a'} ${leaning} verdict expected in about ${fmtEta(eta)} at ${volume}` : `no verdict in sight at ${volume}`}`,
  );
}

export interface RegressionInput {
  readonly kind: SignalKind;
  /** The signal before the deploy (days of it: the baseline and its reference window are fitted on it). */
  readonly history: readonly Point[];
  /** Points since the deploy. */
  readonly post: readonly Point[];
  readonly traffic?: { readonly history?: readonly Point[]; readonly post?: readonly Point[] };
  /** Which way is worse (default higher: errors, latency; lower: throughput, successes). */
  readonly worseWhen?: WorseWhen;
  /**
   * Also judge against the last this many minutes before the deploy, and count the smaller e-value:
   * a signal that moved shortly before the deploy (an incident under way) is judged against where it
   * is, not where it was. Valid under either null hypothesis, like a trend that may stop.
   */
  readonly recentMinutes?: number;
  /**
   * When the deploy finished, and how long after it looks may go on: with both, "worse" is also
   * tested since every later hour (late-start.ts), so a regression that starts hours after the deploy
   * is not diluted by the good hours before it. Without them, since the deploy only.
   */
  readonly lateStarts?: { readonly deployAt: number; readonly horizonMinutes: number };
}

export interface Regression {
  readonly worse: boolean;
  /** The e-value for "worse than before the deploy"; worse when it reaches 1/ALPHA.worse. */
  readonly eValue: number;
  /** The signal since the deploy as a multiple of the level before it (trend-adjusted). */
  readonly ratio: number;
  /** Points since the deploy that were judged (a rate's need traffic), and points of history. */
  readonly points: number;
  readonly historyPoints: number;
  /** Mean since the deploy (events per request for a rate) and the trend-adjusted level before it, on the same scale. */
  readonly currentMean: number;
  readonly baselineMean: number;
  readonly reason: string;
}

/** A ratio to a reference turned the way that is worse: itself when higher is worse, its inverse when lower is. */
export const toward = (worseWhen: WorseWhen) => (ratio: number) => (worseWhen === 'lower' ? 1 / ratio : ratio);

/** Alternatives turned the way that is worse: ratios above 1 when higher is worse, their inverses when lower is. */
export function towardWorse(components: readonly Component[], worseWhen: WorseWhen = 'higher'): Component[] {
  const turn = toward(worseWhen);
  return components.map((c) => ({ effect: turn(c.effect), weight: c.weight }));
}

/** "Worse" alternatives turned the way that is worse. */
export function worseComponents(worseWhen: WorseWhen = 'higher'): readonly Component[] {
  return worseWhen === 'lower' ? towardWorse(WORSE_COMPONENTS, worseWhen) : WORSE_COMPONENTS;
}

/**
 * "Worse" for any deploy, with no incident and no lineage: the signal since the deploy against the
 * reference before it that predicts best, by the same anytime-valid test and α as the andon cord of
 * a fix (1 % false andons at any number of looks). The benchmark and the deploy watch run exactly
 * these functions. With `worseWhen: 'lower'` the alternatives are falls (÷1.25 … ÷10).
 */
export function regression(input: RegressionInput): Regression {
  const history = observations(input.kind, input.history, input.traffic?.history);
  const post = observations(input.kind, input.post, input.traffic?.post);
  const lower = input.worseWhen === 'lower';
  const currentMean = meanOf(input.kind, post);
  if (history.length < 10)
    return {
      worse: false,
      eValue: 1,
      ratio: Number.NaN,
      points: post.length,
      historyPoints: history.length,
      currentMean,
      baselineMean: Number.NaN,
      reason: `${history.length} point(s) before the deploy: too few for a baseline`,
    };
  const model = fitBaseline(input.kind, history);
  const best = bestReference(model, history);
  const references = [best];
  if (input.recentMinutes !== undefined) {
    const from = model.end - input.recentMinutes * 60_000;
    const recent = history.filter((o) => o.t >= from);
    if (recent.length > 0 && recent.length < best.length) references.push(recent);
  }
  const judged = references.map((reference) => {
    const make = comparisons(model, reference, { theta0: 1, components: worseComponents(input.worseWhen) });
    const c = input.lateStarts ? sinceDeployOrAnyHour(make, input.lateStarts.deployAt, input.lateStarts.horizonMinutes) : make();
    for (const o of post) c.add(o);
    return { logE: c.logE(), ratio: c.ratio() };
  });
  const binding = judged.reduce((a, b) => (b.logE < a.logE ? b : a));
  const logE = binding.logE;
  const worse = post.length > 0 && logE >= logThreshold(ALPHA.worse);
  const ratio = binding.ratio;
  return {
    worse,
    eValue: eValueOf(logE),
    ratio,
    points: post.length,
    historyPoints: history.length,
    currentMean,
    baselineMean: Number.isFinite(ratio) && ratio > 0 ? currentMean / ratio : Number.NaN,
    reason: `${ratioText(ratio)} the trend-adjusted level before the deploy over ${post.length} point(s)${lower ? ' (lower is worse)' : ''}; e-value ${fmtE(logE)}${worse ? ' ≥ ' : ' < '}${fmtE(logThreshold(ALPHA.worse))}`,
  };
}

/** Mean of a window as judged: events per request for a rate, events or values per point otherwise (NaN when empty). */
function meanOf(kind: SignalKind, obs: readonly Observation[]): number {
  if (obs.length === 0) return Number.NaN;
  const total = obs.reduce((a, o) => a + o.value, 0);
  if (kind !== 'rate') return total / obs.length;
  const traffic = obs.reduce((a, o) => a + (o.traffic ?? 0), 0);
  return traffic > 0 ? total / traffic : Number.NaN;
}

/**
 * Hour blocks since the settle period, each tested for "above the margin" with the block's share of
 * half the unchanged α (Bonferroni over every block the deadline allows): the signal must be back at
 * baseline through the daily cycle, not only on average.
 */
function elevatedBlock(
  stillAbove: () => Comparison,
  settled: readonly Observation[],
  settleEnd: number,
  now: number,
  horizonMinutes: number,
): { window: string; ratio: number; logE: number; threshold: number } | undefined {
  const block = 60 * 60_000;
  const complete = Math.floor((now - settleEnd) / block);
  if (complete < 2) return undefined;
  const blocks = Math.max(1, Math.ceil(horizonMinutes / 60));
  const threshold = logThreshold(ALPHA.unchanged / 2 / blocks);
  let worst: { window: string; ratio: number; logE: number; threshold: number } | undefined;
  for (let b = 0; b < complete; b++) {
    const from = settleEnd + b * block;
    const c = stillAbove();
    for (const o of settled) if (o.t >= from && o.t < from + block) c.add(o);
    if (c.count === 0) continue;
    const l = c.logE();
    if (l >= threshold && (!worst || l > worst.logE))
      worst = { window: `${hhmm(from)}–${hhmm(from + block)} UTC`, ratio: c.ratio(), logE: l, threshold };
  }
  return worst;
}

/** Observations of a window: points joined with traffic by timestamp; a rate needs traffic for a point to count. */
export function observations(kind: SignalKind, points: readonly Point[], traffic?: readonly Point[]): Observation[] {
  const byTime = new Map<number, number>();
  for (const p of traffic ?? []) byTime.set(Date.parse(p.at), p.value);
  const out: Observation[] = [];
  for (const p of points) {
    const t = Date.parse(p.at);
    if (!Number.isFinite(t) || !Number.isFinite(p.value)) continue;
    if (kind === 'rate') {
      const n = byTime.get(t);
      if (n === undefined || !(n > 0)) continue;
      out.push({ t, value: p.value, traffic: n });
    } else out.push({ t, value: p.value });
  }
  return out;
}

/** A flat baseline from triage's summary (mean, standard deviation, points), when no history could be read. */
function summaryBaseline(kind: SignalKind, stats: Evidence['baseline']): { model: BaselineModel; reference: Observation[] } {
  const n = Math.max(stats.points, 1);
  const m = Math.max(stats.mean, 1e-9);
  // A flat level at the summary's mean: no trend, no daily profile, no estimation error.
  const flat = {
    kind,
    end: 0,
    spanMinutes: n,
    periodMinutes: 1,
    trendPerHour: 0,
    seasonal: false,
    logLevel: () => Math.log(m),
    offset: 0,
    design: () => [1],
    covariance: [[0]],
    references: [],
    referenceMinutes: n,
    points: n,
  };
  if (kind === 'level') {
    const scale = Math.max(stats.stddev / m, 0.005);
    const width = Math.max(3 * scale, Math.log(1.25));
    const quantiles = Array.from({ length: n }, (_, i) => scale * normalQuantile((i + 0.5) / n));
    const model: BaselineModel = {
      ...flat,
      dispersion: 1,
      scale,
      clipWidth: width,
      longRunVariance: Math.max(scale * scale, (width * width) / (2 * Math.log(100 / 0.2))),
      residuals: quantiles,
    };
    return { model, reference: quantiles.map((q) => ({ t: 0, value: m * Math.exp(q) })) };
  }
  const model: BaselineModel = {
    ...flat,
    dispersion: Math.max(1, (stats.stddev * stats.stddev) / m),
    scale: 0,
    clipWidth: 0,
    longRunVariance: 0,
    residuals: [],
  };
  return { model, reference: Array.from({ length: n }, () => ({ t: 0, value: m })) };
}

function describer(
  kind: SignalKind,
  model: BaselineModel,
  post: readonly Observation[],
  traffic: readonly Point[] | undefined,
  now: number,
  deployAt: number,
) {
  const what = kind === 'rate' ? 'the error rate (events per request)' : kind === 'count' ? 'the event count' : 'the level';
  return {
    what,
    means(): Pick<Verdict, 'baselineMean' | 'currentMean' | 'signalToNoise'> {
      if (post.length === 0) return { baselineMean: 0, currentMean: 0, signalToNoise: 0 };
      const expected = post.map((o) =>
        kind === 'level'
          ? Math.max(0, Math.exp(model.logLevel(o.t)) - model.offset)
          : (kind === 'rate' ? (o.traffic ?? 0) : 1) * Math.exp(model.logLevel(o.t)),
      );
      const baselineMean = expected.reduce((a, b) => a + b, 0) / post.length;
      const currentMean = post.reduce((a, o) => a + o.value, 0) / post.length;
      const sd = kind === 'level' ? baselineMean * model.scale : Math.sqrt(Math.max(model.dispersion * baselineMean, 1e-12));
      return {
        baselineMean: round3(baselineMean),
        currentMean: round3(currentMean),
        signalToNoise: round3((currentMean - baselineMean) / Math.max(sd, 1e-9)),
      };
    },
    volume(settled: readonly Observation[], minutes: number): string {
      if (kind === 'level') return `${settled.length} points in ${fmtMinutes(minutes)}`;
      if (kind === 'rate') {
        const requests = (traffic ?? [])
          .filter((p) => Date.parse(p.at) >= deployAt && Date.parse(p.at) < now)
          .reduce((a, p) => a + p.value, 0);
        return `${fmtNumber(requests / Math.max((now - deployAt) / 60_000, 1e-9))} requests/min`;
      }
      const events = settled.reduce((a, o) => a + Math.exp(model.logLevel(o.t)), 0);
      return `${fmtNumber(events / Math.max(minutes, 1e-9))} expected events/min`;
    },
  };
}

/** Acklam's inverse normal CDF (relative error < 1.2e-9). */
function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const q = Math.min(Math.max(p, 1e-12), 1 - 1e-12);
  const poly = (k: readonly number[], x: number) => k.reduce((acc, v) => acc * x + v, 0);
  if (q < 0.02425) {
    const r = Math.sqrt(-2 * Math.log(q));
    return poly(c, r) / (poly(d, r) * r + 1);
  }
  if (q > 1 - 0.02425) {
    const r = Math.sqrt(-2 * Math.log(1 - q));
    return -poly(c, r) / (poly(d, r) * r + 1);
  }
  const r = (q - 0.5) ** 2;
  return ((q - 0.5) * poly(a, r)) / (poly(b, r) * r + 1);
}

const fmtE = (logE: number) => formatEValue(eValueOf(logE));
const ratioText = (r: number) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : 'n/a ×');
const fmtNumber = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toPrecision(2));
function fmtMinutes(m: number): string {
  if (!Number.isFinite(m)) return 'ever';
  const total = Math.round(m);
  if (total < 60) return `${total} min`;
  const h = Math.floor(total / 60);
  const r = total % 60;
  return r ? `${h} h ${r} min` : `${h} h`;
}
const fmtEta = (m: number) => (Number.isFinite(m) ? fmtMinutes(Math.max(m, 1)) : 'more data than this volume will bring');
const hhmm = (t: number) => new Date(t).toISOString().slice(11, 16);
