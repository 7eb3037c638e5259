/** The labeled triage suite (scenarios/suite/): it is complete, and a few of its scenarios end to end on DynamoDB Local. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, test } from 'vitest';
import { dynamoDbClientFor } from '#adapters/dynamodb/table';
import { runScenario } from '../bin/local/run.ts';
import { loadScenario } from '../bin/local/scenario.ts';
import { dynamoDbLocalEndpoint } from './support/dynamodb.ts';

const dir = join(import.meta.dirname, '..', 'scenarios', 'suite');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
const suite = files.map((f) => loadScenario(join(dir, f)));
const byName = (name: string) => {
  const s = suite.find((x) => x.name === name);
  assert.ok(s, `suite scenario ${name}`);
  return s;
};

describe('the labeled suite', () => {
  test('has at least 40 scenarios, each labeled with the decision a careful SRE would make', () => {
    assert.ok(suite.length >= 40, `${suite.length} scenarios`);
    assert.equal(new Set(suite.map((s) => s.name)).size, suite.length, 'names are unique');
    for (const s of suite) assert.ok(s.expect.decision, `${s.name} has a decision label`);
    const decisions = new Set(suite.map((s) => s.expect.decision));
    assert.deepEqual(decisions, new Set(['actionable', 'observation', 'ignore']));
  });

  test('covers every kind of problem the triage must tell apart', () => {
    const covered = (pattern: RegExp) => suite.some((s) => pattern.test(s.name));
    for (const kind of [
      /^deploy-regression/,
      /^dependency-bump/,
      /^external/,
      /^single-tenant/,
      /^few-tenants-config/,
      /^pre-existing-trend/,
      /^low-traffic/,
      /blip/,
      /^storm-500-tenants/,
      /^quarantined/,
    ]) {
      assert.ok(covered(kind), `no scenario for ${kind}`);
    }
    assert.ok(suite.some((s) => s.storm?.tenants === 500));
  });
});

describe('suite scenarios end to end', () => {
  const client = dynamoDbClientFor(dynamoDbLocalEndpoint());
  const outboxRoot = mkdtempSync(join(tmpdir(), 'prodloop-suite-'));
  afterAll(() => client.destroy());

  test('an outage storm across 500 tenants and two alarms files one observation, attributed outside the service', async () => {
    const r = await runScenario(byName('storm-500-tenants-external'), { client, outboxRoot });
    assert.equal(r.issuesFiled.length, 1);
    assert.equal(r.decision, 'observation');
    assert.equal(r.attribution, 'external-dependency');
    // Every storm event has an outcome (none rejected); whatever lineages or generations they open fold into one problem.
    const storm = r.timeline.find((t) => t.kind === 'storm')?.text ?? '';
    const counted = [...storm.matchAll(/(in-flight|started|ignored) (\d+)/g)].reduce((n, m) => n + Number(m[2]), 0);
    assert.equal(counted, 1000, storm);
  });

  test("a single tenant's misconfiguration is an observation whose issue never names the tenant", async () => {
    const r = await runScenario(byName('single-tenant-misconfiguration'), { client, outboxRoot });
    assert.equal(r.decision, 'observation');
    assert.equal(r.attribution, 'user-configuration');
    const issue = readFileSync(join(r.outbox, 'issues', readdirSync(join(r.outbox, 'issues'))[0] as string), 'utf8');
    assert.ok(!issue.includes('acme-corp'), 'the tenant name is pseudonymized');
    assert.match(issue, /\[tenant:[0-9a-f]{10}\]/);
    assert.match(issue, /## Error distribution/);
    assert.match(issue, /needs-triage/);
  });

  test('a weekly peak that the previous weeks explain files nothing', async () => {
    const r = await runScenario(byName('weekly-peak'), { client, outboxRoot });
    assert.equal(r.decision, 'ignore');
    assert.equal(r.issuesFiled.length, 0);
    assert.equal(r.evidence?.statistics?.model, 'seasonal');
  });
});
