import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'vitest';
import { cloudFormationStatus, deployFinishedDetail, parseDeployEvent } from '#domain/signals/deploy';
import { type DeploySignal, deploySignal, type ParseResult } from '#domain/signals/signals';
import { needRealData, readReal, realFiles } from './support/real-data.ts';

const realData = needRealData('deploy-events');

const malformedDir = new URL('./fixtures/malformed/', import.meta.url);
const syntheticDir = new URL('./fixtures/synthetic/', import.meta.url);

const FIXTURES = {
  cloudFormation: 'awsdocs-cfnug_eventbridge-events__the-following-is-an-example-response-for-a-stack-status-event-schema.json',
  ecsCompleted: 'awsdocs-ecsdg_ecs_cwe_events__example-service-deployment-completed-event.json',
  ecsFailed: 'awsdocs-ecsdg_ecs_cwe_events__example-service-deployment-failed-event.json',
  ecsSteadyState: 'awsdocs-ecsdg_ecs_cwe_events__example-service-steady-state-event.json',
  ecsInProgress: 'awsdocs-ecsdg_ecs_cwe_events__the-following-shows-an-example-output-for-an-initial-deployment-starti.json',
  codeDeploy: 'rustlambda_example-codedeploy-deployment-event.json',
} as const;

/** What each real fixture must give; every real file the tests read must be listed here. */
const EXPECTED: Readonly<Record<string, 'accepted' | 'ignored'>> = {
  [FIXTURES.cloudFormation]: 'accepted',
  [FIXTURES.ecsCompleted]: 'accepted',
  [FIXTURES.ecsFailed]: 'accepted',
  [FIXTURES.ecsSteadyState]: 'ignored',
  [FIXTURES.ecsInProgress]: 'accepted',
  [FIXTURES.codeDeploy]: 'accepted',
};

// biome-ignore lint/suspicious/noExplicitAny: fixtures are edited freely in tests
function read(dir: URL, name: string): any {
  return JSON.parse(readFileSync(new URL(name, dir), 'utf8'));
}

// biome-ignore lint/suspicious/noExplicitAny: fixtures are edited freely in tests
function real(name: string): any {
  return JSON.parse(readReal('deploy-events', name));
}

function accepted(result: ParseResult<DeploySignal>): DeploySignal {
  assert.equal(result.outcome, 'accepted', result.outcome === 'accepted' ? '' : result.reason);
  return (result as Extract<ParseResult<DeploySignal>, { outcome: 'accepted' }>).signal;
}

function parse(name: string): DeploySignal {
  return accepted(parseDeployEvent(real(name)));
}

const deployFinished = (detail: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  version: '0',
  id: '0b7c2f1e-5d4a-4c3b-9a8f-7e6d5c4b3a21',
  'detail-type': 'Deploy Finished',
  source: 'prodloop.ci',
  account: '123456789012',
  time: '2025-03-04T09:41:07Z',
  region: 'eu-west-1',
  resources: [],
  detail,
  ...extra,
});

describe.skipIf(realData.skip)('parseDeployEvent on real AWS deploy events', () => {
  it('accepts every deployment fixture and ignores the ECS steady-state event', () => {
    const files = realFiles('deploy-events').filter((f) => f.endsWith('.json'));
    assert.deepEqual([...files].sort(), Object.keys(EXPECTED).sort(), 'every fixture has an expected outcome');
    for (const file of files) {
      const result = parseDeployEvent(real(file));
      assert.equal(result.outcome, EXPECTED[file], `${file}: ${result.outcome === 'accepted' ? 'accepted' : result.reason}`);
      if (result.outcome === 'accepted') assert.doesNotThrow(() => deploySignal.parse(result.signal), file);
    }
  });

  it('a CodeDeploy success names the application as service and the deployment id', () => {
    assert.deepEqual(parse(FIXTURES.codeDeploy), {
      kind: 'deploy',
      source: 'codedeploy',
      deployId: 'd-123456789',
      service: 'myApplication',
      status: 'succeeded',
      at: '2016-06-30T22:06:31.000Z',
      region: 'us-east-1',
      account: '123456789012',
      prNumbers: [],
      changedPaths: [],
      dependencyChanges: [],
    });
  });

  it('CodeDeploy states map to deploy statuses; READY is ignored and an unknown state rejected', () => {
    const withState = (state: string) => {
      const event = real(FIXTURES.codeDeploy);
      event.detail.state = state;
      return parseDeployEvent(event);
    };
    assert.equal(accepted(withState('START')).status, 'started');
    assert.equal(accepted(withState('FAILURE')).status, 'failed');
    assert.equal(accepted(withState('STOP')).status, 'failed');
    assert.equal(withState('READY').outcome, 'ignored');
    assert.equal(withState('BOGUS').outcome, 'rejected');
  });

  it('a CodeDeploy instance state change is ignored', () => {
    const event = { ...real(FIXTURES.codeDeploy), 'detail-type': 'CodeDeploy Instance State-change Notification' };
    assert.equal(parseDeployEvent(event).outcome, 'ignored');
  });

  it('ECS deployment events name the service from its ARN and map the deployment state', () => {
    const completed = parse(FIXTURES.ecsCompleted);
    assert.equal(completed.source, 'ecs');
    assert.equal(completed.service, 'servicetest');
    assert.equal(completed.deployId, 'ecs-svc/123');
    assert.equal(completed.status, 'succeeded');
    assert.equal(completed.at, '2020-05-23T11:11:11.000Z');
    assert.equal(completed.region, 'us-west-2');
    assert.equal(parse(FIXTURES.ecsFailed).status, 'failed');
    assert.equal(parse(FIXTURES.ecsInProgress).status, 'started');
  });

  it('an ECS service ARN in the old format (no cluster) still names the service', () => {
    const event = real(FIXTURES.ecsCompleted);
    event.resources = ['arn:aws:ecs:us-west-2:111122223333:service/checkout'];
    assert.equal(accepted(parseDeployEvent(event)).service, 'checkout');
  });

  it('ECS and CloudFormation deploys keep the service ARN or stack id their commit is looked up on', () => {
    assert.equal(parse(FIXTURES.ecsCompleted).resourceArn, 'arn:aws:ecs:us-west-2:111122223333:service/default/servicetest');
    assert.equal(parse(FIXTURES.cloudFormation).resourceArn, 'arn:aws:cloudformation:us-west-1:111122223333:stack/teststack');
  });

  it('an ECS steady-state service action is ignored with the event name in the reason', () => {
    const result = parseDeployEvent(real(FIXTURES.ecsSteadyState));
    assert.equal(result.outcome, 'ignored');
    assert.match(result.outcome === 'ignored' ? result.reason : '', /SERVICE_STEADY_STATE/);
  });

  it('a CloudFormation stack creation names the stack and keys the deploy on the event id without a request token', () => {
    const s = parse(FIXTURES.cloudFormation);
    assert.equal(s.source, 'cloudformation');
    assert.equal(s.service, 'teststack');
    assert.equal(s.status, 'succeeded');
    assert.equal(s.deployId, 'arn:aws:cloudformation:us-west-1:111122223333:stack/teststack:6a7e8feb-b491-4cf7-a9f1-bf3703467718');
    assert.equal(s.at, '2017-12-22T18:43:48.000Z');
  });

  it('the events of one CloudFormation operation share a deploy id through the client request token', () => {
    const withStatus = (status: string, id: string) => {
      const event = real(FIXTURES.cloudFormation);
      event.id = id;
      event.detail['stack-id'] = 'arn:aws:cloudformation:us-west-1:111122223333:stack/checkout/1f2e3d4c-0000-4000-8000-000000000000';
      event.detail['status-details'].status = status;
      event.detail['client-request-token'] = 'Console-UpdateStack-123';
      return accepted(parseDeployEvent(event));
    };
    const started = withStatus('UPDATE_IN_PROGRESS', 'a');
    const finished = withStatus('UPDATE_COMPLETE', 'b');
    assert.equal(started.service, 'checkout');
    assert.equal(started.status, 'started');
    assert.equal(finished.status, 'succeeded');
    assert.equal(started.deployId, finished.deployId);
  });

  it('CloudFormation stack statuses map to deploy statuses; deletions, cleanups and rollbacks under way are ignored', () => {
    const cases: Record<string, string> = {
      CREATE_COMPLETE: 'succeeded',
      UPDATE_COMPLETE: 'succeeded',
      IMPORT_COMPLETE: 'succeeded',
      ROLLBACK_COMPLETE: 'rolled-back',
      UPDATE_ROLLBACK_COMPLETE: 'rolled-back',
      CREATE_FAILED: 'failed',
      UPDATE_FAILED: 'failed',
      UPDATE_ROLLBACK_FAILED: 'failed',
      CREATE_IN_PROGRESS: 'started',
      UPDATE_IN_PROGRESS: 'started',
      UPDATE_ROLLBACK_IN_PROGRESS: 'ignored',
      ROLLBACK_IN_PROGRESS: 'ignored',
      UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: 'ignored',
      UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS: 'ignored',
      REVIEW_IN_PROGRESS: 'ignored',
      DELETE_IN_PROGRESS: 'ignored',
      DELETE_COMPLETE: 'ignored',
      DELETE_FAILED: 'ignored',
      exploded: 'unknown',
    };
    for (const [status, expected] of Object.entries(cases)) {
      const mapped = cloudFormationStatus(status);
      assert.equal(typeof mapped === 'object' ? 'ignored' : mapped, expected, status);
      const event = real(FIXTURES.cloudFormation);
      event.detail['status-details'].status = status;
      const outcome = parseDeployEvent(event).outcome;
      assert.equal(outcome, expected === 'ignored' ? 'ignored' : expected === 'unknown' ? 'rejected' : 'accepted', status);
    }
  });

  it('other CloudFormation events are ignored', () => {
    const event = { ...real(FIXTURES.cloudFormation), 'detail-type': 'CloudFormation Resource Status Change' };
    assert.equal(parseDeployEvent(event).outcome, 'ignored');
  });
});

describe('the "Deploy Finished" event', () => {
  it('a complete Deploy Finished event carries every field into the signal', () => {
    const s = accepted(parseDeployEvent(read(syntheticDir, 'deploy-finished.json')));
    assert.deepEqual(s, {
      kind: 'deploy',
      source: 'custom',
      deployId: 'gha-run-9876543210',
      service: 'checkout',
      environment: 'production',
      status: 'succeeded',
      at: '2025-03-04T09:40:55.000Z',
      commitSha: '9f2c1e7b4a6d8f0e3c5b7a9d1e2f4a6c8b0d2e4f',
      previousSha: '1a3c5e7f9b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a',
      prNumbers: [412, 415],
      changedPaths: ['services/checkout/src/cart.ts', 'package-lock.json'],
      dependencyChanges: [{ name: 'pg', from: '8.11.3', to: '8.12.0' }],
      cohort: 'canary-10',
      region: 'eu-west-1',
      account: '123456789012',
    });
  });

  it('a minimal Deploy Finished event defaults its deploy id, status, time and lists', () => {
    const s = accepted(parseDeployEvent(deployFinished({ service: 'checkout', commitSha: 'abc1234' })));
    assert.equal(s.deployId, 'checkout:abc1234');
    assert.equal(s.status, 'succeeded');
    assert.equal(s.at, '2025-03-04T09:41:07.000Z');
    assert.deepEqual([s.prNumbers, s.changedPaths, s.dependencyChanges], [[], [], []]);
    assert.equal(s.environment, undefined);
  });

  it('a Deploy Finished event is accepted from any source', () => {
    const s = accepted(parseDeployEvent(deployFinished({ service: 'checkout', commitSha: 'abc1234' }, { source: 'acme.release' })));
    assert.equal(s.source, 'custom');
  });

  it('a failed or rolled-back deploy keeps its status', () => {
    for (const status of ['started', 'failed', 'rolled-back'] as const) {
      assert.equal(accepted(parseDeployEvent(deployFinished({ service: 'checkout', commitSha: 'abc1234', status }))).status, status);
    }
  });

  it('finishedAt with an offset is normalized to UTC', () => {
    const s = accepted(
      parseDeployEvent(deployFinished({ service: 'checkout', commitSha: 'abc1234', finishedAt: '2025-03-04T10:40:55+01:00' })),
    );
    assert.equal(s.at, '2025-03-04T09:40:55.000Z');
  });

  it('a Deploy Finished event without any time is rejected', () => {
    const event: Record<string, unknown> = deployFinished({ service: 'checkout', commitSha: 'abc1234' });
    delete event.time;
    const result = parseDeployEvent(event);
    assert.equal(result.outcome, 'rejected');
  });

  it('the detail schema explains each wrong field', () => {
    const result = deployFinishedDetail.safeParse({
      commitSha: 'main',
      prNumbers: [0],
      dependencyChanges: [{ from: '1' }],
      status: 'done',
    });
    assert.equal(result.success, false);
    const byPath = Object.fromEntries((result.error?.issues ?? []).map((i) => [i.path.join('.'), i.message]));
    assert.deepEqual(byPath, {
      service: 'required',
      commitSha: 'must be a hexadecimal git commit sha (7 to 64 characters)',
      'prNumbers.0': 'must be positive',
      'dependencyChanges.0.name': 'required',
      status: 'must be one of started, succeeded, failed, rolled-back',
    });
  });

  it('the put-events example in docs/events.md is a valid Deploy Finished event', () => {
    const doc = readFileSync(new URL('../docs/events.md', import.meta.url), 'utf8');
    const block = /```json\n([\s\S]*?)```/.exec(doc)?.[1];
    assert.ok(block, 'docs/events.md has a JSON example');
    const [entry] = JSON.parse(block) as { EventBusName: string; Source: string; DetailType: string; Detail: string }[];
    assert.ok(entry);
    assert.equal(entry.EventBusName, 'prodloop');
    // What EventBridge delivers for that entry.
    const delivered = deployFinished(JSON.parse(entry.Detail), { source: entry.Source, 'detail-type': entry.DetailType });
    const s = accepted(parseDeployEvent(delivered));
    assert.equal(s.service, 'checkout');
    assert.deepEqual(s.prNumbers, [412, 415]);
  });

  it('a Deploy Finished event missing its service is rejected naming the field', () => {
    assert.deepEqual(parseDeployEvent(read(malformedDir, 'deploy-finished-missing-service.json')), {
      outcome: 'rejected',
      reason: 'invalid "Deploy Finished" event: missing detail.service',
    });
  });
});

describe('malformed deploy events', () => {
  const prefixes = ['deploy-finished-', 'codedeploy-', 'ecs-', 'cloudformation-'];
  const files = readdirSync(malformedDir).filter((f) => f.endsWith('.json') && prefixes.some((p) => f.startsWith(p)));

  it('every malformed deploy fixture is rejected with a reason', () => {
    assert.ok(files.length >= 8);
    for (const file of files) {
      const result = parseDeployEvent(read(malformedDir, file));
      assert.equal(result.outcome, 'rejected', file);
      assert.ok(result.outcome === 'rejected' && result.reason.trim().length > 0, file);
    }
  });

  it('an event from another source is rejected, and the parser never throws', () => {
    const junk: unknown[] = [
      null,
      1,
      'x',
      [],
      {},
      { source: 'aws.s3', 'detail-type': 'Object Created', detail: {} },
      { source: 'aws.ecs' },
    ];
    for (const value of junk) {
      const result = parseDeployEvent(value);
      assert.equal(result.outcome, 'rejected', JSON.stringify(value));
    }
  });
});
