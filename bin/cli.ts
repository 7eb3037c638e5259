/** The `prodloop` command: local runs, event parsing, status. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { StepFunctionsWorkflow } from '#adapters/aws/sfn';
import { DynamoDbLineageStore } from '#adapters/dynamodb/store';
import { dynamoDbClientFor } from '#adapters/dynamodb/table';
import { prodloopConfig } from '#domain/config/config';
import type { AuditEvent } from '#domain/lineage/lineage';
import { parseEventText } from '#domain/signals/parse-event';
import { liftLock, resetBudget } from '../lambdas/app/human.ts';
import { type Command, readStdin, UsageError } from './command.ts';
import { startDynamoDbLocal } from './local/dynamodb-local.ts';
import { renderResult, renderStatus } from './local/render.ts';
import { runScenario, type ScenarioResult } from './local/run.ts';
import { loadScenario, type Scenario } from './local/scenario.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SCENARIO_DIR = join(root, 'scenarios');
const LOCAL_DB = join(root, '.prodloop', 'dynamodb');
const LOCAL_OUTBOX = join(root, '.prodloop', 'outbox');
const LOCAL_TABLE_PREFIX = 'prodloop-local-';

const USAGE = `usage: prodloop <command> [options]

commands:
  local [--scenario NAME|FILE] [--suite NAME] [--json]
                                          run the bundled scenarios (or one, or a suite in scenarios/NAME/) end to end
  parse-event FILE [--github-event NAME]  print the signal ingestion makes of an event file (exit 2 if rejected)
  status [--table NAME] [--endpoint URL] [--region REGION] [--lineage ID]
                                          lineages, budgets and quarantine locks (default: the last local run)
  budget reset LINEAGE --reason TEXT [--budget USD] [--by NAME] [table options]
                                          a human resets a lineage's iterations and spend (audited);
                                          a loop halted at the cap or the budget resumes, waiting for the next fix
  quarantine lift PATH --reason TEXT [--by NAME] [table options]
                                          a human lifts a quarantine lock (audited); loops the andon
                                          cord halted on that path resume

table options: --table NAME [--region REGION] for a deployed stack, --endpoint URL for DynamoDB Local;
without them the table of the last local run (--scenario NAME picks which, default fix-works).
`;

/** The bundled scenarios: `scenarios/*.json`, or those of a suite, `scenarios/<suite>/*.json`. */
export function bundledScenarios(suite?: string): Scenario[] {
  const dir = suite ? join(SCENARIO_DIR, suite) : SCENARIO_DIR;
  if (suite && (!/^[a-z0-9-]+$/.test(suite) || !existsSync(dir))) throw new UsageError(`no scenario suite named ${suite}`);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => loadScenario(join(dir, f)));
}

function resolveScenario(arg: string): Scenario {
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

async function local(args: string[], out: (s: string) => void): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { scenario: { type: 'string' }, suite: { type: 'string' }, json: { type: 'boolean', default: false } },
    strict: true,
  });
  const scenarios = values.scenario ? [resolveScenario(values.scenario)] : bundledScenarios(values.suite);
  const ddb = await startDynamoDbLocal({ dbPath: LOCAL_DB });
  const client = dynamoDbClientFor(ddb.endpoint);
  const results: ScenarioResult[] = [];
  try {
    for (const s of scenarios) {
      const tableName = `${LOCAL_TABLE_PREFIX}${s.name}`;
      await dropTable(client, tableName);
      const result = await runScenario(s, { client, outboxRoot: LOCAL_OUTBOX, tableName });
      results.push(result);
      out(values.json ? JSON.stringify(jsonOf(result)) : renderResult(result));
    }
  } finally {
    client.destroy();
    await ddb.stop();
  }
  if (!values.json) {
    const passed = results.filter((r) => r.expectations.passed).length;
    out(`\n${passed} of ${results.length} scenarios behaved as expected. Outbox: ${LOCAL_OUTBOX}  ·  state: npx prodloop status`);
  }
  return results.every((r) => r.expectations.passed) ? 0 : 1;
}

async function dropTable(client: DynamoDBClient, tableName: string) {
  const { DeleteTableCommand } = await import('@aws-sdk/client-dynamodb');
  await client.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
}

/** The `--json` object of one scenario. */
export function jsonOf(r: ScenarioResult) {
  return {
    scenario: r.scenario,
    lineageId: r.lineageId ?? null,
    decision: r.decision ?? null,
    tier: r.tier ?? null,
    priority: r.priority ?? null,
    attribution: r.attribution ?? null,
    confidence: r.confidence ?? null,
    reasons: r.reasons,
    // The evidence behind the decision: statistics, candidate causes, breadth, logs, deploys.
    evidence: r.evidence ?? null,
    rank: r.rank ?? null,
    verdicts: r.verdicts,
    issuesFiled: r.issuesFiled,
    andonPulled: r.andon,
    locks: r.locks,
    escalations: r.escalations,
    status: r.status,
    path: r.path,
    expectationsMet: r.expectations.passed,
    failures: r.expectations.failures,
  };
}

function parseEventCommand(args: string[], out: (s: string) => void, err: (s: string) => void): number {
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
    err(`rejected: cannot read ${file}: ${(error as Error).message}`);
    return 2;
  }
  const githubEvent = values['github-event'];
  const result = parseEventText(text, {
    tenantDimension: values['tenant-dimension'] ?? 'TenantId',
    ...(githubEvent ? { githubEvent } : {}),
  });
  if (result.outcome === 'rejected') {
    err(`rejected: ${result.reason}`);
    return 2;
  }
  if (result.outcome === 'ignored') {
    out(JSON.stringify({ outcome: 'ignored', reason: result.reason }, null, 2));
    return 0;
  }
  out(JSON.stringify(result.signal, null, 2));
  return 0;
}

const tableOptions = { table: { type: 'string' }, endpoint: { type: 'string' }, region: { type: 'string' } } as const;

/** A client for a deployed table (--table), a given DynamoDB Local (--endpoint), or the last local run's. */
async function openTables(values: { table?: string; endpoint?: string; region?: string }) {
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

const actor = (by: string | undefined) => by ?? process.env.USER ?? process.env.USERNAME ?? 'unknown human';

async function humanAction(kind: 'budget' | 'quarantine', args: string[], out: (s: string) => void): Promise<number> {
  const [verb, target, ...rest] = args;
  const expected = kind === 'budget' ? 'reset' : 'lift';
  if (verb !== expected || !target)
    throw new UsageError(`usage: prodloop ${kind} ${expected} ${kind === 'budget' ? 'LINEAGE' : 'PATH'} --reason TEXT`);
  const { values } = parseArgs({
    args: rest,
    options: {
      ...tableOptions,
      reason: { type: 'string' },
      by: { type: 'string' },
      budget: { type: 'string' },
      scenario: { type: 'string', default: 'fix-works' },
    },
    strict: true,
  });
  if (!values.reason?.trim()) throw new UsageError(`${kind} ${expected} needs --reason: the audit trail records who and why`);
  const budgetUsd = values.budget === undefined ? undefined : Number(values.budget);
  if (budgetUsd !== undefined && !(budgetUsd > 0)) throw new UsageError('--budget must be a positive number of USD');
  const { client, close } = await openTables(values);
  try {
    const store = new DynamoDbLineageStore({ client, tableName: values.table ?? `${LOCAL_TABLE_PREFIX}${values.scenario}` });
    const by = { actor: actor(values.by), reason: values.reason, at: new Date().toISOString() };
    // A deployed stack's halted loop waits in Step Functions; a local run stops its executions when it ends.
    const deployed = Boolean(values.table && !values.endpoint);
    const human = {
      store,
      iterationCap: configuredIterationCap(),
      ...(deployed ? { workflow: new StepFunctionsWorkflow(new SFNClient(values.region ? { region: values.region } : {}), 'unused') } : {}),
    };
    if (kind === 'budget') {
      const { lineage: l, resumption } = await resetBudget(human, target, { ...by, ...(budgetUsd ? { budgetUsd } : {}) });
      out(
        `lineage ${l.lineageId}: iterations ${l.iterations}, spent $${l.costUsd.toFixed(2)} of $${l.budgetUsd.toFixed(2)} (reset by ${by.actor}: ${by.reason})`,
      );
      out(resumption.note);
    } else {
      const { lock, resumptions } = await liftLock(human, target, by);
      out(`quarantine on ${lock.path} lifted by ${by.actor}: ${by.reason}`);
      for (const r of resumptions) out(r.note);
    }
  } finally {
    await close();
  }
  return 0;
}

/** The iteration cap of the configuration in cdk.json (what the stack was deployed with), else the default. */
function configuredIterationCap(): number {
  try {
    const context = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')).context?.prodloop;
    return prodloopConfig.parse(typeof context === 'string' ? JSON.parse(context) : context).iterationCap;
  } catch {
    return prodloopConfig.shape.iterationCap.parse(undefined);
  }
}

/** Audit actions that stop a loop; the newest says since when a halted loop waits. */
const HALT_ACTIONS = ['loop-halted', 'waiting-for-human', 'halt-requested'];

async function status(args: string[], out: (s: string) => void): Promise<number> {
  const { values } = parseArgs({ args, options: { ...tableOptions, lineage: { type: 'string' } }, strict: true });
  const { client, close } = await openTables(values);
  try {
    const tables = values.table
      ? [values.table]
      : ((await client.send(new ListTablesCommand({}))).TableNames ?? []).filter((t) => t.startsWith(LOCAL_TABLE_PREFIX));
    if (tables.length === 0) out('No prodloop tables found. Run `npx prodloop local` first, or pass --table NAME for a deployed stack.');
    for (const table of tables) {
      const store = new DynamoDbLineageStore({ client, tableName: table });
      const lineages = (await store.listLineages()).filter((l) => !values.lineage || l.lineageId === values.lineage);
      const locks = await store.listLocks();
      // Each trail read once: every one shown with --lineage, and a halted lineage's for when and why it stopped.
      const read = lineages.filter((l) => values.lineage || l.status === 'halted');
      const trails = new Map(await Promise.all(read.map(async (l) => [l.lineageId, await store.auditTrail(l.lineageId)] as const)));
      const haltEvents = new Map<string, AuditEvent>();
      for (const l of lineages.filter((x) => x.status === 'halted')) {
        const halt = trails.get(l.lineageId)?.findLast((e) => HALT_ACTIONS.includes(e.action));
        if (halt) haltEvents.set(l.lineageId, halt);
      }
      const local = !values.table && !values.endpoint && table.startsWith(LOCAL_TABLE_PREFIX);
      const tableArgs = local
        ? `--scenario ${table.slice(LOCAL_TABLE_PREFIX.length)}`
        : values.endpoint
          ? `--endpoint ${values.endpoint} --table ${table}`
          : `--table ${table}${values.region ? ` --region ${values.region}` : ''}`;
      out(
        renderStatus(table, lineages, locks, values.lineage ? [...trails.values()].flat() : [], {
          tableArgs,
          iterationCap: configuredIterationCap(),
          haltEvents,
        }),
      );
    }
  } finally {
    await close();
  }
  return 0;
}

/** Subcommands contributed by files in bin/commands/. */
async function extraCommands(): Promise<Command[]> {
  const dir = join(root, 'bin', 'commands');
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .sort();
  const loaded = await Promise.all(files.map(async (f) => ((await import(join(dir, f))) as { command?: Command }).command));
  return loaded.filter((c): c is Command => c !== undefined);
}

function usage(extra: readonly Command[]): string {
  if (extra.length === 0) return USAGE;
  const lines = extra.map((c) => `  ${c.usage.padEnd(40)}${c.summary}`);
  return USAGE.replace('\ntable options:', `${lines.join('\n')}\n\ntable options:`);
}

export async function main(argv: string[], out = (s: string) => console.log(s), err = (s: string) => console.error(s)): Promise<number> {
  const [command, ...rest] = argv;
  const extra = await extraCommands();
  const USAGE = usage(extra);
  try {
    const contributed = extra.find((c) => c.name === command);
    if (contributed) return await contributed.run(rest, { out, err, stdin: readStdin });
    switch (command) {
      case 'local':
        return await local(rest, out);
      case 'parse-event':
        return parseEventCommand(rest, out, err);
      case 'status':
        return await status(rest, out);
      case 'budget':
      case 'quarantine':
        return await humanAction(command, rest, out);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out(USAGE);
        return command ? 0 : 2;
      default:
        err(`unknown command ${command}\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      err(`${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    const e = error as Error;
    err(`prodloop ${command}: ${e.name === 'NotFoundError' || e.name === 'ConflictError' ? '' : `${e.name}: `}${e.message}`);
    return 1;
  }
}
