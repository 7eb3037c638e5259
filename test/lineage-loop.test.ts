/**
 * The lineage state machine, executed from statemachines/lineage.asl.json by aws-local-stepfunctions
 * with the real handler cores against DynamoDB Local: each scenario asserts the path it takes.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { dynamoDbClientFor } from '#adapters/dynamodb-table';
import { runScenario } from '../bin/local/run.ts';
import { loadScenario, type Scenario } from '../bin/local/scenario.ts';
import { dynamoDbLocalEndpoint } from './support/dynamodb.ts';

const client = dynamoDbClientFor(dynamoDbLocalEndpoint());
const outboxRoot = mkdtempSync(join(tmpdir(), 'prodloop-loop-'));
after(() => client.destroy());

const bundled = (name: string): Scenario => loadScenario(join(import.meta.dirname, '..', 'scenarios', `${name}.json`));
const before = (path: string[], a: string, b: string) => path.indexOf(a) >= 0 && path.indexOf(a) < path.indexOf(b);

describe('lineage loop scenarios', () => {
  test('the fix works: issue filed, fix deploy resumes the wait, recovery holds, issue closed', async () => {
    const r = await runScenario(bundled('fix-works'), { client, outboxRoot });
    assert.equal(r.status, 'SUCCEEDED');
    assert.equal(r.decision, 'actionable');
    assert.deepEqual(r.verdicts, ['recovered']);
    assert.equal(r.path.at(-1), 'Resolved');
    assert.ok(before(r.path, 'File issue', 'Wait for fix deploy'));
    assert.ok(before(r.path, 'Wait for fix deploy', 'Charge fix'));
    assert.ok(before(r.path, 'Evaluate fix', 'Close issue'));
    assert.equal(r.path.filter((s) => s === 'Evaluate fix').length, 3, 'recovery must hold for three consecutive evaluations');
    assert.equal(r.andon, false);
    assert.deepEqual(r.escalations, []);
    const issue = readFileSync(join(r.outbox, 'issues', `${r.lineageId}.md`), 'utf8');
    assert.match(issue, /prodloop-metadata/);
    assert.match(issue, /closed/i);
  });

  test('the fix does nothing: three unchanged verdicts, then escalation at the iteration cap', async () => {
    const r = await runScenario(bundled('fix-does-nothing'), { client, outboxRoot });
    assert.deepEqual(r.verdicts, ['unchanged', 'unchanged', 'unchanged']);
    assert.equal(r.path.filter((s) => s === 'Wait for fix deploy').length, 3);
    assert.equal(r.path.filter((s) => s === 'Report unchanged').length, 2);
    assert.ok(r.path.includes('Escalate: iteration cap'));
    assert.equal(r.path.at(-1), 'Escalated');
    assert.deepEqual(r.escalations, ['iteration-cap']);
    assert.ok(!r.path.includes('Close issue'), 'an unchanged signal never closes the issue');
    const pages = readdirSync(join(r.outbox, 'escalations'));
    assert.equal(pages.length, 1);
  });

  test('the fix deploy makes it worse: andon on the first look, code path quarantined, on-call paged', async () => {
    const r = await runScenario(bundled('deploy-makes-it-worse'), { client, outboxRoot });
    assert.deepEqual(r.verdicts, ['worse']);
    assert.equal(r.path.filter((s) => s === 'Evaluate fix').length, 1, 'worse needs less evidence than recovered');
    assert.ok(before(r.path, 'Pull andon cord', 'Escalate'));
    assert.equal(r.andon, true);
    assert.deepEqual(r.locks, ['services/checkout/**']);
    assert.deepEqual(r.escalations, ['andon']);
    const page = readFileSync(join(r.outbox, 'escalations', readdirSync(join(r.outbox, 'escalations'))[0] as string), 'utf8');
    assert.match(page, /quarantine lift/);
  });

  test('the budget runs out before the iteration cap: escalation says budget spent', async () => {
    const base = bundled('fix-does-nothing');
    const s: Scenario = { ...base, name: 'budget-first', config: { defaultBudgetUsd: 10, iterationCostUsd: 5 }, expect: {} };
    const r = await runScenario(s, { client, outboxRoot });
    assert.deepEqual(r.escalations, ['budget-spent']);
    assert.ok(r.path.includes('Escalate: budget spent'));
    assert.ok(r.verdicts.length < 3, 'the loop stops on the budget before the iteration cap');
  });

  test('a short blip below the minimum duration is ignored: nothing is filed', async () => {
    const base = bundled('fix-works');
    const s: Scenario = { ...base, name: 'short-blip', alarm: { ...base.alarm, delayMinutes: 4 }, fixes: [], expect: {} };
    const r = await runScenario(s, { client, outboxRoot });
    assert.equal(r.decision, 'ignore');
    assert.deepEqual(r.path, ['Triage', 'Decide', 'Ignore', 'Ignored']);
    assert.equal(r.issuesFiled.length, 0);
    assert.ok(!existsSync(join(r.outbox, 'issues')) || readdirSync(join(r.outbox, 'issues')).length === 0);
  });

  test('no deploy corroborates the shift: an observation for human triage, never a code-ready issue', async () => {
    const base = bundled('fix-works');
    const s: Scenario = { ...base, name: 'no-suspect', deploys: [], fixes: [], expect: {} };
    const r = await runScenario(s, { client, outboxRoot });
    assert.equal(r.decision, 'observation');
    assert.deepEqual(r.path.slice(-2), ['File observation', 'Observed']);
    assert.equal(r.issuesFiled[0]?.kind, 'observation');
    const body = readFileSync(join(r.outbox, 'issues', `${r.lineageId}.md`), 'utf8');
    assert.match(body, /needs-triage/);
  });
});
