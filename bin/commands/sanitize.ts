/** `prodloop sanitize [FILE]`: prints what the sanitizer lets through (standard input when no file is given). */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type IdentifierPattern, identifierPatternError, makeSanitizer } from '#domain/privacy/sanitize';
import { type Command, UsageError } from '../command.ts';

export const command: Command = {
  name: 'sanitize',
  order: 7,
  usage: 'sanitize [FILE] [--hash-key K] [--tenant ID]... [--identifier-key KEY]... [--identifier-pattern KIND=REGEX]... [--stats]',
  summary: 'print a text (a file, or standard input) as the sanitizer lets it through',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: {
        'hash-key': { type: 'string' },
        tenant: { type: 'string', multiple: true, default: [] },
        'identifier-key': { type: 'string', multiple: true, default: [] },
        'identifier-pattern': { type: 'string', multiple: true, default: [] },
        stats: { type: 'boolean', default: false },
      },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > 1) throw new UsageError('sanitize takes at most one FILE');
    const identifierPatterns: IdentifierPattern[] = values['identifier-pattern'].map((spec) => {
      const eq = spec.indexOf('=');
      const pattern = { kind: spec.slice(0, Math.max(eq, 0)), pattern: spec.slice(eq + 1) };
      const error = eq < 1 ? 'expected KIND=REGEX' : identifierPatternError(pattern);
      if (error) throw new UsageError(`--identifier-pattern ${spec}: ${error}`);
      return pattern;
    });
    const file = positionals[0];
    let text: string;
    try {
      text = file === undefined || file === '-' ? await io.stdin() : readFileSync(file, 'utf8');
    } catch (error) {
      io.err(`cannot read ${file}: ${(error as Error).message}`);
      return 1;
    }
    const hashKey = values['hash-key'] ?? process.env.PRODLOOP_HASH_KEY;
    const sanitizer = makeSanitizer({
      ...(hashKey ? { hashKey } : {}),
      identifierKeys: values['identifier-key'],
      identifierPatterns,
      knownIdentifiers: values.tenant.map((value) => ({ kind: 'tenant' as const, value })),
    });
    const out = sanitizer(text);
    io.out(out.endsWith('\n') ? out.slice(0, -1) : out);
    if (values.stats) {
      const counts = Object.entries(sanitizer.counts).sort(([a], [b]) => a.localeCompare(b));
      io.err(counts.length === 0 ? 'nothing redacted' : `redacted: ${counts.map(([k, n]) => `${k} ${n}`).join(', ')}`);
    }
    return 0;
  },
};
