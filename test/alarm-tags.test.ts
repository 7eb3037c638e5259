/**
 * Alarms watched by tag: the CloudWatch tags adapter (SDK client mocked at `send`) and ingest-alarm
 * against DynamoDB Local, on the real alarm state change payloads.
 */
import assert from 'node:assert/strict';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { afterAll, describe, test } from 'vitest';
import { CloudWatchAlarmTags } from '#adapters/aws/cloudwatch';
import { makeIngestAlarm } from '#app/open-lineage';
import { parseConfig } from '#domain/config/config';
import { TransientError } from '#domain/shared/errors';
import type { AlarmTags } from '#ports/alarms';
import { alarmEvent } from '../bin/local/events.ts';
import { loadScenario, localDefaultConfig } from '../bin/local/scenario.ts';
import { testStore } from './support/dynamodb.ts';

const silent = { info() {}, warn() {}, error() {} };
const clock = { now: () => new Date('2026-03-02T09:15:00Z') };
const scenario = loadScenario(new URL('../scenarios/fix-works.json', import.meta.url).pathname);
const ARN = 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-errors';

function cloudWatch(answer: (n: number) => unknown) {
  const sent: Record<string, unknown>[] = [];
  const client = {
    async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
      assert.equal(command.constructor.name, 'ListTagsForResourceCommand');
      sent.push(command.input);
      const out = answer(sent.length);
      if (out instanceof Error) throw out;
      return out;
    },
  } as unknown as CloudWatchClient;
  return { client, sent };
}
const awsError = (name: string, status: number) =>
  Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });

describe('CloudWatch alarm tags', () => {
  test("an alarm's tags are read once and served from memory for the rest of a storm", async () => {
    let now = 0;
    const { client, sent } = cloudWatch(() => ({ Tags: [{ Key: 'team', Value: 'checkout' }, { Key: 'tier' }] }));
    const tags = new CloudWatchAlarmTags(client, () => now);
    assert.deepEqual(await tags.tagsOf(ARN), { team: 'checkout', tier: '' });
    now += 60_000;
    await tags.tagsOf(ARN);
    assert.deepEqual(sent, [{ ResourceARN: ARN }]);
    now += 10 * 60_000;
    await tags.tagsOf(ARN);
    assert.equal(sent.length, 2, 'read again once the cached answer is old');
  });

  test('a deleted alarm has no tags; throttling is transient; a denied read says which permission is missing', async () => {
    assert.equal(await new CloudWatchAlarmTags(cloudWatch(() => awsError('ResourceNotFoundException', 404)).client).tagsOf(ARN), undefined);
    await assert.rejects(new CloudWatchAlarmTags(cloudWatch(() => awsError('Throttling', 400)).client).tagsOf(ARN), TransientError);
    await assert.rejects(
      new CloudWatchAlarmTags(cloudWatch(() => awsError('AccessDenied', 403)).client).tagsOf(ARN),
      /cloudwatch:ListTagsForResource.*AccessDenied/,
    );
  });
});

describe('ingest-alarm with tags to watch', () => {
  const closers: (() => void)[] = [];
  afterAll(() => {
    for (const c of closers) c();
  });

  async function ingestWith(tags: AlarmTags | undefined) {
    const t = await testStore();
    closers.push(() => t.client.destroy());
    const config = parseConfig({
      ...localDefaultConfig,
      watchedAlarms: { namePrefixes: ['live-'], tags: [{ key: 'team', value: 'checkout' }] },
    });
    const started: string[] = [];
    const parked: string[] = [];
    const ingest = makeIngestAlarm({
      config,
      store: t.store,
      clock,
      logger: silent,
      events: { async publish() {} },
      parking: {
        async park(_event, reason) {
          parked.push(reason);
        },
      },
      workflow: {
        async start(name) {
          started.push(name);
        },
        async resume() {},
      },
      ...(tags ? { alarmTags: tags } : {}),
    });
    return { ingest, started, parked };
  }
  const event = () => alarmEvent(scenario, clock.now());
  const answering = (answer: Record<string, string> | undefined | Error): AlarmTags & { asked: string[] } => {
    const asked: string[] = [];
    return {
      asked,
      async tagsOf(arn) {
        asked.push(arn);
        if (answer instanceof Error) throw answer;
        return answer;
      },
    };
  };

  test('an alarm no name prefix admits but tagged team=checkout starts a loop', async () => {
    const tags = answering({ team: 'checkout' });
    const w = await ingestWith(tags);
    const out = await w.ingest(event());
    assert.equal(out.outcome, 'started');
    assert.equal(w.started.length, 1);
    assert.match(tags.asked[0] ?? '', /^arn:aws:cloudwatch:.*:alarm:prod-checkout-5xx$/);
  });

  test('an alarm tagged for another team is ignored with the tags it was checked against', async () => {
    const w = await ingestWith(answering({ team: 'search' }));
    const out = await w.ingest(event());
    assert.equal(out.outcome, 'ignored');
    assert.match('reason' in out ? out.reason : '', /matches no watched name prefix or tag \(team=checkout\)/);
    assert.deepEqual(w.started, []);
  });

  test('tags that cannot be read park the event for redrive with the reason', async () => {
    const w = await ingestWith(answering(new Error('cannot read the tags of x (cloudwatch:ListTagsForResource): AccessDenied')));
    const out = await w.ingest(event());
    assert.equal(out.outcome, 'rejected');
    assert.match(w.parked[0] ?? '', /ListTagsForResource/);
    assert.deepEqual(w.started, []);
  });

  test('throttled tag reads throw, so the event is retried rather than dropped', async () => {
    const w = await ingestWith(answering(new TransientError('Throttling')));
    await assert.rejects(w.ingest(event()), TransientError);
    assert.deepEqual(w.parked, []);
  });
});
