/**
 * The lineage state machine, executed from statemachines/lineage.asl.json by aws-local-stepfunctions
 * with the real handler cores against DynamoDB Local (and the deploy watch from
 * statemachines/deploy-watch.asl.json): each scenario asserts the path it takes.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, test } from 'vitest';
import { DynamoDbLineageStore } from '#adapters/dynamodb/store';
import { dynamoDbClientFor } from '#adapters/dynamodb/table';
import { runScenario } from '../bin/local/run.ts';
import { loadScenario, type Scenario } from '../bin/local/scenario.ts';
import { dynamoDbLocalEndpoint } from './support/dynamodb.ts';

const client = dynamoDbClientFor(dynamoDbLocalEndpoint());
const outboxRoot = mkdtempSync(join(tmpdir(), 'prodloop-loop-'));
afterAll(() => client.destroy());

const bundled = (name: string): Scenario => loadScenario(join(import.meta.dirname, '..', 'scenarios', `${name}.json`));
const precedes = (path: string[], a: string, b: string) => path.indexOf(a) >= 0 && path.indexOf(a) < path.indexOf(b);
const count = (path: string[], state: string) => path.filter((s) => s === state).length;
const pages = (outbox: string) => readdirSync(join(outbox, 'escalations')).map((f) => readFileSync(join(outbox, 'escalations', f), 'utf8'));
/** The run's table, for what the audit trail recorded. */
const storeOf = (tableName: string) => new DynamoDbLineageStore({ client, tableName });

describe('lineage loop scenarios', () => {
  test('the fix works: issue filed, fix deploy resumes the wait, recovery holds, issue closed', async () => {
    const r = await runScenario(bundled('fix-works'), { client, outboxRoot });
    assert.equal(r.status, 'SUCCEEDED');
    assert.equal(r.decision, 'actionable');
    assert.deepEqual(r.verdicts, ['recovered']);
    assert.equal(r.path.at(-1), 'Resolved');
    assert.equal(r.finalStatus, 'resolved');
    assert.ok(precedes(r.path, 'File issue', 'Wait for fix deploy'));
    assert.ok(precedes(r.path, 'Wait for fix deploy', 'Charge fix'));
    assert.ok(precedes(r.path, 'Evaluate fix', 'Close issue'));
    assert.ok(count(r.path, 'Evaluate fix') >= 3, 'recovery must hold for several consecutive evaluations');
    assert.equal(r.andon, false);
    assert.deepEqual(r.escalations, []);
    const issue = readFileSync(join(r.outbox, 'issues', `${r.lineageId}.md`), 'utf8');
    assert.match(issue, /prodloop-metadata/);
    assert.match(issue, /closed/i);
  });

  test('the fix does nothing: three unchanged verdicts, a fresh execution per iteration, then the cap halts the loop for a human', async () => {
    const r = await runScenario(bundled('fix-does-nothing'), { client, outboxRoot });
    assert.deepEqual(r.verdicts, ['unchanged', 'unchanged', 'unchanged']);
    assert.equal(count(r.path, 'Wait for fix deploy'), 3);
    assert.equal(count(r.path, 'Report unchanged'), 2);
    assert.equal(count(r.path, 'Resume?'), 3, 'each iteration runs in its own execution');
    assert.equal(count(r.path, 'Continued'), 2);
    assert.ok(precedes(r.path, 'Escalate: iteration cap', 'Wait for a human'));
    assert.equal(r.path.at(-1), 'Wait for a human');
    assert.equal(r.status, 'HALTED');
    assert.equal(r.finalStatus, 'halted');
    assert.deepEqual(r.escalations, ['iteration-cap']);
    assert.ok(!r.path.includes('Close issue'), 'an unchanged signal never closes the issue');
    const [page] = pages(r.outbox);
    assert.equal(pages(r.outbox).length, 1);
    assert.match(page as string, /3 fix attempts in a row did not improve prod-checkout-5xx/);
    assert.match(page as string, /npx prodloop budget reset lin-[0-9a-f]+ --reason/);
    assert.match(page as string, /Spend so far: \$15\.00 of \$50\.00/);
  });

  test('the fix deploy makes it worse: andon on the first look, revert pull request, code path quarantined, on-call paged', async () => {
    const r = await runScenario(bundled('deploy-makes-it-worse'), { client, outboxRoot });
    assert.deepEqual(r.verdicts, ['worse']);
    assert.equal(count(r.path, 'Evaluate fix'), 1, 'worse needs less evidence than recovered');
    assert.ok(precedes(r.path, 'Pull andon cord', 'Propose revert'));
    assert.ok(precedes(r.path, 'Propose revert', 'Escalate'));
    assert.equal(r.andon, true);
    assert.deepEqual(r.locks, ['services/checkout/**']);
    assert.deepEqual(r.escalations, ['andon']);
    assert.equal(r.reverts?.length, 1);
    const revert = readFileSync(r.reverts?.[0]?.file as string, 'utf8');
    assert.match(revert, /# Revert deploy deploy-302 of checkout/);
    assert.match(revert, /acme\/shop#302/);
    assert.match(revert, /\| prod-checkout-5xx \| before \/ after \| 20 \| \d+ \|/);
    assert.match(revert, /Prodloop-Lineage: lin-/);
    const [page] = pages(r.outbox);
    assert.match(page as string, /quarantine lift 'services\/checkout\/\*\*'/);
    assert.match(page as string, /Proposed a revert: pull request #1 outbox:\/\/pulls\/1/);
    assert.equal(r.finalStatus, 'halted', 'the loop waits for a human to lift the lock');
  });

  test('the budget runs out first: a reported cost spends it while the loop waits, the wait is stopped and on-call paged', async () => {
    const r = await runScenario(bundled('budget-runs-out'), { client, outboxRoot, tableName: 'loop-budget-runs-out' });
    assert.ok(r.expectations.passed, r.expectations.failures.join('; '));
    assert.deepEqual(r.verdicts, ['unchanged'], 'the loop stops before a second validation, far from the cap of 3');
    assert.deepEqual(r.escalations, ['budget-spent']);
    assert.ok(precedes(r.path, 'Wait for fix deploy', 'Escalate: budget spent'));
    assert.equal(count(r.path, 'Charge fix'), 1, 'the second attempt is never charged: the budget was already spent');
    const lineage = await storeOf('loop-budget-runs-out').getLineage(r.lineageId as string);
    assert.equal(lineage?.status, 'halted');
    assert.equal(lineage?.haltReason, 'budget-spent');
    assert.equal(lineage?.reportedCostUsd, 16);
    assert.ok(
      (lineage?.ownCostUsd ?? 0) > 0 && (lineage?.ownCostUsd ?? 1) < 0.01,
      `prodloop's own estimate is charged too: ${lineage?.ownCostUsd}`,
    );
    assert.equal(lineage?.queuedFix?.deployId, 'deploy-803', 'the deploy that shipped meanwhile waits for the next wait');
    const [page] = pages(r.outbox);
    assert.match(page as string, /spent its budget \(\$21\.00 of \$20\.00\)/);
    assert.match(page as string, /\$4\.00 reported by CI or agents|\$16\.00 reported by CI or agents/);
    assert.match(page as string, /budget reset/);
  });

  test('the budget runs out before the iteration cap (charged attempts alone): escalation says budget spent', async () => {
    const base = bundled('fix-does-nothing');
    const s: Scenario = { ...base, name: 'budget-first', config: { defaultBudgetUsd: 10, iterationCostUsd: 5 }, expect: {} };
    const r = await runScenario(s, { client, outboxRoot });
    assert.deepEqual(r.escalations, ['budget-spent']);
    assert.ok(r.path.includes('Escalate: budget spent'));
    assert.ok(r.verdicts.length < 3, 'the loop stops on the budget before the iteration cap');
  });

  test('a human reset resumes the loop: it waits for the next fix, which closes the issue', async () => {
    const r = await runScenario(bundled('human-reset-resumes'), { client, outboxRoot, tableName: 'loop-human-reset' });
    assert.ok(r.expectations.passed, r.expectations.failures.join('; '));
    assert.deepEqual(r.verdicts, ['unchanged', 'unchanged', 'recovered']);
    const afterHuman = r.path.slice(r.path.indexOf('Wait for a human') + 1);
    assert.deepEqual(
      afterHuman.slice(0, 4),
      ['Next iteration', 'Continued', 'Resume?', 'Wait for fix deploy'],
      'the reset resumes the loop into a fresh wait',
    );
    assert.equal(r.path.at(-1), 'Resolved');
    const trail = await storeOf('loop-human-reset').auditTrail(r.lineageId as string);
    const reset = trail.find((e) => e.action === 'budget-reset');
    assert.equal(reset?.actor, 'dana@acme.example');
    assert.match(String(reset?.detail.reason), /real fix/);
    assert.equal(reset?.detail.previousIterations, 2);
    const resumed = trail.find((e) => e.action === 'loop-resumed');
    assert.equal(resumed?.actor, 'dana@acme.example');
    assert.equal(resumed?.detail.haltReason, 'iteration-cap');
    assert.ok(trail.indexOf(reset as never) < trail.indexOf(resumed as never));
  });

  test('a deploy that is not a fix but makes it worse pulls the andon through the deploy watch and halts the waiting loop; lifting the lock resumes it', async () => {
    const r = await runScenario(bundled('deploy-watch-andon'), { client, outboxRoot, tableName: 'loop-deploy-watch' });
    assert.ok(r.expectations.passed, r.expectations.failures.join('; '));
    assert.ok(precedes(r.path, 'Halted by andon', 'Wait for a human'), 'the wait is failed with prodloop.Halted');
    assert.ok(!r.path.includes('Pull andon cord'), "the lineage's own validation never ran on the bad deploy");
    assert.equal(r.reverts?.length, 1);
    assert.match(readFileSync(r.reverts?.[0]?.file as string, 'utf8'), /Revert deploy deploy-702/);
    const [page] = pages(r.outbox);
    assert.match(page as string, /ANDON, deploy made it worse: checkout deploy-702/);
    assert.match(
      page as string,
      /prod-checkout-5xx: \d+ vs \d+(\.\d+)? \(\d\.\d\dx the trend-adjusted level before\), e-value \S+ ≥ 100, \d+ points after/,
    );
    assert.match(page as string, /Halted 1 fix loop\(s\) on those paths: lin-/);
    assert.match(page as string, /quarantine lift 'services\/checkout\/\*\*'/);
    const trail = await storeOf('loop-deploy-watch').auditTrail(r.lineageId as string);
    assert.ok(trail.some((e) => e.action === 'loop-halted' && e.detail.reason === 'andon' && e.detail.deployId === 'deploy-702'));
    const lift = trail.find((e) => e.action === 'quarantine-lifted');
    assert.equal(lift, undefined, 'the lock belongs to the deploy, not to the lineage');
    assert.ok(trail.some((e) => e.action === 'loop-resumed' && e.actor === 'sam@acme.example'));
  });

  test('a deploy of the same service whose pull request does not reference the issue does not resume the loop; the one that does resumes it', async () => {
    const r = await runScenario(bundled('fix-detection'), { client, outboxRoot, tableName: 'loop-fix-detection' });
    assert.ok(r.expectations.passed, r.expectations.failures.join('; '));
    assert.equal(count(r.path, 'Wait for fix deploy'), 1, 'one wait, resumed once');
    assert.ok(r.timeline.some((t) => t.kind === 'deploy' && /deploy-502 .* references no waiting lineage: resumes nothing/.test(t.text)));
    assert.ok(r.timeline.some((t) => t.kind === 'deploy' && /deploy-503 .* → resumes lin-/.test(t.text)));
    const trail = await storeOf('loop-fix-detection').auditTrail(r.lineageId as string);
    assert.deepEqual(
      trail.filter((e) => e.action === 'fix-deploy-claimed').map((e) => e.detail.deployId),
      ['deploy-503'],
    );
  });

  test('duplicate and out-of-order deploy events resume the loop once', async () => {
    const r = await runScenario(bundled('duplicate-deploy-events'), { client, outboxRoot, tableName: 'loop-duplicates' });
    assert.ok(r.expectations.passed, r.expectations.failures.join('; '));
    assert.equal(count(r.path, 'Charge fix'), 1);
    assert.equal(count(r.path, 'Start validation'), 1);
    const deploys = r.timeline.filter((t) => t.kind === 'deploy' && /deploy-60[23]/.test(t.text)).map((t) => t.text);
    assert.equal(deploys.filter((t) => /→ resumes lin-/.test(t)).length, 1);
    assert.ok(deploys.some((t) => /late event: deploy-602.*resumes nothing/.test(t)));
    const trail = await storeOf('loop-duplicates').auditTrail(r.lineageId as string);
    assert.deepEqual(
      trail.filter((e) => e.action === 'fix-deploy-claimed').map((e) => e.detail.deployId),
      ['deploy-603'],
    );
  });

  test('a short blip below the minimum duration is ignored: nothing is filed', async () => {
    const base = bundled('fix-works');
    const s: Scenario = { ...base, name: 'short-blip', alarm: { ...base.alarm, delayMinutes: 4 }, fixes: [], expect: {} };
    const r = await runScenario(s, { client, outboxRoot });
    assert.equal(r.decision, 'ignore');
    assert.deepEqual(r.path, ['Resume?', 'Triage', 'Decide', 'Ignore', 'Ignored']);
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
