/** What `budget reset` and `quarantine lift` share: their options, who acts, and the human use case wired to a table. */
import { parseArgs } from 'node:util';
import { SFNClient } from '@aws-sdk/client-sfn';
import { StepFunctionsWorkflow } from '#adapters/aws/sfn';
import { DynamoDbLineageStore } from '#adapters/dynamodb/store';
import type { HumanDeps } from '#app/human';
import { UsageError } from './command.ts';
import { configuredIterationCap, LOCAL_TABLE_PREFIX, openTables, tableOptions } from './local-state.ts';

const actor = (by: string | undefined) => by ?? process.env.USER ?? process.env.USERNAME ?? 'unknown human';

/**
 * Parses `<verb> TARGET --reason TEXT [--by NAME] [--budget USD] [table options]` and runs `act` with
 * the human use case's dependencies and who acts and why; the audit trail records both.
 */
export async function humanAction(
  kind: 'budget' | 'quarantine',
  args: string[],
  act: (human: HumanDeps, target: string, by: { actor: string; reason: string; at: string }, budgetUsd?: number) => Promise<void>,
): Promise<number> {
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
    const human: HumanDeps = {
      store,
      iterationCap: configuredIterationCap(),
      ...(deployed ? { workflow: new StepFunctionsWorkflow(new SFNClient(values.region ? { region: values.region } : {}), 'unused') } : {}),
    };
    await act(human, target, by, budgetUsd);
  } finally {
    await close();
  }
  return 0;
}
