/** The lines of a local run's timeline: what each state of the loop did, in words. */
import type { Decision, IssueRef } from '#domain/lineage/lineage';
import type { Evaluation } from '#domain/validation/validate';
import type { StateTransition } from './state-machine.ts';

export function describeChange(d: {
  changedPaths: string[];
  prNumbers: number[];
  dependencyChanges?: { name: string; to?: string }[];
}): string {
  const parts = [];
  if (d.prNumbers.length) parts.push(`PR ${d.prNumbers.map((n) => `#${n}`).join(', ')}`);
  if (d.changedPaths.length) parts.push(d.changedPaths.join(', '));
  if (d.dependencyChanges?.length) parts.push(`deps ${d.dependencyChanges.map((c) => `${c.name}@${c.to ?? '?'}`).join(', ')}`);
  return parts.length ? `(${parts.join('; ')})` : '';
}

export function describeTask(t: StateTransition, note: (kind: string, text: string) => void, decisions: Map<string, Decision>): void {
  // The run stopped a loop still parked when it ended: not part of the story.
  if (t.error?.startsWith('ExecutionAborted')) return;
  if (t.error?.startsWith('prodloop.')) {
    note('halt', `${t.state}: ${t.error.replace(/^prodloop\.(\w+): /, '$1 ')}`);
    return;
  }
  if (t.error) {
    note('error', `${t.state} failed: ${t.error}`);
    return;
  }
  const input = t.input as Record<string, unknown>;
  switch (t.fn) {
    case 'triage': {
      const d = t.output as Decision;
      decisions.set(t.execution, d);
      note(
        'triage',
        `${d.kind} · tier ${d.tier} · ${d.priority} · ${d.attribution} (${d.confidence.toFixed(2)}) — ${d.reasons.join('; ')}`,
      );
      break;
    }
    case 'github': {
      const issue = t.output as IssueRef;
      if (input.action === 'file' || input.action === 'observe')
        note('issue', `${issue.kind} #${issue.number} filed to the outbox (${issue.url})`);
      if (input.action === 'close') note('close', `issue #${issue.number} closed`);
      if (input.action === 'comment-unchanged') note('comment', `issue #${issue.number}: the fix did not move the signal`);
      if (input.action === 'propose-revert') {
        const r = t.output as { proposed: boolean; number?: number; url?: string; reason?: string };
        note('revert', r.proposed ? `revert pull request #${r.number} proposed (${r.url})` : `no revert pull request: ${r.reason}`);
      }
      break;
    }
    case 'lineage': {
      const out = t.output as Record<string, unknown>;
      if (input.action === 'await-fix') note('wait', 'waiting for a deploy that ships the fix (task token parked)');
      if (input.action === 'charge')
        note('budget', `charged a fix attempt: $${out.costUsd} of $${out.budgetUsd} spent${out.budgetSpent ? ' — budget spent' : ''}`);
      if (input.action === 'iterate') note('iterate', `iteration ${out.iterations}/${out.iterationCap} without improvement`);
      if (input.action === 'quarantine') note('andon', `andon cord pulled: quarantined ${(out.locked as string[]).join(', ')}`);
      if (input.action === 'ignore') note('ignore', 'below the noise thresholds: nothing filed');
      if (input.action === 'await-fix' && out.status === 'halted') note('halt', `the loop halts at once: ${out.reason}`);
      if (input.action === 'check' && out.stop !== 'none') note('halt', `the loop stops between looks: ${out.stop}`);
      if (input.action === 'continue') note('next', `the loop continues in a fresh execution (${out.executionName})`);
      if (input.action === 'await-human')
        note(
          'wait',
          out.resumed ? 'the halt cleared before the loop parked: it goes on' : `waiting for a human (${input.reason}): task token parked`,
        );
      if (input.action === 'abandon') note('escalate', 'no human came: the loop ended');
      break;
    }
    case 'deploy-watch': {
      const out = t.output as {
        outcome?: string;
        judgements?: { worse: boolean; label: string; reason: string }[];
        locked?: string[];
        halted?: string[];
      };
      const deployId = (input.deploy as { deployId?: string } | undefined)?.deployId;
      if (input.action === 'evaluate' && out.outcome !== 'nothing-to-watch') {
        const shown = out.judgements?.find((j) => j.worse) ?? out.judgements?.[0];
        note('watch', `deploy ${deployId}: ${out.outcome}${shown ? ` — ${shown.label}: ${shown.reason}` : ''}`);
      }
      if (input.action === 'andon')
        note(
          'andon',
          `andon cord pulled by the deploy watch: quarantined ${(out.locked ?? []).join(', ')}${out.halted?.length ? `; halted ${out.halted.join(', ')}` : ''}`,
        );
      break;
    }
    case 'validate': {
      const e = t.output as Evaluation;
      if (e.outcome === 'pending') note('look', `evaluation ${e.loop.evaluations}: ${e.verdict.reason}`);
      else note('verdict', `${e.outcome}: ${e.verdict.reason}`);
      break;
    }
    case 'escalate':
      note('escalate', `paged on-call (${input.reason ?? input.kind}): ${(t.output as { subject: string }).subject}`);
      break;
  }
}
