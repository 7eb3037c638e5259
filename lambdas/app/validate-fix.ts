/**
 * validate: one look at the signal since the fix deploy (pure core in #domain/validation/validate). Each look
 * reads the healthy history before the onset, the pre-deploy window and everything since the
 * deploy (and the traffic of a rate), so the sequential tests see every point; only a few numbers
 * travel in the execution state.
 */
import * as z from 'zod';
import { decision, measuredSignal } from '#domain/lineage/lineage';
import { NotFoundError } from '#domain/shared/errors';
import type { Point } from '#domain/signals/series';
import { deploySignal } from '#domain/signals/signals';
import { resolveSignal, worseWhenOf } from '#domain/validation/signal-rule';
import { type Evaluation, evaluate, validationLoop, validationSettings } from '#domain/validation/validate';
import type { AuditLog } from '#ports/audit';
import type { Deps } from '#ports/deps';
import type { Lineages } from '#ports/lineages';
import { readSignal } from './read-signal.ts';

/** How an alarm's metric is read (moved to the core, where the deploy watch reads signals the same way). */
export { type ResolvedSignal, resolveSignal } from '#domain/validation/signal-rule';

export const validateInput = z.object({
  lineageId: z.string(),
  deploy: deploySignal,
  decision,
  loop: validationLoop,
  settings: validationSettings,
});

/** The window before the deploy that stands for its pre-deploy level, when settings do not say. */
export const PRE_DEPLOY_MINUTES = 60;

export function makeValidate(deps: Pick<Deps, 'metrics' | 'clock' | 'logger'> & { readonly store: Lineages & AuditLog }) {
  const { store, metrics, clock, logger } = deps;
  return async (event: unknown): Promise<Evaluation> => {
    const input = validateInput.parse(event);
    const lineage = await store.getLineage(input.lineageId);
    if (!lineage) throw new NotFoundError(`lineage ${input.lineageId} does not exist`);
    const now = clock.now();
    const settings = input.settings;
    const deployAt = Date.parse(input.deploy.at);
    const onsetAt = Date.parse(input.decision.evidence.onset);
    const onset = Number.isFinite(onsetAt) && onsetAt < deployAt ? onsetAt : deployAt;
    const historyFrom = onset - settings.historyMinutes * 60_000;
    const preFrom = Math.max(onset, deployAt - (settings.preDeployMinutes ?? PRE_DEPLOY_MINUTES) * 60_000);
    // A composite alarm is judged through the child triage measured it by.
    const measured = measuredSignal(lineage);
    const signal = await readSignal(
      metrics,
      resolveSignal(measured.alarmName, measured.metrics, settings.signals),
      new Date(historyFrom).toISOString(),
      now.toISOString(),
    );
    const window = (points: readonly Point[], from: number, to: number) =>
      points.filter((p) => {
        const t = Date.parse(p.at);
        return t >= from && t < to;
      });
    const split = (points: readonly Point[]) => ({
      history: window(points, historyFrom, onset),
      preDeploy: window(points, preFrom, deployAt),
      post: window(points, deployAt, now.getTime() + 1),
    });
    const v = split(signal.values);
    const result = evaluate({
      evidence: input.decision.evidence,
      ...v,
      ...(signal.traffic ? { traffic: split(signal.traffic) } : {}),
      kind: signal.kind,
      worseWhen: worseWhenOf(measured.comparisonOperator),
      deployAt: input.deploy.at,
      loop: input.loop,
      settings,
      now,
    });
    await store.appendAudit({
      lineageId: lineage.lineageId,
      at: now.toISOString(),
      actor: 'prodloop',
      action: 'evaluated',
      detail: {
        outcome: result.outcome,
        deployId: input.deploy.deployId,
        evaluation: result.loop.evaluations,
        signal: signal.kind,
        reason: result.verdict.reason,
        ...(result.verdict.etaMinutes !== undefined ? { etaMinutes: result.verdict.etaMinutes } : {}),
      },
    });
    logger.info('fix evaluated', { lineageId: lineage.lineageId, outcome: result.outcome, reason: result.verdict.reason });
    return result;
  };
}
