/** `prodloop quarantine lift PATH --reason TEXT`: a human lifts a quarantine lock; loops the andon cord halted there resume. */
import { liftLock } from '#app/human';
import type { Command } from '../command.ts';
import { humanAction } from '../human.ts';

export const command: Command = {
  name: 'quarantine',
  order: 5,
  usage: 'quarantine lift PATH --reason TEXT [--by NAME] [table options]',
  summary: ['a human lifts a quarantine lock (audited); loops the andon', 'cord halted on that path resume'].join('\n'),
  run: (args, io) =>
    humanAction('quarantine', args, async (human, path, by) => {
      const { lock, resumptions } = await liftLock(human, path, by);
      io.out(`quarantine on ${lock.path} lifted by ${by.actor}: ${by.reason}`);
      for (const r of resumptions) io.out(r.note);
    }),
};
