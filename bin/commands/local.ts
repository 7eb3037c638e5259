/** `prodloop local`: the bundled scenarios (or one, or a suite) end to end on DynamoDB Local and the real ASL. */

import { parseArgs } from 'node:util';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoDbClientFor } from '#adapters/dynamodb/table';
import type { Command } from '../command.ts';
import { startDynamoDbLocal } from '../local/dynamodb-local.ts';
import { renderResult } from '../local/render.ts';
import { runScenario, type ScenarioResult } from '../local/run.ts';
import { bundledScenarios, LOCAL_DB, LOCAL_OUTBOX, LOCAL_TABLE_PREFIX, resolveScenario } from '../local-state.ts';

export const command: Command = {
  name: 'local',
  order: 1,
  usage: 'local [--scenario NAME|FILE] [--suite NAME] [--json]',
  summary: 'run the bundled scenarios (or one, or a suite in scenarios/NAME/) end to end',
  async run(args, io) {
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
        io.out(values.json ? JSON.stringify(jsonOf(result)) : renderResult(result));
      }
    } finally {
      client.destroy();
      await ddb.stop();
    }
    if (!values.json) {
      const passed = results.filter((r) => r.expectations.passed).length;
      io.out(`\n${passed} of ${results.length} scenarios behaved as expected. Outbox: ${LOCAL_OUTBOX}  ·  state: npx prodloop status`);
    }
    return results.every((r) => r.expectations.passed) ? 0 : 1;
  },
};

async function dropTable(client: DynamoDBClient, tableName: string) {
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
