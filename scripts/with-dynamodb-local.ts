/**
 * Runs a command with DynamoDB Local started on a free loopback port and its endpoint in
 * PRODLOOP_DYNAMODB_ENDPOINT; stops it when the command ends and exits with the command's code.
 */
import { spawn } from 'node:child_process';
import { startDynamoDbLocal } from '../bin/local/dynamodb-local.ts';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: with-dynamodb-local COMMAND [ARGS...]');
  process.exit(2);
}
const ddb = await startDynamoDbLocal();
const child = spawn(command, args, {
  stdio: 'inherit',
  env: { ...process.env, PRODLOOP_DYNAMODB_ENDPOINT: ddb.endpoint },
});
const code = await new Promise<number>((done) => child.on('exit', (c, signal) => done(c ?? (signal ? 1 : 0))));
await ddb.stop();
process.exit(code);
