/** Human-readable output of local runs and status. */
import type { AuditEvent, Lineage, QuarantineLock } from '#domain/lineage/lineage';
import { locksOn } from '#domain/lineage/loop';
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

/** What `status` knows beyond the table: how to address it in a command, the iteration cap, why each halted loop stopped. */
export interface StatusContext {
  /** Table options that reach this table again, e.g. `--table NAME` (empty for the default local table). */
  readonly tableArgs: string;
  readonly iterationCap: number;
  /** The audit event that halted each halted lineage, when the trail has one. */
  readonly haltEvents: ReadonlyMap<string, AuditEvent>;
}

export function renderStatus(
  table: string,
  lineages: Lineage[],
  locks: QuarantineLock[],
  trail: AuditEvent[],
  context: StatusContext = { tableArgs: '', iterationCap: Number.NaN, haltEvents: new Map() },
): string {
  const lines = [`table ${table}`, lineages.length ? '  lineages:' : '  no lineages'];
  for (const l of lineages) {
    const issue = l.issue ? `${l.issue.kind} #${l.issue.number}${l.issue.shadow ? ' (shadow)' : ''}` : 'no issue';
    lines.push(
      `    ${l.lineageId}  ${l.status.padEnd(12)} ${l.alarmName}  ·  ${issue}  ·  iterations ${l.iterations}  ·  spent $${l.costUsd.toFixed(2)} of $${l.budgetUsd.toFixed(2)}  ·  generation ${l.generation}`,
    );
    if (l.status === 'halted') lines.push(...haltedLines(l, locks, context));
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

const shellQuote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/** Why a halted loop stopped, in numbers, and the command that resumes it. */
function haltedLines(l: Lineage, locks: readonly QuarantineLock[], context: StatusContext): string[] {
  const event = context.haltEvents.get(l.lineageId);
  const since = event ? ` since ${event.at}` : '';
  const opts = context.tableArgs ? ` ${context.tableArgs}` : '';
  const reset = `npx prodloop budget reset ${l.lineageId} --reason "..."${opts}`;
  switch (l.haltReason) {
    case 'budget-spent':
      return [
        `      why: cost budget spent${since}: $${l.costUsd.toFixed(2)} of $${l.budgetUsd.toFixed(2)}`,
        `      next: ${reset} [--budget USD]`,
      ];
    case 'iteration-cap': {
      const cap = Number.isFinite(context.iterationCap) ? ` (cap ${context.iterationCap})` : '';
      return [`      why: iteration cap${since}: ${l.iterations} iterations without improvement${cap}`, `      next: ${reset}`];
    }
    case 'andon': {
      const held = locksOn(l, locks);
      if (held.length === 0) return [`      why: andon cord pulled${since}; no lock on its code paths remains`, `      next: ${reset}`];
      return [
        ...held.map(
          (k) =>
            `      why: andon cord pulled${since}: ${k.path} quarantined${k.deployId ? ` after deploy ${k.deployId}` : ''}: ${k.reason}`,
        ),
        ...held.map((k) => `      next: npx prodloop quarantine lift ${shellQuote(k.path)} --reason "..."${opts}`),
      ];
    }
    default:
      return [`      why: halted${since}${event ? `: ${JSON.stringify(event.detail).slice(0, 160)}` : ''}`];
  }
}
