/** The `prodloop` command: finds its subcommands in bin/commands/ (one file each) and runs the one named. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Command, readStdin, UsageError } from './command.ts';
import { projectRoot } from './local-state.ts';

const FOOTER = `
table options: --table NAME [--region REGION] for a deployed stack, --endpoint URL for DynamoDB Local;
without them the table of the last local run (--scenario NAME picks which, default fix-works).
`;

/** Every subcommand: the files of bin/commands/, in their listed order. */
async function commands(): Promise<Command[]> {
  const dir = join(projectRoot, 'bin', 'commands');
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  const loaded = await Promise.all(files.map(async (f) => ((await import(join(dir, f))) as { command?: Command }).command));
  return loaded
    .filter((c): c is Command => c !== undefined)
    .sort((a, b) => (a.order ?? 100) - (b.order ?? 100) || a.name.localeCompare(b.name));
}

const COLUMN = 42;

function usage(all: readonly Command[]): string {
  const lines = all.flatMap((c) => {
    const [first = '', ...more] = c.summary.split('\n');
    const head = `  ${c.usage}`;
    const rest = more.map((l) => `${' '.repeat(COLUMN)}${l}`);
    return head.length < COLUMN ? [`${head.padEnd(COLUMN)}${first}`, ...rest] : [head, `${' '.repeat(COLUMN)}${first}`, ...rest];
  });
  return `usage: prodloop <command> [options]\n\ncommands:\n${lines.join('\n')}\n${FOOTER}`;
}

export async function main(argv: string[], out = (s: string) => console.log(s), err = (s: string) => console.error(s)): Promise<number> {
  const [name, ...rest] = argv;
  const all = await commands();
  const USAGE = usage(all);
  try {
    const command = all.find((c) => c.name === name);
    if (command) return await command.run(rest, { out, err, stdin: readStdin });
    if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
      out(USAGE);
      return name ? 0 : 2;
    }
    err(`unknown command ${name}\n\n${USAGE}`);
    return 2;
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      err(`${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    const e = error as Error;
    err(`prodloop ${name}: ${e.name === 'NotFoundError' || e.name === 'ConflictError' ? '' : `${e.name}: `}${e.message}`);
    return 1;
  }
}
