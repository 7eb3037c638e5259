/**
 * The loop's mechanics, pure: which lineages a deploy ships a fix for, what stops a loop, and
 * prodloop's estimate of what one iteration of its own costs.
 */
import type { ProdloopConfig } from '#domain/config/config';
import { round } from '#domain/shared/format';
import { patternsOverlap } from '#domain/shared/glob';
import type { DeployContents } from '#domain/signals/code-changes';
import { closedIssuesIn, lineageRefsIn } from '#domain/signals/github-event';
import type { HaltReason, Lineage, QuarantineLock } from './lineage.ts';

/** Error a parked wait fails with when the andon cord halts its loop; the lineage ASL catches it. */
export const HALTED_ERROR = 'prodloop.Halted';
/** Error a parked wait fails with when the budget is spent while it waits; the lineage ASL catches it. */
export const BUDGET_SPENT_ERROR = 'prodloop.BudgetSpent';

/** What the pull requests and commits of a deploy reference. */
export interface DeployReferences {
  /** Issue numbers named after a closing keyword (`Fixes #12`). */
  readonly issues: readonly number[];
  /** Lineage ids named by a `Prodloop-Lineage:` trailer or a lineage marker. */
  readonly lineages: readonly string[];
}

/** Reads closing keywords and lineage trailers from the deploy's pull requests (title and body) and commit messages. */
export function referencesOf(contents: Pick<DeployContents, 'prs' | 'commitMessages'>, repository: string): DeployReferences {
  const texts = [...contents.prs.flatMap((pr) => [pr.title, pr.body]), ...contents.commitMessages];
  return {
    issues: [...new Set(texts.flatMap((t) => closedIssuesIn(t, repository)))],
    lineages: [...new Set(texts.flatMap((t) => lineageRefsIn(t)))],
  };
}

/** Why a deploy is this lineage's fix, or undefined when it is not. */
export function fixReason(lineage: Pick<Lineage, 'lineageId' | 'issue'>, refs: DeployReferences): string | undefined {
  if (refs.lineages.includes(lineage.lineageId)) return `a pull request or commit names lineage ${lineage.lineageId}`;
  // An issue filed in shadow mode lives in the audit trail under a made-up number no pull request can close.
  const closable = lineage.issue && !lineage.issue.url.startsWith('shadow://');
  if (closable && lineage.issue && refs.issues.includes(lineage.issue.number))
    return `a pull request closes issue #${lineage.issue.number}`;
  return undefined;
}

/**
 * Pull request numbers in commit messages: squash merges (`Fix the cart (#123)` on the subject line)
 * and merge commits (`Merge pull request #123 from …`).
 */
export function pullRequestNumbersIn(messages: readonly string[]): number[] {
  const numbers: number[] = [];
  for (const message of messages) {
    const subject = message.split('\n', 1)[0] ?? '';
    const merge = /^Merge pull request #(\d+)\b/.exec(subject);
    const squash = /\(#(\d+)\)\s*$/.exec(subject);
    for (const m of [merge, squash]) if (m?.[1]) numbers.push(Number(m[1]));
  }
  return [...new Set(numbers.filter((n) => Number.isSafeInteger(n) && n > 0))];
}

/** Locks whose path overlaps the lineage's code paths. */
export function locksOn(lineage: Pick<Lineage, 'codePaths'>, locks: readonly QuarantineLock[]): QuarantineLock[] {
  if (lineage.codePaths.length === 0) return [];
  return locks.filter((lock) => patternsOverlap([lock.path], lineage.codePaths));
}

/**
 * What stops a running loop before its next step: quarantined code paths (the andon cord, pulled by
 * this loop or by a deploy watch) or a spent budget. Undefined while it may go on.
 */
export function stopReason(
  lineage: Pick<Lineage, 'codePaths' | 'costUsd' | 'budgetUsd'>,
  locks: readonly QuarantineLock[],
): { reason: Extract<HaltReason, 'andon' | 'budget-spent'>; detail: Record<string, unknown> } | undefined {
  const held = locksOn(lineage, locks);
  if (held.length > 0) {
    return { reason: 'andon', detail: { paths: held.map((l) => l.path), deployIds: [...new Set(held.flatMap((l) => l.deployId ?? []))] } };
  }
  if (lineage.costUsd >= lineage.budgetUsd)
    return { reason: 'budget-spent', detail: { costUsd: lineage.costUsd, budgetUsd: lineage.budgetUsd } };
  return undefined;
}

/** Whether what halted a loop still holds: the cap or budget (until a human resets them), or locks on its paths. */
export function haltStillHolds(
  lineage: Pick<Lineage, 'codePaths' | 'costUsd' | 'budgetUsd' | 'iterations'>,
  reason: HaltReason,
  locks: readonly QuarantineLock[],
  iterationCap: number,
): boolean {
  switch (reason) {
    case 'iteration-cap':
      return lineage.iterations >= iterationCap;
    case 'budget-spent':
      return lineage.costUsd >= lineage.budgetUsd;
    case 'andon':
      return locksOn(lineage, locks).length > 0;
  }
}

/**
 * State transitions and Lambda invocations of one iteration, as the lineage ASL runs it: the fixed
 * part (resume, wait, charge, start, judge, count, report, reprioritize, continue) and what each
 * evaluation adds (wait, evaluate, judge, the halt check and its choice). Figures from
 * statemachines/lineage.asl.json.
 */
export const ITERATION_SHAPE = {
  fixedTransitions: 13,
  transitionsPerEvaluation: 5,
  fixedInvocations: 6,
  invocationsPerEvaluation: 2,
  /** Billed duration of one invocation (most take well under this) and the functions' memory. */
  invocationSeconds: 0.5,
  memoryGb: 0.5,
} as const;

/** prodloop's own cost of one iteration with `evaluations` looks, USD: state transitions plus Lambda GB-seconds. */
export function ownIterationCostUsd(evaluations: number, model: ProdloopConfig['costModel']): number {
  const s = ITERATION_SHAPE;
  const transitions = s.fixedTransitions + s.transitionsPerEvaluation * evaluations;
  const gbSeconds = (s.fixedInvocations + s.invocationsPerEvaluation * evaluations) * s.invocationSeconds * s.memoryGb;
  return roundUsd(transitions * model.stateTransitionUsd + gbSeconds * model.lambdaGbSecondUsd);
}

/** Rounds to a millionth of a dollar, so sums stay readable. */
export function roundUsd(value: number): number {
  return round(value, 6);
}

/** Execution name of the next round of a lineage's loop: `<lineage>-g<generation>-r<round>`. */
export function nextExecutionName(current: string, lineageId: string, generation: number): string {
  const round = Number(/-r(\d+)$/.exec(current)?.[1] ?? '1');
  return `${lineageId}-g${generation}-r${round + 1}`;
}
