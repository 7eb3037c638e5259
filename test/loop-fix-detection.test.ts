/**
 * Fix detection end to end at the handler: record-deploy with the real GitHub code host (Octokit over
 * HTTP to the local GitHub: compare, then each pull request) and the real store on DynamoDB Local.
 * Step Functions has no local implementation here, so its client is answered at the SDK boundary.
 * One file over 400 lines: its cases share the waiting lineages, the local GitHub and the record-deploy
 * builders above.
 */
import assert from 'node:assert/strict';
import { CodeDeployServiceException, ThrottlingException } from '@aws-sdk/client-codedeploy';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { AwsDeployVersions } from '#adapters/aws/deploy-versions';
import { StepFunctionsWorkflow } from '#adapters/aws/sfn';
import { createOctokit, GitHubCodeHost } from '#adapters/github/github';
import { makeRecordDeploy } from '#app/record-deploy';
import { parseConfig } from '#domain/config/config';
import { TransientError } from '#domain/shared/errors';
import type { DeployVersions } from '#ports/deploys';
import { deployFinishedEvent } from '../bin/local/events.ts';
import { localDefaultConfig } from '../bin/local/scenario.ts';
import { type TestStore, testStore } from './support/dynamodb.ts';
import { type GitHubServer, startGitHubServer } from './support/github-server.ts';
import { needRealData, readReal } from './support/real-data.ts';
import { sampleAlarm } from './support/samples.ts';
import { recordingSfnClient } from './support/sfn.ts';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const T0 = new Date('2026-03-02T09:15:00Z');
/** When record-deploy receives the deploys: after every one of them (prodloop refuses events stamped ahead of its clock). */
const RECEIVED = new Date(T0.getTime() + 3 * 3_600_000);
const config = parseConfig(localDefaultConfig);
const realData = needRealData('deploy-events');

const sfnClient = recordingSfnClient;

let github: GitHubServer;
let t: TestStore;

beforeAll(async () => {
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

afterAll(async () => {
  await github.close();
  t.client.destroy();
});

/**
 * record-deploy as deployed, against `store`: real Octokit to the local GitHub server, the lineage
 * loop and the deploy watch behind recording Step Functions clients, AWS deploys read by `deployVersions`.
 */
function recordDeployWith(store: TestStore['store'], deployVersions?: DeployVersions) {
  const loop = sfnClient();
  const watch = sfnClient();
  const octokit = createOctokit({ token: 't', baseUrl: github.baseUrl, retries: 0, spaceWrites: false, logger: quiet });
  const record = makeRecordDeploy({
    config,
    store,
    clock: { now: () => RECEIVED },
    logger: quiet,
    parking: { park: async () => assert.fail('nothing is parked') },
    workflow: new StepFunctionsWorkflow(loop.client, 'arn:aws:states:us-east-1:1:stateMachine:lineage'),
    deployWatch: new StepFunctionsWorkflow(watch.client, 'arn:aws:states:us-east-1:1:stateMachine:deploy-watch'),
    codeHost: new GitHubCodeHost({ octokit, owner: 'acme', repo: 'shop', baseBranch: 'main' }),
    ...(deployVersions ? { deployVersions } : {}),
  });
  return { record, loop, watch };
}

/** record-deploy whose code host says every deploy ships pull request #4, "Fixes #2"; Step Functions through `client`. */
function recordDeployShippingFix(client: SFNClient, park: (event: unknown, reason: string) => Promise<void> = async () => undefined) {
  return makeRecordDeploy({
    config: parseConfig({ ...localDefaultConfig, fixDetection: 'pull-requests' }),
    store: t.store,
    clock: { now: () => RECEIVED },
    logger: quiet,
    parking: { park: async (event, reason) => park(event, reason) },
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
}

/** Two lineages of the checkout service, each with its issue, each waiting for a fix. */
async function twoWaitingLineages(store = t.store) {
  const ids: string[] = [];
  for (const [n, metric] of [
    [1, 'Errors5xx'],
    [2, 'LatencyP99'],
  ] as const) {
    const id = `lin-${metric.toLowerCase()}${Date.now().toString(36)}`;
    await store.openLineage({
      lineageId: id,
      signal: sampleAlarm({
        alarmName: `prod-checkout-${metric}`,
        at: T0.toISOString(),
        fingerprint: `fp-${id}`,
        metrics: [{ namespace: 'Shop/Checkout', metricName: metric, dimensions: { Service: 'checkout' } }],
      }),
      service: 'checkout',
      codePaths: ['services/checkout/**'],
      budgetUsd: 50,
      at: T0.toISOString(),
    });
    await store.recordIssue(
      id,
      { number: n, url: `https://github.com/acme/shop/issues/${n}`, kind: 'issue', shadow: false },
      T0.toISOString(),
    );
    await store.parkForFix(id, `token-${id}`, T0.toISOString());
    ids.push(id);
  }
  return ids as [string, string];
}

describe('which lineage a deploy resumes', () => {
  test('a deploy whose pull request closes issue #2 resumes that lineage only; a deploy of the same service without such a pull request resumes none', async () => {
    const [first, second] = await twoWaitingLineages();
    const { record, loop, watch } = recordDeployWith(t.store);
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
    const record = recordDeployShippingFix(client);
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

describe('a deploy stamped with a time prodloop cannot believe', () => {
  test('a fix deploy stamped a day ahead is parked with why, and the real fix after it still resumes the loop', async () => {
    const [, second] = await twoWaitingLineages();
    const sent: string[] = [];
    const parked: string[] = [];
    const client = {
      send: async (command: { input: Record<string, unknown> }) => {
        sent.push(String(command.input.taskToken));
        return {};
      },
    } as unknown as SFNClient;
    const record = recordDeployShippingFix(client, async (_event, reason) => {
      parked.push(reason);
    });
    const ahead = new Date(RECEIVED.getTime() + 24 * 3_600_000);
    const future = await record(
      deployFinishedEvent({ id: 'deploy-future', service: 'checkout', changedPaths: [], prNumbers: [4], at: ahead }),
    );
    assert.equal(future.outcome, 'rejected');
    assert.match(parked[0] ?? '', /ahead of prodloop's clock/);
    assert.deepEqual(sent, [], 'the stamped deploy resumes nothing');

    const real = await record(
      deployFinishedEvent({
        id: 'deploy-real',
        service: 'checkout',
        changedPaths: [],
        prNumbers: [4],
        at: new Date(T0.getTime() + 90 * 60_000),
      }),
    );
    assert.deepEqual(real.outcome === 'recorded' && real.resumed, [second]);
    assert.deepEqual(sent, [`token-${second}`]);
  });
});

describe.skipIf(realData.skip)('AWS-native deploys: the commit read from AWS', () => {
  const realEvent = (file: string) => JSON.parse(readReal('deploy-events', file));
  const at = (m: number) => new Date(T0.getTime() + m * 60_000).toISOString();
  /** The real ECS "deployment completed" event, for the checkout service of cluster prod. */
  const ecsCompleted = (deploymentId: string, minutes: number) => {
    const event = realEvent('awsdocs-ecsdg_ecs_cwe_events__example-service-deployment-completed-event.json');
    event.resources = ['arn:aws:ecs:us-west-2:111122223333:service/prod/checkout'];
    event.detail.deploymentId = deploymentId;
    event.detail.updatedAt = at(minutes);
    return event;
  };
  /** The real CodeDeploy "deployment succeeded" event, for the checkout application. */
  const codeDeploySucceeded = (deploymentId: string, minutes: number) => {
    const event = realEvent('rustlambda_example-codedeploy-deployment-event.json');
    event.detail.application = 'checkout';
    event.detail.deploymentId = deploymentId;
    event.time = at(minutes);
    return event;
  };
  /** A client mocked at `send`: each command answered (or thrown) by `answer`. */
  const client = (answer: (name: string, input: Record<string, unknown>) => unknown) => ({
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const out = answer(command.constructor.name, command.input);
      if (out instanceof Error) throw out;
      return out;
    },
  });
  const unused = client(() => assert.fail('not called'));
  const versions = (clients: { codeDeploy?: unknown; ecs?: unknown }): DeployVersions =>
    new AwsDeployVersions({
      codeDeploy: (clients.codeDeploy ?? unused) as never,
      ecs: (clients.ecs ?? unused) as never,
      cloudFormation: unused as never,
      stackCommitKeys: config.stackCommitKeys,
    });
  const metadata = { httpStatusCode: 400, requestId: 'req-1', attempts: 3, totalRetryDelay: 0 };

  async function recorder(deployVersions: DeployVersions) {
    const s = await testStore();
    const lineages = await twoWaitingLineages(s.store);
    const { record, loop, watch } = recordDeployWith(s.store, deployVersions);
    const recorded = async () => s.store.deploysBetween('checkout', T0.toISOString(), at(24 * 60));
    const watched = () => watch.sent.filter((w) => w.command === 'StartExecutionCommand').map((w) => JSON.parse(String(w.input.input)));
    return { store: s.store, lineages, loop, watched, record, recorded, close: () => s.client.destroy() };
  }

  beforeAll(() => {
    github.addIssue({
      title: 'Retry the payment call once',
      body: 'The gateway drops one call in a thousand.\n\nFixes #1',
      pull_request: { head: 'fix/payment-retry', base: 'main', draft: false, merged: true },
    }); // #5
    // Merged with a merge commit whose message names no pull request.
    github.commits.push(
      { sha: 'b000001', message: 'Retry the payment call once', parents: ['a000003'], pulls: [5], files: ['services/checkout/pay.ts'] },
      { sha: 'a000004', message: "Merge branch 'fix/payment-retry'", parents: ['a000003', 'b000001'], pulls: [5] },
    );
  });

  test('an ECS deploy whose image carries a merge commit without "(#N)" resumes the lineage whose issue that pull request closes, and is watched', async () => {
    const taskDefinition = (arn: string, containers: object[]) => ({
      taskDefinition: { taskDefinitionArn: arn, family: 'checkout', status: 'ACTIVE', containerDefinitions: containers },
      tags: [],
    });
    const ecs = client((name, input) => {
      if (name === 'DescribeServicesCommand') {
        return {
          services: [
            {
              serviceArn: 'arn:aws:ecs:us-west-2:111122223333:service/prod/checkout',
              serviceName: 'checkout',
              clusterArn: 'arn:aws:ecs:us-west-2:111122223333:cluster/prod',
              deployments: [
                { id: 'ecs-svc/4711', status: 'PRIMARY', taskDefinition: 'arn:aws:ecs:us-west-2:111122223333:task-definition/checkout:12' },
                { id: 'ecs-svc/4710', status: 'ACTIVE', taskDefinition: 'arn:aws:ecs:us-west-2:111122223333:task-definition/checkout:11' },
              ],
            },
          ],
          failures: [],
        };
      }
      return String(input.taskDefinition).endsWith(':12')
        ? taskDefinition(String(input.taskDefinition), [
            {
              name: 'web',
              image: 'shop/checkout:2026.03.2',
              essential: true,
              dockerLabels: { 'org.opencontainers.image.revision': 'a000004' },
            },
          ])
        : taskDefinition(String(input.taskDefinition), [{ name: 'web', image: 'shop/checkout:a000003', essential: true }]);
    });
    const r = await recorder(versions({ ecs }));
    const [first, second] = r.lineages;

    const outcome = await r.record(ecsCompleted('ecs-svc/4711', 60));
    assert.deepEqual(outcome.outcome === 'recorded' && [outcome.duplicate, outcome.resumed], [false, [first]]);
    assert.deepEqual(
      r.loop.sent.map((s) => [s.command, s.input.taskToken]),
      [['SendTaskSuccessCommand', `token-${first}`]],
    );
    const output = JSON.parse(String(r.loop.sent[0]?.input.output));
    assert.deepEqual([output.deploy.commitSha, output.deploy.previousSha, output.prs], ['a000004', 'a000003', [5]]);
    assert.match(output.fixedBy, /closes issue #1/);
    assert.equal((await r.store.getLineage(second))?.status, 'awaiting-fix', 'the other lineage of the service keeps waiting');

    const [recorded] = await r.recorded();
    assert.equal(recorded?.commitSha, 'a000004', 'recorded with its commit: the next deploy of the service compares from it');
    assert.match(
      recorded?.commitSource ?? '',
      /label org\.opencontainers\.image\.revision of container web in task definition checkout:12/,
    );
    assert.deepEqual(
      r.watched().map((w) => [w.deploy.deployId, w.deploy.commitSha, w.files, w.covered]),
      [['ecs-svc/4711', 'a000004', ['services/checkout/pay.ts'], [first]]],
    );
    r.close();
  });

  test('a CodeDeploy deploy whose lookup is denied is still recorded, with why, and still watched; it resumes nothing', async () => {
    const denied = client(
      () =>
        new CodeDeployServiceException({
          name: 'AccessDeniedException',
          $fault: 'client',
          $metadata: metadata,
          message:
            'User: arn:aws:sts::123456789012:assumed-role/prodloop-RecordDeploy is not authorized to perform: codedeploy:GetDeployment',
        }),
    );
    const r = await recorder(versions({ codeDeploy: denied }));
    const outcome = await r.record(codeDeploySucceeded('d-DENIED01', 60));
    assert.deepEqual(outcome.outcome === 'recorded' && [outcome.duplicate, outcome.resumed, outcome.queued], [false, [], []]);
    assert.equal(r.loop.sent.length, 0);
    const [recorded] = await r.recorded();
    assert.equal(recorded?.deployId, 'd-DENIED01');
    assert.equal(recorded?.commitSha, undefined);
    assert.match(recorded?.commitSource ?? '', /^access denied reading CodeDeploy deployment d-DENIED01 \(AccessDeniedException: /);
    assert.deepEqual(
      r.watched().map((w) => w.deploy.deployId),
      ['d-DENIED01'],
      'a deploy of a configured service is watched without a commit',
    );
    r.close();
  });

  test('a throttled lookup records nothing and fails the delivery; the redelivery records the deploy once and resumes once', async () => {
    let throttled = true;
    const codeDeploy = client(() => {
      if (throttled) {
        throttled = false;
        return new ThrottlingException({ message: 'Rate exceeded', $metadata: metadata });
      }
      return {
        deploymentInfo: {
          applicationName: 'checkout',
          deploymentGroupName: 'prod',
          deploymentId: 'd-RETRY0001',
          status: 'Succeeded',
          computePlatform: 'Server',
          revision: { revisionType: 'GitHub', gitHubLocation: { repository: 'acme/shop', commitId: 'a000004' } },
          previousRevision: { revisionType: 'GitHub', gitHubLocation: { repository: 'acme/shop', commitId: 'a000003' } },
        },
      };
    });
    const r = await recorder(versions({ codeDeploy }));
    const [first] = r.lineages;
    const event = codeDeploySucceeded('d-RETRY0001', 60);

    await assert.rejects(r.record(event), TransientError);
    assert.deepEqual(await r.recorded(), [], 'nothing recorded before the commit is known');
    assert.equal((await r.store.getLineage(first))?.status, 'awaiting-fix');

    const redelivered = await r.record(event);
    assert.deepEqual(redelivered.outcome === 'recorded' && [redelivered.duplicate, redelivered.resumed], [false, [first]]);
    const again = await r.record(event);
    assert.deepEqual(again.outcome === 'recorded' && [again.duplicate, again.resumed], [true, []]);
    assert.deepEqual(
      r.loop.sent.map((s) => s.input.taskToken),
      [`token-${first}`],
      'resumed once',
    );
    assert.deepEqual(
      (await r.recorded()).map((d) => [d.deployId, d.commitSha, d.previousSha]),
      [['d-RETRY0001', 'a000004', 'a000003']],
    );
    r.close();
  });
});
