/** `prodloop parse-event FILE`: the normalized signal ingestion makes of an event file, or why it is rejected (exit 2). */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseEventText } from '#domain/signals/parse-event';
import { type Command, UsageError } from '../command.ts';

export const command: Command = {
  name: 'parse-event',
  order: 2,
  usage: 'parse-event FILE [--github-event NAME]',
  summary: 'print the signal ingestion makes of an event file (exit 2 if rejected)',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { 'github-event': { type: 'string' }, 'tenant-dimension': { type: 'string', default: 'TenantId' } },
      allowPositionals: true,
      strict: true,
    });
    const file = positionals[0];
    if (!file) throw new UsageError('parse-event needs a FILE');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      io.err(`rejected: cannot read ${file}: ${(error as Error).message}`);
      return 2;
    }
    const githubEvent = values['github-event'];
    const result = parseEventText(text, {
      tenantDimension: values['tenant-dimension'] ?? 'TenantId',
      ...(githubEvent ? { githubEvent } : {}),
    });
    if (result.outcome === 'rejected') {
      io.err(`rejected: ${result.reason}`);
      return 2;
    }
    if (result.outcome === 'ignored') {
      io.out(JSON.stringify({ outcome: 'ignored', reason: result.reason }, null, 2));
      return 0;
    }
    io.out(JSON.stringify(result.signal, null, 2));
    return 0;
  },
};
