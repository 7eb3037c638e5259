/**
 * The comments prodloop posts on a lineage's issue after a fix deploy: the verdict of each validation
 * iteration, and the closing comment once the signal is back at baseline. Pure.
 */
import type { Verdict } from '#domain/lineage/lineage';
import { inline } from './markdown.ts';
import { num, utc } from './words.ts';

/** Comment on the issue after a fix deploy was evaluated. */
export function renderVerdictComment(verdict: Verdict, iteration: number): string {
  const heading: Record<Verdict['kind'], string> = {
    recovered: 'the signal is back at baseline',
    unchanged: 'the fix did not move the signal',
    worse: 'the signal got worse after the fix deploy',
    inconclusive: 'not enough data to decide yet',
  };
  const lines = [
    `**prodloop validation, iteration ${iteration}: ${verdict.kind}** (${heading[verdict.kind]}).`,
    '',
    ...verdictNumbers(verdict),
  ];
  if (verdict.kind === 'unchanged') {
    lines.push('', 'The problem is still open: look again at the evidence above and ship another fix that references this issue.');
  } else if (verdict.kind === 'worse') {
    lines.push('', 'prodloop has stopped coding-agent work on this lineage and paged on-call.');
  }
  return lines.join('\n');
}

/** Comment prodloop posts when it closes the issue after the fix was validated. */
export function renderClosingComment(verdict: Verdict): string {
  return [
    '**prodloop validated the fix: the signal is back at baseline.** Closing this issue.',
    '',
    ...verdictNumbers(verdict),
    '',
    'If the problem returns, prodloop opens the lineage again and files a new issue.',
  ].join('\n');
}

function verdictNumbers(verdict: Verdict): string[] {
  return [
    `- Post-deploy mean: ${num(verdict.currentMean)} (baseline ${num(verdict.baselineMean)})`,
    `- Shift: ${num(verdict.signalToNoise)} baseline standard deviations, over ${verdict.points} points`,
    `- Evaluated at: ${utc(verdict.at)}`,
    `- Why: ${inline(verdict.reason)}`,
  ];
}
