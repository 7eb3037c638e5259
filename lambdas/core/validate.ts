/**
 * Validation after a deploy: is the signal back at its pre-incident baseline (recovered), still at
 * the incident level (unchanged), significantly worse than just before the deploy (worse), or not
 * decidable yet? "Worse" needs less evidence than "recovered": the andon cord is pulled on the first
 * significant look, while recovery must hold for several consecutive evaluations.
 */
import * as z from 'zod';
import type { Evidence, Verdict } from './lineage.ts';
import type { Point } from './ports.ts';
import { mean, noiseFloor } from './stats.ts';

export const validationLoop = z.object({
  evaluations: z.number().int().min(0),
  recoveredStreak: z.number().int().min(0),
});
export type ValidationLoop = z.infer<typeof validationLoop>;

export const validationSettings = z.object({
  validationIntervalSeconds: z.number().int().min(0),
  recoveredEvaluations: z.number().int().min(1),
  maxEvaluations: z.number().int().min(1),
  /** Post-deploy points needed before any verdict but "worse". */
  minPoints: z.number().int().min(1).default(3),
});
export type ValidationSettings = z.infer<typeof validationSettings>;

export type Outcome = 'recovered' | 'unchanged' | 'worse' | 'inconclusive' | 'pending';

export interface EvaluateInput {
  readonly evidence: Pick<Evidence, 'baseline' | 'current'>;
  /** Points after the deploy, oldest first. */
  readonly post: readonly Point[];
  /** Points in the window just before the deploy (the incident level the fix should move). */
  readonly preDeploy: readonly Point[];
  readonly loop: ValidationLoop;
  readonly settings: ValidationSettings;
  readonly now: Date;
}

export interface Evaluation {
  readonly outcome: Outcome;
  readonly verdict: Verdict;
  readonly loop: ValidationLoop;
}

/** z thresholds: "worse" is one-sided at 3σ of the mean; "recovered" needs the mean inside 2σ of the baseline. */
const WORSE_Z = 3;
const RECOVERED_BAND = 2;
const ELEVATED_Z = 3;

export function evaluate(input: EvaluateInput): Evaluation {
  const { baseline } = input.evidence;
  const sd = noiseFloor(baseline.mean, baseline.stddev);
  const values = input.post.map((p) => p.value);
  const n = values.length;
  const postMean = n ? mean(values) : Number.NaN;
  const preValues = input.preDeploy.map((p) => p.value);
  const preMean = preValues.length ? mean(preValues) : input.evidence.current.mean;
  const se = sd / Math.sqrt(Math.max(n, 1));
  const evaluations = input.loop.evaluations + 1;
  const verdictOf = (kind: Verdict['kind'], reason: string): Verdict => ({
    kind,
    at: input.now.toISOString(),
    baselineMean: baseline.mean,
    currentMean: Number.isFinite(postMean) ? postMean : 0,
    signalToNoise: Number.isFinite(postMean) ? (postMean - baseline.mean) / sd : 0,
    points: n,
    reason,
  });
  const result = (outcome: Outcome, kind: Verdict['kind'], reason: string, streak: number): Evaluation => ({
    outcome,
    verdict: verdictOf(kind, reason),
    loop: { evaluations, recoveredStreak: streak },
  });

  if (n > 0) {
    const zWorse = (postMean - preMean) / se;
    if (zWorse >= WORSE_Z && postMean > preMean * 1.1) {
      return result(
        'worse',
        'worse',
        `post-deploy mean ${fmt(postMean)} is ${zWorse.toFixed(1)}σ above the pre-deploy level ${fmt(preMean)} over ${n} points`,
        0,
      );
    }
  }
  const deadline = evaluations >= input.settings.maxEvaluations;
  if (n < input.settings.minPoints) {
    const reason = `${n} post-deploy point(s), ${input.settings.minPoints} needed for a verdict`;
    return deadline
      ? result('inconclusive', 'inconclusive', `${reason}; deadline of ${input.settings.maxEvaluations} evaluations reached`, 0)
      : result('pending', 'inconclusive', reason, 0);
  }
  const zBaseline = (postMean - baseline.mean) / sd;
  if (Math.abs(zBaseline) <= RECOVERED_BAND) {
    const streak = input.loop.recoveredStreak + 1;
    const reason = `post-deploy mean ${fmt(postMean)} within ${RECOVERED_BAND}σ of the baseline ${fmt(baseline.mean)} (${streak}/${input.settings.recoveredEvaluations} consecutive evaluations)`;
    if (streak >= input.settings.recoveredEvaluations) return result('recovered', 'recovered', reason, streak);
    return deadline
      ? result('inconclusive', 'inconclusive', `${reason}; deadline reached`, streak)
      : result('pending', 'inconclusive', reason, streak);
  }
  const zElevated = (postMean - baseline.mean) / se;
  if (zElevated >= ELEVATED_Z && evaluations >= input.settings.recoveredEvaluations) {
    return result(
      'unchanged',
      'unchanged',
      `post-deploy mean ${fmt(postMean)} still ${zBaseline.toFixed(1)}σ above the baseline ${fmt(baseline.mean)} after ${evaluations} evaluations`,
      0,
    );
  }
  const reason = `post-deploy mean ${fmt(postMean)} is ${zBaseline.toFixed(1)}σ from the baseline; not decided yet`;
  return deadline ? result('inconclusive', 'inconclusive', `${reason}; deadline reached`, 0) : result('pending', 'inconclusive', reason, 0);
}

const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3));
