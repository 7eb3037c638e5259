/** triage: gathers the evidence through ports and returns the decision (pure core in #core/triage). */
import * as z from 'zod';
import { codePathsFor } from '#core/config';
import type { Deps } from '#core/deps';
import { NotFoundError } from '#core/errors';
import type { Decision } from '#core/lineage';
import { decide } from '#core/triage';

export const triageInput = z.object({ lineageId: z.string().min(1) });

/** How far back triage reads the metric: enough for a baseline before a slow onset. */
export const TRIAGE_WINDOW_MINUTES = 180;

export function makeTriage(deps: Pick<Deps, 'config' | 'store' | 'metrics' | 'clock' | 'logger'>) {
  const { config, store, metrics, clock, logger } = deps;
  return async (event: unknown): Promise<Decision> => {
    const { lineageId } = triageInput.parse(event);
    const lineage = await store.getLineage(lineageId);
    if (!lineage) throw new NotFoundError(`lineage ${lineageId} does not exist`);
    const now = clock.now();
    const from = new Date(now.getTime() - TRIAGE_WINDOW_MINUTES * 60_000).toISOString();
    const to = now.toISOString();
    const signal = lineage.signal;
    const rule = codePathsFor(config, {
      alarmName: signal.alarmName,
      namespaces: signal.metrics.flatMap((m) => (m.namespace ? [m.namespace] : [])),
    });
    const lookbackFrom = new Date(now.getTime() - (TRIAGE_WINDOW_MINUTES + config.thresholds.deployLookbackMinutes) * 60_000).toISOString();
    const [points, tenants, deploys, locks] = await Promise.all([
      metrics.series(signal.metrics, from, to),
      metrics.tenants(signal.metrics, config.tenantDimension, from, to),
      lineage.service ? store.deploysBetween(lineage.service, lookbackFrom, to) : Promise.resolve([]),
      store.listLocks(),
    ]);
    const decision = decide({ lineage, rule, points, tenants, deploys, locks, config, now });
    await store.appendAudit({
      lineageId,
      at: to,
      actor: 'prodloop',
      action: 'triaged',
      detail: {
        kind: decision.kind,
        tier: decision.tier,
        priority: decision.priority,
        attribution: decision.attribution,
        reasons: decision.reasons,
      },
    });
    logger.info('triage decision', { lineageId, kind: decision.kind, tier: decision.tier, reasons: decision.reasons });
    return decision;
  };
}
