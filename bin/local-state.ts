/**
 * Where the `prodloop` command finds its state: the project's bundled scenarios, the last local run's
 * DynamoDB Local folder, outbox and tables, or a deployed stack's table (`--table`, `--region`), or a
 * given DynamoDB Local (`--endpoint`).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoDbClientFor } from '#adapters/dynamodb/table';
import { prodloopConfig } from '#domain/config/config';
import { UsageError } from './command.ts';
import { startDynamoDbLocal } from './local/dynamodb-local.ts';
import { loadScenario, type Scenario } from './local/scenario.ts';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SCENARIO_DIR = join(projectRoot, 'scenarios');
export const LOCAL_DB = join(projectRoot, '.prodloop', 'dynamodb');
export const LOCAL_OUTBOX = join(projectRoot, '.prodloop', 'outbox');
export const LOCAL_TABLE_PREFIX = 'prodloop-local-';

/** The bundled scenarios: `scenarios/*.json`, or those of a suite, `scenarios/<suite>/*.json`. */
export function bundledScenarios(suite?: string): Scenario[] {
  const dir = suite ? join(SCENARIO_DIR, suite) : SCENARIO_DIR;
  if (suite && (!/^[a-z0-9-]+$/.test(suite) || !existsSync(dir))) throw new UsageError(`no scenario suite named ${suite}`);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => loadScenario(join(dir, f)));
}

/** A scenario by bundled name, or by file. */
export function resolveScenario(arg: string): Scenario {
  if (arg.endsWith('.json') || arg.includes('/')) return loadScenario(resolve(arg));
  const found = bundledScenarios().find((s) => s.name === arg);
  if (!found)
    throw new UsageError(
      `no bundled scenario named ${arg}; bundled: ${bundledScenarios()
        .map((s) => s.name)
        .join(', ')}`,
    );
  return found;
}

export const tableOptions = { table: { type: 'string' }, endpoint: { type: 'string' }, region: { type: 'string' } } as const;

/** A client for a deployed table (--table), a given DynamoDB Local (--endpoint), or the last local run's. */
export async function openTables(values: { table?: string; endpoint?: string; region?: string }) {
  const deployed = Boolean(values.table && !values.endpoint);
  const ddb = deployed || values.endpoint ? undefined : await startDynamoDbLocal({ dbPath: LOCAL_DB });
  const client = deployed
    ? new DynamoDBClient(values.region ? { region: values.region } : {})
    : dynamoDbClientFor(values.endpoint ?? ddb?.endpoint);
  const close = async () => {
    client.destroy();
    await ddb?.stop();
  };
  return { client, close };
}

/** The iteration cap of the configuration in cdk.json (what the stack was deployed with), else the default. */
export function configuredIterationCap(): number {
  try {
    const context = JSON.parse(readFileSync(join(projectRoot, 'cdk.json'), 'utf8')).context?.prodloop;
    return prodloopConfig.parse(typeof context === 'string' ? JSON.parse(context) : context).iterationCap;
  } catch {
    return prodloopConfig.shape.iterationCap.parse(undefined);
  }
}
