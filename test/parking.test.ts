/**
 * Parking a rejected event never fails on what the event or its reason contain. There is no local
 * SQS, so the client is replaced at the SDK boundary by one that checks what SQS checks: the
 * character set of the body and of every string attribute, and the message size.
 */
import assert from 'node:assert/strict';
import type { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, test } from 'vitest';
import { BODY_LIMIT, REASON_LIMIT, SqsParkingLot } from '#adapters/aws/sqs';

/** What SQS refuses with InvalidMessageContents or InvalidParameterValue. */
const OUTSIDE_SQS = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

function checkingSqs() {
  const sent: SendMessageCommand['input'][] = [];
  const client = {
    async send(command: SendMessageCommand) {
      const input = command.input;
      const texts = [input.MessageBody ?? '', ...Object.values(input.MessageAttributes ?? {}).map((a) => a.StringValue ?? '')];
      for (const text of texts) {
        if (text.length === 0) throw new Error('InvalidParameterValue: empty');
        if (OUTSIDE_SQS.test(text)) throw new Error('InvalidMessageContents: invalid characters');
      }
      const size = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
      if (size > 256 * 1024) throw new Error('InvalidParameterValue: message too long');
      sent.push(input);
      return {};
    },
  } as unknown as SQSClient;
  return { sent, parking: new SqsParkingLot(client, 'https://sqs.us-east-1.amazonaws.com/123456789012/parked') };
}

const event = { source: 'aws.cloudwatch', 'detail-type': 'CloudWatch Alarm State Change', detail: { alarmName: 'prod-x' } };

describe('parking a rejected event', () => {
  test('a reason with NUL and control characters is parked with them replaced', async () => {
    const { sent, parking } = checkingSqs();
    await parking.park(event, 'bad alarm name "a\u0000b\u0007c"', 'ingest-alarm');
    assert.equal(sent[0]?.MessageAttributes?.reason?.StringValue, 'bad alarm name "a\uFFFDb\uFFFDc"');
    assert.deepEqual(JSON.parse(sent[0]?.MessageBody ?? ''), event);
  });

  test('a long reason is cut on a code point, so an emoji at the cut is not split in half', async () => {
    const { sent, parking } = checkingSqs();
    const reason = `${'x'.repeat(REASON_LIMIT - 2)}😀😀😀`;
    await parking.park(event, reason, 'record-deploy');
    const kept = sent[0]?.MessageAttributes?.reason?.StringValue ?? '';
    assert.ok(!/\p{Surrogate}/u.test(kept));
    assert.equal(Array.from(kept).length, REASON_LIMIT);
    assert.ok(kept.endsWith('x😀…'));
  });

  test('a lone surrogate in the event or the reason is parked, the event intact as JSON', async () => {
    const { sent, parking } = checkingSqs();
    const odd = { detail: { alarmName: 'half \uD83D emoji' } };
    await parking.park(odd, 'reason with half \uDE00 emoji', 'ingest-alarm');
    assert.deepEqual(JSON.parse(sent[0]?.MessageBody ?? ''), odd);
    assert.equal(sent[0]?.MessageAttributes?.reason?.StringValue, 'reason with half \uFFFD emoji');
  });

  test('an event nested too deep to serialize is parked as a note saying why', async () => {
    const { sent, parking } = checkingSqs();
    const deep: Record<string, unknown> = {};
    let at = deep;
    for (let i = 0; i < 100_000; i++) at = at.a = {} as Record<string, unknown>;
    await parking.park(deep, 'nested too deep', 'record-cost');
    const body = JSON.parse(sent[0]?.MessageBody ?? '');
    assert.equal(body.parkedAs, 'unreadable');
    assert.match(body.why, /^not serializable/);
  });

  test('an event larger than a message is parked as a note with its size and a prefix', async () => {
    const { sent, parking } = checkingSqs();
    const big = { detail: { blob: 'y'.repeat(BODY_LIMIT) } };
    await parking.park(big, 'too big', 'record-deploy');
    const body = JSON.parse(sent[0]?.MessageBody ?? '');
    assert.equal(body.why, 'too large');
    assert.ok(body.bytes > BODY_LIMIT);
    assert.ok(body.prefix.startsWith('{"detail":{"blob":"yyy'));
  });

  test('an empty reason or source still parks, saying none was given', async () => {
    const { sent, parking } = checkingSqs();
    await parking.park(event, '', '');
    assert.equal(sent[0]?.MessageAttributes?.reason?.StringValue, '(no reason given)');
    assert.equal(sent[0]?.MessageAttributes?.source?.StringValue, 'unknown');
  });
});
