/**
 * Folding a storm: the first lineage of a problem (a service, or one AWS Health event) to reach a
 * decision leads it, by conditional write on the fold window's key; other lineages of that problem
 * arriving while it is in flight are folded into it, audited on the leader, and file nothing.
 */
import type { Decision, Lineage, LineageStatus } from '#domain/lineage/lineage';
import { inFlightStatuses } from '#domain/lineage/lineage';
import type { AuditLog } from '#ports/audit';
import type { Lineages } from '#ports/lineages';
import type { OnceKeys } from '#ports/once-keys';

/** Retries to find the lineage that won a problem's lead, while its record is being written. */
const LEADER_LOOKUPS = 6;

export interface StormFoldDeps {
  readonly store: Pick<Lineages, 'getLineage'> & AuditLog & Pick<OnceKeys, 'claimOnce'>;
  readonly settings: { readonly foldWindowMinutes: number };
  /** Waits between leader look-ups (injected so tests and local runs do not sleep). */
  readonly sleep: (ms: number) => Promise<void>;
}

/** The decision as it stands once the storm it belongs to is folded: unchanged for the leader, `ignore` for the rest. */
export function makeStormFold({ store, settings, sleep }: StormFoldDeps) {
  /** The store key and audit trail that name a problem's leading lineage. */
  function problemOf(decision: Decision, lineage: Lineage): string | undefined {
    const arn = decision.attribution === 'external-dependency' ? decision.evidence.healthEvents?.[0]?.eventArn : undefined;
    if (arn) return `problem#health#${arn}`;
    return lineage.service ? `problem#service#${lineage.service}` : undefined;
  }

  async function currentLeader(problem: string, self: string, now: Date): Promise<Lineage | undefined> {
    const trail = await store.auditTrail(problem);
    for (const e of [...trail].reverse()) {
      if (e.action !== 'problem-leader') continue;
      const id = String(e.detail.lineageId ?? '');
      if (!id || id === self) return undefined;
      const leader = await store.getLineage(id);
      if (!leader) return undefined;
      const recent = now.getTime() - Date.parse(e.at) <= settings.foldWindowMinutes * 60_000;
      const live: readonly LineageStatus[] = [...inFlightStatuses, 'observing'];
      return live.includes(leader.status) && (recent || inFlightStatuses.includes(leader.status)) ? leader : undefined;
    }
    return undefined;
  }

  async function fold(decision: Decision, lineage: Lineage, now: Date): Promise<Decision> {
    const problem = problemOf(decision, lineage);
    if (!problem) return decision;
    const at = now.toISOString();
    let leader = await currentLeader(problem, lineage.lineageId, now);
    if (!leader) {
      const bucket = Math.floor(now.getTime() / (settings.foldWindowMinutes * 60_000));
      const won = await store.claimOnce(`${problem}#${bucket}`, settings.foldWindowMinutes * 60, at);
      if (won) {
        await store.appendAudit({
          lineageId: problem,
          at,
          actor: 'prodloop',
          action: 'problem-leader',
          detail: { lineageId: lineage.lineageId },
        });
        return decision;
      }
      for (let i = 0; i < LEADER_LOOKUPS && !leader; i++) {
        await sleep(50 * 2 ** i);
        leader = await currentLeader(problem, lineage.lineageId, now);
      }
    }
    const reason = leader
      ? `same problem as lineage ${leader.lineageId} (${leader.alarmName}), already ${leader.status}: folded into it, no second issue`
      : `another lineage of this problem (${problem.replace(/^problem#/, '')}) leads it: folded, no second issue`;
    if (leader) {
      await store.appendAudit({
        lineageId: leader.lineageId,
        at,
        actor: 'prodloop',
        action: 'alarm-folded',
        detail: { lineageId: lineage.lineageId, alarmName: lineage.alarmName, kind: decision.kind },
      });
    }
    return {
      ...decision,
      kind: 'ignore',
      ...(leader ? { relatedTo: leader.lineageId } : {}),
      reasons: [...decision.reasons, reason],
    };
  }

  return fold;
}
