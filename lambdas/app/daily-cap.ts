/**
 * The daily issue cap: new issues per UTC day take numbered slots by conditional write; beyond the
 * cap the decision becomes an observation for the day's digest. A retried triage reuses the slot (or
 * the digest) it was given the first time.
 */
import type { Decision, Lineage } from '#domain/lineage/lineage';
import type { AuditLog } from '#ports/audit';
import type { OnceKeys } from '#ports/once-keys';

export interface DailyCapDeps {
  readonly store: AuditLog & Pick<OnceKeys, 'claimOnce'>;
  readonly settings: { readonly dailyIssueCap: number };
}

export function makeDailyCap({ store, settings }: DailyCapDeps) {
  async function apply(decision: Decision, lineage: Lineage, now: Date): Promise<Decision> {
    const day = now.toISOString().slice(0, 10);
    const at = now.toISOString();
    // A retried triage reuses the slot (or the digest) it was given the first time.
    const earlier = (await store.auditTrail(lineage.lineageId)).findLast(
      (e) => e.action === 'issue-slot' && e.detail.generation === lineage.generation,
    );
    let slot: number | undefined;
    if (earlier) slot = typeof earlier.detail.slot === 'number' ? earlier.detail.slot : undefined;
    else {
      for (let n = 1; n <= settings.dailyIssueCap && slot === undefined; n++) {
        if (await store.claimOnce(`issues#${day}#${n}`, 2 * 86_400, at)) slot = n;
      }
      await store.appendAudit({
        lineageId: lineage.lineageId,
        at,
        actor: 'prodloop',
        action: 'issue-slot',
        detail: { generation: lineage.generation, day, ...(slot !== undefined ? { slot } : { digest: day }) },
      });
    }
    if (slot !== undefined) return decision;
    return {
      ...decision,
      kind: 'observation',
      digest: day,
      reasons: [
        ...decision.reasons,
        `the daily cap of ${settings.dailyIssueCap} new issues is reached: this ${decision.kind === 'actionable' ? 'issue' : 'observation'} goes into the digest observation of ${day}`,
      ],
    };
  }

  return apply;
}
