/** SnsNotifier at the SDK boundary: the PublishCommand it sends, and how failures come back. */
import assert from 'node:assert/strict';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { test } from 'vitest';
import { SnsNotifier } from '#adapters/aws/sns';
import type { EscalationMessage } from '#domain/issue/messages';
import { TransientError } from '#domain/shared/errors';

const topicArn = 'arn:aws:sns:eu-west-1:123456789012:prodloop-escalations';
const message: EscalationMessage = {
  lineageId: 'lin-1',
  reason: 'andon',
  subject: '[prodloop] ANDON, fix made it worse: checkout-5xx-rate',
  text: 'WHAT HAPPENED\ncheckout-5xx-rate got worse.\n',
};

function clientSending(respond: (command: unknown) => Promise<unknown>): { client: SNSClient; sent: unknown[] } {
  const client = new SNSClient({ region: 'eu-west-1' });
  const sent: unknown[] = [];
  client.send = (async (command: unknown) => {
    sent.push(command);
    return respond(command);
  }) as SNSClient['send'];
  return { client, sent };
}

test('an escalation is published to the topic with its subject and text', async () => {
  const { client, sent } = clientSending(async () => ({ MessageId: 'm-1' }));
  await new SnsNotifier(client, topicArn).escalate(message);
  assert.equal(sent.length, 1);
  const command = sent[0];
  assert.ok(command instanceof PublishCommand);
  assert.deepEqual(command.input, {
    TopicArn: topicArn,
    Subject: message.subject,
    Message: message.text,
    MessageAttributes: {
      lineageId: { DataType: 'String', StringValue: 'lin-1' },
      reason: { DataType: 'String', StringValue: 'andon' },
    },
  });
});

test('a subject SNS would refuse is cut to one short line before publishing', async () => {
  const { client, sent } = clientSending(async () => ({ MessageId: 'm-2' }));
  await new SnsNotifier(client, topicArn).escalate({ ...message, subject: `line one\nline two ${'x'.repeat(200)}` });
  const subject = (sent[0] as PublishCommand).input.Subject ?? '';
  assert.ok(subject.length < 100);
  assert.ok(subject.startsWith('line one line two'));
});

test('a throttled publish is a TransientError for the state machine to retry', async () => {
  const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottledException', $metadata: { httpStatusCode: 400 } });
  const { client } = clientSending(async () => {
    throw throttled;
  });
  await assert.rejects(new SnsNotifier(client, topicArn).escalate(message), (error: unknown) => {
    assert.ok(error instanceof TransientError);
    assert.equal(error.cause, throttled);
    return true;
  });
});

test('a publish refused for good (no such topic) is not disguised as transient', async () => {
  const notFound = Object.assign(new Error('Topic does not exist'), { name: 'NotFoundException', $metadata: { httpStatusCode: 404 } });
  const { client } = clientSending(async () => {
    throw notFound;
  });
  await assert.rejects(new SnsNotifier(client, topicArn).escalate(message), (error: unknown) => error === notFound);
});
