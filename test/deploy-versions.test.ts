/**
 * The commit an AWS-native deploy shipped, read from CodeDeploy, ECS and CloudFormation, with the SDK
 * clients mocked at `send`: answers shaped like the real APIs', the real deploy events parsed first.
 */
import assert from 'node:assert/strict';
import { CloudFormationServiceException } from '@aws-sdk/client-cloudformation';
import { DeploymentDoesNotExistException, ThrottlingException } from '@aws-sdk/client-codedeploy';
import { AccessDeniedException, ServerException } from '@aws-sdk/client-ecs';
import { describe, test } from 'vitest';
import { AwsDeployVersions } from '#adapters/aws/deploy-versions';
import { TransientError } from '#domain/shared/errors';
import { parseDeployEvent } from '#domain/signals/deploy';
import { commitFromImage, DEFAULT_STACK_COMMIT_KEYS } from '#domain/signals/deploy-version';
import type { DeploySignal } from '#domain/signals/signals';
import { needRealData, readReal } from './support/real-data.ts';

const realData = needRealData('deploy-events');
const real = (file: string) => JSON.parse(readReal('deploy-events', file));
const ECS_COMPLETED = 'awsdocs-ecsdg_ecs_cwe_events__example-service-deployment-completed-event.json';
const CODEDEPLOY_SUCCESS = 'rustlambda_example-codedeploy-deployment-event.json';
const STACK_CREATED = 'awsdocs-cfnug_eventbridge-events__the-following-is-an-example-response-for-a-stack-status-event-schema.json';

function signalOf(event: unknown): DeploySignal {
  const parsed = parseDeployEvent(event);
  assert.equal(parsed.outcome, 'accepted', parsed.outcome === 'accepted' ? '' : parsed.reason);
  return (parsed as { signal: DeploySignal }).signal;
}

type Sent = { name: string; input: Record<string, unknown> };
/** A client whose `send` records each command and answers (or throws) from a script. */
function fakeClient(answer: (name: string, input: Record<string, unknown>) => unknown) {
  const sent: Sent[] = [];
  const client = {
    async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
      sent.push({ name: command.constructor.name, input: command.input });
      const out = answer(command.constructor.name, command.input);
      if (out instanceof Error) throw out;
      return out;
    },
  };
  return { client, sent };
}

const unused = fakeClient(() => assert.fail('not called'));

function versions(clients: { codeDeploy?: unknown; ecs?: unknown; cloudFormation?: unknown }, region?: string) {
  return new AwsDeployVersions({
    codeDeploy: (clients.codeDeploy ?? unused.client) as never,
    ecs: (clients.ecs ?? unused.client) as never,
    cloudFormation: (clients.cloudFormation ?? unused.client) as never,
    stackCommitKeys: [...DEFAULT_STACK_COMMIT_KEYS],
    ...(region ? { region } : {}),
  });
}

const SHA_NEW = '9f2c1e7b4a6d8f0e3c5b7a9d1e2f4a6c8b0d2e4f';
const SHA_OLD = '1a3c5e7f9b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a';
const metadata = (httpStatusCode: number) => ({ httpStatusCode, requestId: 'req-1', attempts: 3, totalRetryDelay: 0 });

/** A task definition as DescribeTaskDefinition returns it. */
function taskDefinition(arn: string, containers: object[]) {
  const [family, revision] = (arn.split('/').at(-1) ?? '').split(':');
  return {
    taskDefinition: {
      taskDefinitionArn: arn,
      family,
      revision: Number(revision),
      status: 'ACTIVE',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
      containerDefinitions: containers,
    },
    tags: [],
  };
}

const TD_NEW = 'arn:aws:ecs:us-west-2:111122223333:task-definition/servicetest:42';
const TD_OLD = 'arn:aws:ecs:us-west-2:111122223333:task-definition/servicetest:41';

/** DescribeServices for the real event's service: the deployment of the event (PRIMARY) and the one it replaces (ACTIVE). */
function describeServices(deployments: object[]) {
  return {
    services: [
      {
        serviceArn: 'arn:aws:ecs:us-west-2:111122223333:service/default/servicetest',
        serviceName: 'servicetest',
        clusterArn: 'arn:aws:ecs:us-west-2:111122223333:cluster/default',
        status: 'ACTIVE',
        desiredCount: 2,
        runningCount: 2,
        launchType: 'FARGATE',
        taskDefinition: TD_NEW,
        deploymentController: { type: 'ECS' },
        deployments,
      },
    ],
    failures: [],
  };
}

const primary = {
  id: 'ecs-svc/123',
  status: 'PRIMARY',
  taskDefinition: TD_NEW,
  rolloutState: 'COMPLETED',
  desiredCount: 2,
  runningCount: 2,
};
const draining = {
  id: 'ecs-svc/122',
  status: 'ACTIVE',
  taskDefinition: TD_OLD,
  rolloutState: 'COMPLETED',
  desiredCount: 0,
  runningCount: 1,
};

describe.skipIf(realData.skip)('ECS deploys', () => {
  test("an ECS deployment's commit is its image's OCI revision label; the commit before it comes from the deployment still draining", async () => {
    const ecs = fakeClient((name, input) => {
      if (name === 'DescribeServicesCommand') return describeServices([primary, draining]);
      if (input.taskDefinition === TD_NEW) {
        return taskDefinition(TD_NEW, [
          { name: 'log-router', image: 'public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.0', essential: false },
          {
            name: 'web',
            image: '111122223333.dkr.ecr.us-west-2.amazonaws.com/shop/web:release-2026.03',
            essential: true,
            dockerLabels: {
              'org.opencontainers.image.revision': SHA_NEW,
              'org.opencontainers.image.source': 'https://github.com/acme/shop',
            },
          },
        ]);
      }
      return taskDefinition(TD_OLD, [{ name: 'web', image: `111122223333.dkr.ecr.us-west-2.amazonaws.com/shop/web:${SHA_OLD}` }]);
    });
    const version = await versions({ ecs: ecs.client }).versionOf(signalOf(real(ECS_COMPLETED)));
    assert.equal(version.commitSha, SHA_NEW);
    assert.equal(version.previousSha, SHA_OLD);
    assert.match(version.how, /label org\.opencontainers\.image\.revision of container web in task definition servicetest:42/);
    assert.match(version.how, /image tag of container web in task definition servicetest:41/);
    assert.deepEqual(ecs.sent[0], {
      name: 'DescribeServicesCommand',
      input: { cluster: 'default', services: ['arn:aws:ecs:us-west-2:111122223333:service/default/servicetest'] },
    });
  });

  test('without a label, an image tag that is a sha names the commit; a version, a date or latest does not', async () => {
    assert.equal(commitFromImage('111122223333.dkr.ecr.us-west-2.amazonaws.com/shop/web:0a1b2c3'), '0a1b2c3');
    assert.equal(commitFromImage('ghcr.io/acme/web:sha-0a1b2c3@sha256:4f1e0a7c'), '0a1b2c3');
    assert.equal(commitFromImage(`registry.local:5000/web:${SHA_NEW.toUpperCase()}`), SHA_NEW);
    for (const image of ['registry.local:5000/web', 'web:latest', 'web:20260304', 'web:1.4.2', 'web@sha256:9f2c1e7b4a6d8f0e3c5b']) {
      assert.equal(commitFromImage(image), undefined, image);
    }
    const ecs = fakeClient((name) =>
      name === 'DescribeServicesCommand'
        ? describeServices([primary])
        : taskDefinition(TD_NEW, [
            { name: 'web', image: 'shop/web:latest', dockerLabels: { 'org.opencontainers.image.revision': 'main' } },
          ]),
    );
    const version = await versions({ ecs: ecs.client }).versionOf(signalOf(real(ECS_COMPLETED)));
    assert.equal(version.commitSha, undefined);
    assert.match(version.how, /no commit in task definition servicetest:42.*shop\/web:latest/);
  });

  test('a deployment ECS no longer lists (a newer one replaced it) gives no commit, and says so', async () => {
    const ecs = fakeClient(() => describeServices([{ ...primary, id: 'ecs-svc/124' }]));
    const version = await versions({ ecs: ecs.client }).versionOf(signalOf(real(ECS_COMPLETED)));
    assert.equal(version.commitSha, undefined);
    assert.match(version.how, /no longer lists deployment ecs-svc\/123/);
    assert.equal(ecs.sent.length, 1);
  });

  test('access denied gives no commit and says why; a 5xx is transient', async () => {
    const denied = fakeClient(
      () =>
        new AccessDeniedException({
          message: 'User: arn:aws:sts::111122223333:assumed-role/prodloop is not authorized to perform: ecs:DescribeServices',
          $metadata: metadata(400),
        }),
    );
    const version = await versions({ ecs: denied.client }).versionOf(signalOf(real(ECS_COMPLETED)));
    assert.equal(version.commitSha, undefined);
    assert.match(version.how, /^access denied describing ECS service servicetest of cluster default \(AccessDeniedException: User/);

    const outage = fakeClient(() => new ServerException({ message: 'Service unavailable', $metadata: metadata(500) }));
    await assert.rejects(versions({ ecs: outage.client }).versionOf(signalOf(real(ECS_COMPLETED))), TransientError);
  });

  test('a deploy of another region is not looked up', async () => {
    const version = await versions({}, 'eu-west-1').versionOf(signalOf(real(ECS_COMPLETED)));
    assert.equal(version.commitSha, undefined);
    assert.match(version.how, /ran in us-west-2; prodloop looks deploys up in eu-west-1 only/);
  });
});

/** GetDeployment's answer for the real event's deployment. */
function deployment(revision: object, previousRevision?: object) {
  return {
    deploymentInfo: {
      applicationName: 'myApplication',
      deploymentGroupName: 'myDeploymentGroup',
      deploymentConfigName: 'CodeDeployDefault.OneAtATime',
      deploymentId: 'd-123456789',
      status: 'Succeeded',
      computePlatform: 'Server',
      creator: 'user',
      revision,
      ...(previousRevision ? { previousRevision } : {}),
    },
  };
}

describe.skipIf(realData.skip)('CodeDeploy deploys', () => {
  test('a GitHub revision names the commit, and the previous revision the one before it', async () => {
    const codeDeploy = fakeClient(() =>
      deployment(
        { revisionType: 'GitHub', gitHubLocation: { repository: 'acme/shop', commitId: SHA_NEW } },
        { revisionType: 'GitHub', gitHubLocation: { repository: 'acme/shop', commitId: SHA_OLD } },
      ),
    );
    const version = await versions({ codeDeploy: codeDeploy.client }).versionOf(signalOf(real(CODEDEPLOY_SUCCESS)));
    assert.deepEqual([version.commitSha, version.previousSha], [SHA_NEW, SHA_OLD]);
    assert.deepEqual(codeDeploy.sent, [{ name: 'GetDeploymentCommand', input: { deploymentId: 'd-123456789' } }]);
  });

  test('an S3 bundle names no commit unless its key holds the full sha', async () => {
    const s3 = (key: string) => ({ revisionType: 'S3', s3Location: { bucket: 'acme-builds', key, bundleType: 'zip', eTag: 'a1b2c3' } });
    const named = fakeClient(() => deployment(s3(`shop/${SHA_NEW}.zip`), s3('shop/build-41.zip')));
    const version = await versions({ codeDeploy: named.client }).versionOf(signalOf(real(CODEDEPLOY_SUCCESS)));
    assert.equal(version.commitSha, SHA_NEW);
    assert.equal(version.previousSha, undefined);
    assert.match(version.how, /before it: previous revision: an S3 bundle \(s3:\/\/acme-builds\/shop\/build-41\.zip\) names no commit/);

    const unnamed = fakeClient(() => deployment(s3('shop/build-42.zip')));
    const none = await versions({ codeDeploy: unnamed.client }).versionOf(signalOf(real(CODEDEPLOY_SUCCESS)));
    assert.equal(none.commitSha, undefined);
    assert.match(none.how, /names no commit; put the 40-character sha in its key, or send "Deploy Finished"/);
  });

  test("an ECS blue/green deployment's AppSpec names the task definition whose label carries the commit", async () => {
    const appSpec = (td: string) => ({
      revisionType: 'AppSpecContent',
      appSpecContent: {
        content: JSON.stringify({
          version: 0.0,
          Resources: [
            {
              TargetService: {
                Type: 'AWS::ECS::Service',
                Properties: { TaskDefinition: td, LoadBalancerInfo: { ContainerName: 'web', ContainerPort: 8080 } },
              },
            },
          ],
        }),
        sha256: 'c0ffee',
      },
    });
    const codeDeploy = fakeClient(() => deployment(appSpec(TD_NEW), appSpec(TD_OLD)));
    const ecs = fakeClient((_name, input) =>
      taskDefinition(String(input.taskDefinition), [
        {
          name: 'web',
          image: 'shop/web:stable',
          dockerLabels: { 'org.opencontainers.image.revision': input.taskDefinition === TD_NEW ? SHA_NEW : SHA_OLD },
        },
      ]),
    );
    const version = await versions({ codeDeploy: codeDeploy.client, ecs: ecs.client }).versionOf(signalOf(real(CODEDEPLOY_SUCCESS)));
    assert.deepEqual([version.commitSha, version.previousSha], [SHA_NEW, SHA_OLD]);
    assert.deepEqual(
      ecs.sent.map((s) => s.input.taskDefinition),
      [TD_NEW, TD_OLD],
    );
  });

  test('a deployment CodeDeploy does not know gives no commit; throttling is transient', async () => {
    const gone = fakeClient(
      () => new DeploymentDoesNotExistException({ message: 'The deployment d-123456789 could not be found', $metadata: metadata(400) }),
    );
    const version = await versions({ codeDeploy: gone.client }).versionOf(signalOf(real(CODEDEPLOY_SUCCESS)));
    assert.equal(version.commitSha, undefined);
    assert.match(version.how, /^not found reading CodeDeploy deployment d-123456789/);

    const throttled = fakeClient(() => new ThrottlingException({ message: 'Rate exceeded', $metadata: metadata(400) }));
    await assert.rejects(versions({ codeDeploy: throttled.client }).versionOf(signalOf(real(CODEDEPLOY_SUCCESS))), TransientError);
  });
});

/** A CloudFormation failure as the SDK raises it (query protocol: the error code is the name). */
function cfnError(name: string, message: string, status: number) {
  return new CloudFormationServiceException({ name, message, $fault: 'client', $metadata: metadata(status) });
}

describe.skipIf(realData.skip)('CloudFormation deploys', () => {
  const stack = (extra: object) => ({
    Stacks: [
      {
        StackId: 'arn:aws:cloudformation:us-west-1:111122223333:stack/teststack',
        StackName: 'teststack',
        CreationTime: new Date('2017-12-22T18:40:02.114Z'),
        StackStatus: 'CREATE_COMPLETE',
        Parameters: [{ ParameterKey: 'Env', ParameterValue: 'prod' }],
        Outputs: [],
        Tags: [],
        ...extra,
      },
    ],
  });

  test('a stack tag names the commit; a parameter or output with another configured key does too', async () => {
    const tagged = fakeClient(() =>
      stack({
        Tags: [
          { Key: 'team', Value: 'checkout' },
          { Key: 'prodloop:commit', Value: SHA_NEW },
        ],
      }),
    );
    const version = await versions({ cloudFormation: tagged.client }).versionOf(signalOf(real(STACK_CREATED)));
    assert.equal(version.commitSha, SHA_NEW);
    assert.equal(version.previousSha, undefined, 'the commit before comes from the last recorded deploy of the stack');
    assert.match(version.how, /tag prodloop:commit of stack teststack/);
    assert.deepEqual(tagged.sent[0]?.input, { StackName: 'arn:aws:cloudformation:us-west-1:111122223333:stack/teststack' });

    const parameter = fakeClient(() =>
      stack({ Parameters: [{ ParameterKey: 'GitSha', ParameterValue: '{{resolve}}', ResolvedValue: SHA_OLD }] }),
    );
    const fromParameter = await versions({ cloudFormation: parameter.client }).versionOf(signalOf(real(STACK_CREATED)));
    assert.equal(fromParameter.commitSha, SHA_OLD);
  });

  test('a stack updated again since the deploy, or without a commit key, gives no commit', async () => {
    const updated = fakeClient(() =>
      stack({ LastUpdatedTime: new Date('2017-12-22T19:02:00Z'), Tags: [{ Key: 'prodloop:commit', Value: SHA_NEW }] }),
    );
    const later = await versions({ cloudFormation: updated.client }).versionOf(signalOf(real(STACK_CREATED)));
    assert.equal(later.commitSha, undefined);
    assert.match(later.how, /changed again at 2017-12-22T19:02:00\.000Z, after this deploy/);

    const bare = fakeClient(() => stack({}));
    const none = await versions({ cloudFormation: bare.client }).versionOf(signalOf(real(STACK_CREATED)));
    assert.match(none.how, /no tag, parameter or output prodloop:commit, CommitSha, GitSha, GitCommit holds a commit sha/);
  });

  test('a stack that is gone or denied gives no commit; throttling is transient', async () => {
    const gone = fakeClient(() =>
      cfnError('ValidationError', 'Stack with id arn:aws:cloudformation:us-west-1:111122223333:stack/teststack does not exist', 400),
    );
    assert.match((await versions({ cloudFormation: gone.client }).versionOf(signalOf(real(STACK_CREATED)))).how, /^not found describing/);
    const denied = fakeClient(() => cfnError('AccessDenied', 'not authorized to perform: cloudformation:DescribeStacks', 403));
    assert.match((await versions({ cloudFormation: denied.client }).versionOf(signalOf(real(STACK_CREATED)))).how, /^access denied/);
    const throttled = fakeClient(() => cfnError('Throttling', 'Rate exceeded', 400));
    await assert.rejects(versions({ cloudFormation: throttled.client }).versionOf(signalOf(real(STACK_CREATED))), TransientError);
  });
});
