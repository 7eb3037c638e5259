/** `prodloop budget reset LINEAGE --reason TEXT`: a human resets a lineage's iterations and spend; a halted loop resumes. */
import { resetBudget } from '#app/human';
import type { Command } from '../command.ts';
import { humanAction } from '../human.ts';

export const command: Command = {
  name: 'budget',
  order: 4,
  usage: 'budget reset LINEAGE --reason TEXT [--budget USD] [--by NAME] [table options]',
  summary: [
    "a human resets a lineage's iterations and spend (audited);",
    'a loop halted at the cap or the budget resumes, waiting for the next fix',
  ].join('\n'),
  run: (args, io) =>
    humanAction('budget', args, async (human, lineageId, by, budgetUsd) => {
      const { lineage: l, resumption } = await resetBudget(human, lineageId, { ...by, ...(budgetUsd ? { budgetUsd } : {}) });
      io.out(
        `lineage ${l.lineageId}: iterations ${l.iterations}, spent $${l.costUsd.toFixed(2)} of $${l.budgetUsd.toFixed(2)} (reset by ${by.actor}: ${by.reason})`,
      );
      io.out(resumption.note);
    }),
};
