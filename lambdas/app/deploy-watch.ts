/**
 * deploy-watch: one look at the signals a deploy may have hurt (the watched metrics of the code paths
 * it touches and the alarms of their services' lineages), each read as validation reads it (a rate
 * over traffic, a count or a level). Every look reads `historyDays` of history before the deploy and
 * everything since, and judges by validation's anytime-valid "worse" test against the trend-adjusted
 * level before the deploy; for a canary or cohort deploy, new cohort against the baseline cohort over
 * the same minutes. A significant worsening pulls the andon cord: the code paths are locked and the
 * loops working on them halted. The execution state carries only the look count.
 */
import * as z from 'zod';
import type { Point } from '#domain/signals/series';
import { deploySignal, type MetricRef } from '#domain/signals/signals';
import {
  judgeBeforeAfter,
  judgeCohorts,
  rulesTouched,
  type SignalJudgement,
  signalJudgement,
  signalsToWatch,
  watchOutcome,
  withCohort,
} from '#domain/validation/deploy-watch';
import { resolveSignal } from '#domain/validation/signal-rule';
import type { Deps } from '#ports/deps';
import type { AndonDeps } from './andon.ts';
import { pullAndon } from './andon.ts';
import { readSignal } from './read-signal.ts';

/** Settings carried by the execution (record-deploy starts it); new keys default for executions started before them. */
export const watchSettings = z.object({
  intervalSeconds: z.number().int().min(1),
  maxEvaluations: z.number().int().min(1),
  /** Days of history before the deploy the trend-adjusted level is fitted on (validation.historyDays). */
  historyDays: z.number().min(0).max(15).default(7),
  /** Executions started before the mixture test carry it; it is no longer read. */
  preDeployMinutes: z.number().int().min(1).optional(),
});

export const deployWatchInput = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('evaluate'),
    deploy: deploySignal,
    files: z.array(z.string()).default([]),
    /** Lineages whose own loop validates this deploy (it resumed them): not watched twice. */
    covered: z.array(z.string()).default([]),
    loop: z.object({ evaluations: z.number().int().min(0) }),
    settings: watchSettings,
  }),
  z.object({
    action: z.literal('andon'),
    deploy: deploySignal,
    paths: z.array(z.string()).min(1),
    judgements: z.array(signalJudgement).min(1),
  }),
]);

export type DeployWatchDeps = Pick<Deps, 'config' | 'metrics' | 'events' | 'workflow' | 'clock' | 'logger'> & {
  readonly store: AndonDeps['store'];
};

export function makeDeployWatch(deps: DeployWatchDeps) {
  const { config, store, metrics, clock, logger } = deps;
  return async (event: unknown): Promise<Record<string, unknown>> => {
    const input = deployWatchInput.parse(event);
    const { deploy } = input;
    if (input.action === 'andon') {
      const worse = input.judgements.filter((j) => j.worse);
      const reason = `deploy ${deploy.deployId} of ${deploy.service} made ${worse.map((j) => `${j.label} worse (${j.reason})`).join('; ')}`;
      const result = await pullAndon(deps, {
        deploy,
        paths: input.paths,
        reason: reason.slice(0, 1000),
        by: 'deploy-watch',
        evidence: { judgements: worse },
      });
      return { locked: result.locked, halted: result.halted };
    }

    const now = clock.now();
    const rules = rulesTouched(config, deploy, input.files);
    const signals = signalsToWatch({ config, rules, lineages: await store.listLineages(), excludeLineages: input.covered });
    const deployAt = Date.parse(deploy.at);
    const iso = (t: number) => new Date(t).toISOString();
    const to = now.toISOString();
    const judgements: SignalJudgement[] = [];
    for (const signal of signals) {
      const reading = resolveSignal(signal.label, signal.metrics, signal.rules);
      if (deploy.cohort && deploy.cohort !== config.cohorts.baseline) {
        const { dimension, baseline } = config.cohorts;
        const read = (refs: readonly MetricRef[] | undefined, cohort: string) =>
          refs ? metrics.series(withCohort(refs, dimension, cohort), deploy.at, to) : Promise.resolve(undefined);
        const [fresh, old, freshTraffic, oldTraffic] = await Promise.all([
          read(reading.value, deploy.cohort),
          read(reading.value, baseline),
          read(reading.traffic, deploy.cohort),
          read(reading.traffic, baseline),
        ]);
        // A traffic metric with no data (not published per cohort): the cohorts' events are compared as counts.
        const rate = reading.kind === 'rate' && Boolean(freshTraffic?.length) && Boolean(oldTraffic?.length);
        judgements.push(
          judgeCohorts(
            signal,
            reading.kind === 'rate' && !rate ? 'count' : reading.kind,
            { name: deploy.cohort, points: fresh ?? [], ...(rate ? { traffic: freshTraffic } : {}) },
            { name: baseline, points: old ?? [], ...(rate ? { traffic: oldTraffic } : {}) },
          ),
        );
      } else {
        const read = await readSignal(metrics, reading, iso(deployAt - input.settings.historyDays * 1440 * 60_000), to);
        const before = (p: Point) => Date.parse(p.at) < deployAt;
        const after = (p: Point) => Date.parse(p.at) >= deployAt;
        judgements.push(
          judgeBeforeAfter(signal, {
            kind: read.kind,
            history: read.values.filter(before),
            post: read.values.filter(after),
            ...(read.traffic ? { traffic: { history: read.traffic.filter(before), post: read.traffic.filter(after) } } : {}),
            lateStarts: { deployAt, horizonMinutes: (input.settings.maxEvaluations * input.settings.intervalSeconds) / 60 },
          }),
        );
      }
    }
    const evaluations = input.loop.evaluations + 1;
    const outcome = watchOutcome(judgements, evaluations, input.settings.maxEvaluations);
    logger.info('deploy watched', { deployId: deploy.deployId, outcome, evaluations, signals: signals.length });
    return {
      outcome,
      judgements,
      loop: { evaluations },
      paths: [...new Set(rules.flatMap((r) => r.paths))],
    };
  };
}
