/**
 * record-cost: a "Cost Reported" event (from CI or a coding agent) is charged to its lineage's budget
 * by conditional write, once per cost id. When the charge spends the budget, a loop waiting for a fix
 * is stopped at once (its wait fails with prodloop.BudgetSpent and the loop escalates); a loop in the
 * middle of a validation stops at its next look.
 */

import { inFlightStatuses, type Lineage } from '#domain/lineage/lineage';
import { BUDGET_SPENT_ERROR } from '#domain/lineage/loop';
import { parseCostEvent } from '#domain/signals/cost';
import type { AuditLog } from '#ports/audit';
import type { Budgets } from '#ports/budgets';
import type { Deps } from '#ports/deps';
import type { Lineages } from '#ports/lineages';
import type { FixWaits } from '#ports/waits';
import { haltParkedLoop } from './halt.ts';

export type CostOutcome =
  | {
      readonly outcome: 'charged';
      readonly lineageId: string;
      /** False for a cost id charged before. */
      readonly applied: boolean;
      readonly costUsd: number;
      readonly budgetUsd: number;
      readonly budgetSpent: boolean;
      /** True when this charge stopped a loop that was waiting for a fix. */
      readonly halted: boolean;
    }
  | { readonly outcome: 'rejected'; readonly reason: string };

export function makeRecordCost(
  deps: Pick<Deps, 'config' | 'workflow' | 'parking' | 'clock' | 'logger'> & { readonly store: Lineages & Budgets & FixWaits & AuditLog },
) {
  const { config, store, workflow, parking, clock, logger } = deps;

  async function lineageFor(report: { lineageId?: string; issueNumber?: number }): Promise<Lineage | undefined> {
    if (report.lineageId) return store.getLineage(report.lineageId);
    const withIssue = (await store.listLineages()).filter((l) => l.issue?.number === report.issueNumber);
    // Newest first: the lineage still in flight, else the last one that had the issue.
    return withIssue.find((l) => inFlightStatuses.includes(l.status)) ?? withIssue[0];
  }

  return async (event: unknown): Promise<CostOutcome> => {
    const parsed = parseCostEvent(event);
    if (parsed.outcome !== 'accepted') {
      logger.warn('cost event rejected and parked', { reason: parsed.reason });
      await parking.park(event, parsed.reason, 'record-cost');
      return { outcome: 'rejected', reason: parsed.reason };
    }
    const report = parsed.signal;
    const lineage = await lineageFor(report);
    if (!lineage) {
      const reason = `no lineage ${report.lineageId ?? `with issue #${report.issueNumber}`} to charge ${report.amountUsd} USD to`;
      await parking.park(event, reason, 'record-cost');
      return { outcome: 'rejected', reason };
    }
    const at = clock.now().toISOString();
    const result = await store.charge(
      {
        lineageId: lineage.lineageId,
        costUsd: report.amountUsd,
        iteration: false,
        reason: `${report.source}${report.description ? `: ${report.description}` : ''}`,
        at,
        chargeId: `cost:${report.costId}`,
        category: 'reported',
        // In the charge's own transaction: a retry after a crash finds both written, or neither.
        audit: {
          lineageId: lineage.lineageId,
          at,
          actor: report.source,
          action: 'cost-reported',
          detail: {
            amountUsd: report.amountUsd,
            costId: report.costId,
            spentAt: report.at,
            ...(report.description ? { description: report.description } : {}),
          },
        },
      },
      { iterationCap: config.iterationCap },
    );
    let halted = false;
    if (result.budgetSpent && (result.lineage.status === 'awaiting-fix' || result.lineage.haltToken)) {
      const detail = { costUsd: result.lineage.costUsd, budgetUsd: result.lineage.budgetUsd, costId: report.costId };
      halted = await haltParkedLoop(
        { store, workflow },
        { lineageId: lineage.lineageId, reason: 'budget-spent', error: BUDGET_SPENT_ERROR, at, detail },
      );
    }
    logger.info('cost charged', { lineageId: lineage.lineageId, amountUsd: report.amountUsd, applied: result.applied, halted });
    return {
      outcome: 'charged',
      lineageId: lineage.lineageId,
      applied: result.applied,
      costUsd: result.lineage.costUsd,
      budgetUsd: result.lineage.budgetUsd,
      budgetSpent: result.budgetSpent,
      halted,
    };
  };
}
