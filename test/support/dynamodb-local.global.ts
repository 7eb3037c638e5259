/**
 * Vitest global setup of the integration and scenarios projects: one DynamoDB Local for the whole run
 * (installed into .cache/ on first use, started on a free loopback port), its endpoint in
 * PRODLOOP_DYNAMODB_ENDPOINT for the test workers (test/support/dynamodb.ts reads it), stopped at the end.
 * Both projects name this file: the first to set up starts DynamoDB Local, the last to tear down stops it.
 * An endpoint already in PRODLOOP_DYNAMODB_ENDPOINT (a DynamoDB Local started by hand) is used as it is.
 */
import { spawnSync } from 'node:child_process';
import { type RunningDynamoDbLocal, startDynamoDbLocal } from '../../bin/local/dynamodb-local.ts';

interface Shared {
  users: number;
  readonly running: Promise<RunningDynamoDbLocal | undefined>;
}

// Each project loads its own copy of this module; the process is the same.
const KEY = '__prodloopDynamoDbLocal';
const slot = globalThis as { [KEY]?: Shared };

async function start(): Promise<RunningDynamoDbLocal> {
  if (spawnSync('java', ['-version'], { stdio: 'ignore' }).error) {
    throw new Error(
      'DynamoDB Local needs Java 17+ on the PATH (the integration and scenarios projects use it; `npm run test:unit` does not)',
    );
  }
  const ddb = await startDynamoDbLocal();
  process.env.PRODLOOP_DYNAMODB_ENDPOINT = ddb.endpoint;
  return ddb;
}

export default async function setup(): Promise<() => Promise<void>> {
  slot[KEY] ??= { users: 0, running: process.env.PRODLOOP_DYNAMODB_ENDPOINT ? Promise.resolve(undefined) : start() };
  const shared = slot[KEY];
  shared.users++;
  await shared.running;
  return async () => {
    shared.users--;
    if (shared.users > 0) return;
    delete slot[KEY];
    const ddb = await shared.running;
    if (ddb) {
      await ddb.stop();
      delete process.env.PRODLOOP_DYNAMODB_ENDPOINT;
    }
  };
}
