/** validate: one look at the signal since the fix deploy, against the pre-incident baseline (pure core in #core/validate). */
import * as z from 'zod';
import type { Deps } from '#core/deps';
import { NotFoundError } from '#core/errors';
import { decision } from '#core/lineage';
import { deploySignal } from '#core/signals';
import { type Evaluation, evaluate, validationLoop, validationSettings } from '#core/validate';

export const validateInput = z.object({
  lineageId: z.string(),
  deploy: deploySignal,
  decision,
  loop: validationLoop,
  settings: validationSettings,
});

/** The window before the deploy that stands for the incident level the fix should move. */
export const PRE_DEPLOY_MINUTES = 30;

export function makeValidate(deps: Pick<Deps, 'store' | 'metrics' | 'clock' | 'logger'>) {
  const { store, metrics, clock, logger } = deps;
  return async (event: unknown): Promise<Evaluation> => {
    const input = validateInput.parse(event);
    const lineage = await store.getLineage(input.lineageId);
    if (!lineage) throw new NotFoundError(`lineage ${input.lineageId} does not exist`);
    const now = clock.now();
    const deployAt = input.deploy.at;
    const preFrom = new Date(Date.parse(deployAt) - PRE_DEPLOY_MINUTES * 60_000).toISOString();
    const [post, preDeploy] = await Promise.all([
      metrics.series(lineage.signal.metrics, deployAt, now.toISOString()),
      metrics.series(lineage.signal.metrics, preFrom, deployAt),
    ]);
    const result = evaluate({ evidence: input.decision.evidence, post, preDeploy, loop: input.loop, settings: input.settings, now });
    await store.appendAudit({
      lineageId: lineage.lineageId,
      at: now.toISOString(),
      actor: 'prodloop',
      action: 'evaluated',
      detail: {
        outcome: result.outcome,
        deployId: input.deploy.deployId,
        evaluation: result.loop.evaluations,
        reason: result.verdict.reason,
      },
    });
    logger.info('fix evaluated', { lineageId: lineage.lineageId, outcome: result.outcome, reason: result.verdict.reason });
    return result;
  };
}
