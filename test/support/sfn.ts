/** A Step Functions client for tests: answers every command with `{}` and records what it was sent. */
import type { SFNClient } from '@aws-sdk/client-sfn';

export interface SentCommand {
  readonly command: string;
  readonly input: Record<string, unknown>;
}

export function recordingSfnClient(): { client: SFNClient; sent: SentCommand[] } {
  const sent: SentCommand[] = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      sent.push({ command: command.constructor.name, input: command.input });
      return {};
    },
  } as unknown as SFNClient;
  return { client, sent };
}
