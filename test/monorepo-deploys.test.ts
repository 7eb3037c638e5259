/**
 * Two monorepo deploys that list every file they changed (legal "Deploy Finished" events of about
 * 160 KB each) before an incident: the whole loop, on the real ASL with the local runner's 256 KiB
 * limit on every state, against DynamoDB Local. Before, triage copied every path of every suspect
 * deploy into its decision (322 KB) and the execution died with States.DataLimitExceeded.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, test } from 'vitest';
import { dynamoDbClientFor } from '#adapters/dynamodb/table';
import { runScenario } from '../bin/local/run.ts';
import { loadScenario } from '../bin/local/scenario.ts';
import { dynamoDbLocalEndpoint } from './support/dynamodb.ts';

const client = dynamoDbClientFor(dynamoDbLocalEndpoint());
afterAll(() => client.destroy());

/** 4,000 paths of about 40 characters: a deploy event of about 160 KB. */
const monorepoPaths = (service: string) =>
  Array.from({ length: 4_000 }, (_, i) => `services/${service}/generated/module-${String(i).padStart(5, '0')}.ts`);

describe('monorepo-sized deploys before an incident', () => {
  test('the loop files its issue and validates the fix, every state under 256 KiB', async () => {
    const base = loadScenario(join(import.meta.dirname, '..', 'scenarios', 'fix-works.json'));
    const [suspect] = base.deploys;
    assert.ok(suspect);
    const scenario = {
      ...base,
      name: 'monorepo-deploys',
      deploys: [
        { ...suspect, id: 'deploy-mono-1', minute: suspect.minute - 20, changedPaths: monorepoPaths('search'), prNumbers: [90] },
        { ...suspect, changedPaths: [...suspect.changedPaths, ...monorepoPaths('checkout')] },
      ],
    };
    assert.ok(Buffer.byteLength(JSON.stringify(scenario.deploys[1]?.changedPaths)) > 150_000);
    const r = await runScenario(scenario, { client, outboxRoot: mkdtempSync(join(tmpdir(), 'prodloop-mono-')) });
    assert.ok(!r.timeline.some((e) => /DataLimitExceeded/.test(e.text)), r.timeline.map((e) => e.text).join('\n'));
    assert.equal(r.decision, 'actionable');
    assert.equal(r.attribution, 'platform-deploy');
    assert.deepEqual(r.verdicts, ['recovered']);
    assert.equal(r.issuesFiled.length, 1);
    assert.equal(r.evidence?.suspectDeploys.find((d) => d.deployId === suspect.id)?.changedPathsOmitted, 4_001 - 100);
  });
});
