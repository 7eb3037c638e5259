/**
 * Fix detection end to end at the handler: record-deploy with the real GitHub code host (Octokit over
 * HTTP to the local GitHub: compare, then each pull request) and the real store on DynamoDB Local.
 * Step Functions has no local implementation here, so its client is answered at the SDK boundary.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { createOctokit, GitHubCodeHost } from '#adapters/github';
import { StepFunctionsWorkflow } from '#adapters/sfn';
import { parseConfig } from '#core/config';
import { deployFinishedEvent } from '../bin/local/run.ts';
import { localDefaultConfig } from '../bin/local/scenario.ts';
import { makeRecordDeploy } from '../lambdas/record-deploy/app.ts';
import { type TestStore, testStore } from './support/dynamodb.ts';
import { type GitHubServer, startGitHubServer } from './support/github-server.ts';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const T0 = new Date('2026-03-02T09:15:00Z');
const config = parseConfig(localDefaultConfig);

/** An SFN client that records what it was sent. */
function sfnClient() {
  const sent: { command: string; input: Record<string, unknown> }[] = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      sent.push({ command: command.constructor.name, input: command.input });
      return {};
    },
  } as unknown as SFNClient;
  return { client, sent };
}

let github: GitHubServer;
let t: TestStore;

before(async () => {
  github = await startGitHubServer();
  t = await testStore();
  github.addIssue({ title: 'prod-checkout-5xx', labels: ['prodloop'] }); // #1
  github.addIssue({ title: 'prod-checkout-latency', labels: ['prodloop'] }); // #2
  github.addIssue({
    title: 'Tidy checkout logging',
    body: 'Structured fields for the request logger.',
    pull_request: { head: 'obs/logging', base: 'main', draft: false, merged: true },
  }); // #3
  github.addIssue({
    title: 'Cache the price list per request',
    body: 'The latency came from reloading prices for every line.\n\nFixes #2',
    pull_request: { head: 'fix/prices', base: 'main', draft: false, merged: true },
  }); // #4
  github.commits.push(
    { sha: 'a000001', message: 'Checkout v1', files: ['services/checkout/cart.ts'] },
    { sha: 'a000002', message: 'Tidy checkout logging (#3)', files: ['services/checkout/logging.ts'] },
    { sha: 'a000003', message: 'Cache the price list per request (#4)', files: ['services/checkout/prices.ts'] },
  );
});

after(async () => {
  await github.close();
  t.client.destroy();
});

/** Two lineages of the checkout service, each with its issue, each waiting for a fix. */
async function twoWaitingLineages() {
  const ids: string[] = [];
  for (const [n, metric] of [
    [1, 'Errors5xx'],
    [2, 'LatencyP99'],
  ] as const) {
    const id = `lin-${metric.toLowerCase()}${Date.now().toString(36)}`;
    await t.store.openLineage({
      lineageId: id,
      signal: {
        kind: 'alarm',
        source: 'eventbridge',
        alarmName: `prod-checkout-${metric}`,
        state: 'ALARM',
        reason: '',
        at: T0.toISOString(),
        variant: 'single-metric',
        metrics: [{ namespace: 'Shop/Checkout', metricName: metric, dimensions: { Service: 'checkout' } }],
        childAlarms: [],
        fingerprint: `fp-${id}`,
      },
      service: 'checkout',
      codePaths: ['services/checkout/**'],
      budgetUsd: 50,
      at: T0.toISOString(),
    });
    await t.store.recordIssue(
      id,
      { number: n, url: `https://github.com/acme/shop/issues/${n}`, kind: 'issue', shadow: false },
      T0.toISOString(),
    );
    await t.store.parkForFix(id, `token-${id}`, T0.toISOString());
    ids.push(id);
  }
  return ids as [string, string];
}

describe('which lineage a deploy resumes', () => {
  test('a deploy whose pull request closes issue #2 resumes that lineage only; a deploy of the same service without such a pull request resumes none', async () => {
    const [first, second] = await twoWaitingLineages();
    const loop = sfnClient();
    const watch = sfnClient();
    const octokit = createOctokit({ token: 't', baseUrl: github.baseUrl, retries: 0, spaceWrites: false, logger: quiet });
    const record = makeRecordDeploy({
      config,
      store: t.store,
      clock: { now: () => T0 },
      logger: quiet,
      parking: { park: async () => assert.fail('nothing is parked') },
      workflow: new StepFunctionsWorkflow(loop.client, 'arn:aws:states:us-east-1:1:stateMachine:lineage'),
      deployWatch: new StepFunctionsWorkflow(watch.client, 'arn:aws:states:us-east-1:1:stateMachine:deploy-watch'),
      codeHost: new GitHubCodeHost({ octokit, owner: 'acme', repo: 'shop', baseBranch: 'main' }),
    });
    const at = (m: number) => new Date(T0.getTime() + m * 60_000);

    // The logging deploy: its commits name PR #3, which references nothing.
    const logging = await record(
      deployFinishedEvent({ id: 'deploy-logging', service: 'checkout', changedPaths: [], prNumbers: [], commitSha: 'a000002', at: at(30) }),
    );
    assert.equal(logging.outcome, 'recorded');
    assert.deepEqual(logging.outcome === 'recorded' && logging.resumed, []);
    assert.equal(loop.sent.length, 0, 'no lineage resumed');
    assert.equal((await t.store.getLineage(first))?.status, 'awaiting-fix');
    assert.equal((await t.store.getLineage(second))?.status, 'awaiting-fix');

    // The prices deploy: previousSha from the last deploy of the service (a000002), compare names PR #4: "Fixes #2".
    const prices = await record(
      deployFinishedEvent({ id: 'deploy-prices', service: 'checkout', changedPaths: [], prNumbers: [], commitSha: 'a000003', at: at(60) }),
    );
    assert.deepEqual(prices.outcome === 'recorded' && prices.resumed, [second]);
    assert.deepEqual(
      loop.sent.map((s) => [s.command, s.input.taskToken]),
      [['SendTaskSuccessCommand', `token-${second}`]],
    );
    const output = JSON.parse(String(loop.sent[0]?.input.output));
    assert.equal(output.deploy.deployId, 'deploy-prices');
    assert.deepEqual(output.prs, [4]);
    assert.match(output.fixedBy, /closes issue #2/);
    assert.equal((await t.store.getLineage(first))?.status, 'awaiting-fix', 'the other lineage of the service keeps waiting');

    // Both deploys touch watched paths, so both are watched; the one that resumed a lineage leaves its alarm to that loop.
    const starts = watch.sent.filter((s) => s.command === 'StartExecutionCommand').map((s) => JSON.parse(String(s.input.input)));
    assert.deepEqual(
      starts.map((s) => [s.deploy.deployId, s.covered]),
      [
        ['deploy-logging', []],
        ['deploy-prices', [second]],
      ],
    );
    assert.deepEqual(starts[1]?.files, ['services/checkout/prices.ts']);
  });

  test('when Step Functions fails the resume, the claim is undone and the redelivered event resumes the loop', async () => {
    const [, second] = await twoWaitingLineages();
    const sent: string[] = [];
    let throttle = true;
    const client = {
      send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        if (throttle) {
          throttle = false;
          const error = new Error('Rate exceeded');
          error.name = 'ThrottlingException';
          throw error;
        }
        sent.push(String(command.input.taskToken));
        return {};
      },
    } as unknown as SFNClient;
    const record = makeRecordDeploy({
      config: parseConfig({ ...localDefaultConfig, fixDetection: 'pull-requests' }),
      store: t.store,
      clock: { now: () => T0 },
      logger: quiet,
      parking: { park: async () => undefined },
      workflow: new StepFunctionsWorkflow(client, 'unused'),
      codeHost: {
        resolveDeploy: async (d) => ({
          prs: [{ number: 4, title: 'Cache prices', body: 'Fixes #2' }],
          commitMessages: [],
          files: d.changedPaths,
          resolvedBy: 'event',
        }),
        proposeRevert: async () => ({ proposed: false, reason: 'not in this test' }),
      },
    });
    const event = deployFinishedEvent({
      id: 'deploy-retry',
      service: 'checkout',
      changedPaths: [],
      prNumbers: [4],
      at: new Date(T0.getTime() + 90 * 60_000),
    });
    await assert.rejects(record(event), /Rate exceeded/);
    assert.equal((await t.store.getLineage(second))?.status, 'awaiting-fix', 'the wait goes on');
    const retried = await record(event);
    assert.deepEqual(retried.outcome === 'recorded' && [retried.duplicate, retried.resumed], [true, [second]]);
    assert.deepEqual(sent, [`token-${second}`]);
  });
});
