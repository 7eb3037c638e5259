/**
 * deploy-watch: one look at the signals a deploy may have hurt (the watched metrics of the code paths
 * it touches and the alarms of their services' lineages), against the level just before the deploy,
 * or, for a canary or cohort deploy, new cohort against the baseline cohort. A significant worsening
 * pulls the andon cord: the code paths are locked and the loops working on them halted.
 */
import * as z from 'zod';
import {
  judgeBeforeAfter,
  judgeCohorts,
  rulesTouched,
  type SignalJudgement,
  signalJudgement,
  signalsToWatch,
  watchOutcome,
  withCohort,
} from '#core/deploy-watch';
import type { Deps } from '#core/deps';
import { deploySignal } from '#core/signals';
import { pullAndon } from '../lineage/andon.ts';

export const watchSettings = z.object({
  intervalSeconds: z.number().int().min(1),
  maxEvaluations: z.number().int().min(1),
  preDeployMinutes: z.number().int().min(1),
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

export type DeployWatchDeps = Pick<Deps, 'config' | 'store' | 'metrics' | 'events' | 'workflow' | 'clock' | 'logger'>;

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
    const deployAt = deploy.at;
    const judgements: SignalJudgement[] = [];
    for (const signal of signals) {
      if (deploy.cohort && deploy.cohort !== config.cohorts.baseline) {
        const { dimension, baseline } = config.cohorts;
        const [fresh, old] = await Promise.all([
          metrics.series(withCohort(signal.metrics, dimension, deploy.cohort), deployAt, now.toISOString()),
          metrics.series(withCohort(signal.metrics, dimension, baseline), deployAt, now.toISOString()),
        ]);
        judgements.push(judgeCohorts(signal, { name: deploy.cohort, points: fresh }, { name: baseline, points: old }));
      } else {
        const preFrom = new Date(Date.parse(deployAt) - input.settings.preDeployMinutes * 60_000).toISOString();
        const [pre, post] = await Promise.all([
          metrics.series(signal.metrics, preFrom, deployAt),
          metrics.series(signal.metrics, deployAt, now.toISOString()),
        ]);
        judgements.push(judgeBeforeAfter(signal, pre, post));
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
