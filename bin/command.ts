/** A `prodloop` subcommand: one file in bin/commands/ each. */
export interface CommandIo {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  /** Standard input as text, for commands that read it when no file is given. */
  readonly stdin: () => Promise<string>;
}

export interface Command {
  readonly name: string;
  /** One usage line, e.g. `sanitize [FILE]`. */
  readonly usage: string;
  /** What it does: one line, or a few joined by newlines. */
  readonly summary: string;
  /** Where it is listed in the usage text (lowest first; then by name). */
  readonly order?: number;
  /** Returns the exit code. Throw `UsageError` for bad arguments: the usage is printed and the exit code is 2. */
  run(args: string[], io: CommandIo): Promise<number>;
}

export class UsageError extends Error {}

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
