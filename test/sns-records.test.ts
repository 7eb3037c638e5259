/**
 * An SNS delivery to Lambda may carry several records: each alarm in it is ingested on its own, and a
 * bad record is parked alone. Built from a real SNS alarm notification, renamed into the watched
 * prefix and duplicated, since SNS batches notifications of different alarms the same way.
 */
import assert from 'node:assert/strict';
import { afterAll, describe, test } from 'vitest';
import { makeIngestAlarm } from '#app/open-lineage';
import { parseConfig } from '#domain/config/config';
import { localDefaultConfig } from '../bin/local/scenario.ts';
import { testStore } from './support/dynamodb.ts';
import { needRealData, readReal } from './support/real-data.ts';

const realData = needRealData('cloudwatch-alarms');
const real = (
  realData.skip
    ? { Records: [{ Sns: { Message: '{}', MessageId: '' } }] }
    : JSON.parse(readReal('cloudwatch-alarms', 'rustlambda_example-cloudwatch-alarm-sns-payload-single-metric.json'))
) as { Records: { Sns: { Message: string; MessageId: string } }[] };
const record = real.Records[0] as (typeof real.Records)[number];

/** The real record, for another alarm on another instance (so another lineage), in ALARM. */
function recordFor(alarmName: string) {
  const original = JSON.parse(record.Sns.Message);
  const trigger = { ...original.Trigger, Dimensions: [{ value: `i-${alarmName}`, name: 'InstanceId' }] };
  const message = { ...original, AlarmName: alarmName, NewStateValue: 'ALARM', Trigger: trigger };
  return { ...record, Sns: { ...record.Sns, MessageId: `${record.Sns.MessageId}-${alarmName}`, Message: JSON.stringify(message) } };
}

const closers: (() => void)[] = [];
afterAll(() => {
  for (const c of closers) c();
});

/** ingest-alarm against DynamoDB Local, recording what it parks and starts. */
async function ingestion() {
  const t = await testStore();
  closers.push(() => t.client.destroy());
  const parked: { event: unknown; reason: string }[] = [];
  const started: string[] = [];
  const ingest = makeIngestAlarm({
    config: parseConfig(localDefaultConfig),
    store: t.store,
    clock: { now: () => new Date('2026-03-02T09:15:00Z') },
    logger: { info() {}, warn() {}, error() {} },
    events: { async publish() {} },
    parking: {
      async park(event, reason) {
        parked.push({ event, reason });
      },
    },
    workflow: {
      async start(name) {
        started.push(name);
      },
      async resume() {},
    },
  });
  return { ingest, parked, started };
}

describe.skipIf(realData.skip)('an SNS delivery with several records', () => {
  test('two alarms in one delivery open two lineages; a record that is not an alarm is parked alone', async () => {
    const { ingest, parked, started } = await ingestion();
    const bad = { ...record, Sns: { ...record.Sns, Message: 'not json' } };
    const delivery = { ...real, Records: [recordFor('prod-checkout-5xx'), bad, recordFor('prod-search-latency')] };

    const outcome = await ingest(delivery);

    assert.equal(outcome.outcome, 'records');
    assert.ok(outcome.outcome === 'records');
    assert.deepEqual(
      outcome.records.map((r) => r.outcome),
      ['started', 'rejected', 'started'],
    );
    assert.equal(started.length, 2);
    assert.equal(parked.length, 1);
    assert.deepEqual((parked[0]?.event as { Records?: unknown[] } | undefined)?.Records, [bad]);
  });

  test('redelivering the same two-record delivery starts nothing new', async () => {
    const { ingest, started } = await ingestion();
    const delivery = { ...real, Records: [recordFor('prod-checkout-5xx'), recordFor('prod-search-latency')] };
    await ingest(delivery);
    const again = await ingest(delivery);
    assert.ok(again.outcome === 'records');
    assert.deepEqual(
      again.records.map((r) => r.outcome),
      ['in-flight', 'in-flight'],
    );
    assert.equal(started.length, 2);
  });
});
