/** Human-readable output of local runs and status. */
import type { AuditEvent, Lineage, QuarantineLock } from '#core/lineage';
import type { ScenarioResult } from './run.ts';

const hhmm = (iso: string) => iso.slice(11, 16);

export function renderResult(r: ScenarioResult): string {
  const lines = [`\n▶ ${r.scenario} — ${r.description}`];
  for (const t of r.timeline) lines.push(`  ${hhmm(t.at)}  ${t.kind.padEnd(9)} ${t.text}`);
  const summary = [
    `decision ${r.decision ?? 'none'}${r.tier ? ` (tier ${r.tier}, ${r.priority})` : ''}`,
    `verdicts [${r.verdicts.join(', ')}]`,
    `issues ${r.issuesFiled.length}`,
    `andon ${r.andon ? 'pulled' : 'not pulled'}`,
    `escalations [${r.escalations.join(', ')}]`,
  ].join(' · ');
  lines.push(`  ${r.expectations.passed ? '✔' : '✘'} ${summary}`);
  for (const f of r.expectations.failures) lines.push(`    ✘ ${f}`);
  return lines.join('\n');
}

export function renderStatus(table: string, lineages: Lineage[], locks: QuarantineLock[], trail: AuditEvent[]): string {
  const lines = [`table ${table}`, lineages.length ? '  lineages:' : '  no lineages'];
  for (const l of lineages) {
    const issue = l.issue ? `${l.issue.kind} #${l.issue.number}${l.issue.shadow ? ' (shadow)' : ''}` : 'no issue';
    lines.push(
      `    ${l.lineageId}  ${l.status.padEnd(12)} ${l.alarmName}  ·  ${issue}  ·  iterations ${l.iterations}  ·  spent $${l.costUsd.toFixed(2)} of $${l.budgetUsd.toFixed(2)}  ·  generation ${l.generation}`,
    );
  }
  lines.push(locks.length ? '  quarantine locks:' : '  no quarantine locks');
  for (const k of locks) lines.push(`    ${k.path}  (lineage ${k.lineageId}, since ${k.lockedAt}): ${k.reason}`);
  if (trail.length) {
    lines.push('  audit trail:');
    for (const e of trail)
      lines.push(
        `    ${e.at}  ${e.actor.padEnd(9)} ${e.action}${Object.keys(e.detail).length ? `  ${JSON.stringify(e.detail).slice(0, 160)}` : ''}`,
      );
  }
  return lines.join('\n');
}
