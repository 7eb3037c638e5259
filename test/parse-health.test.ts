import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'vitest';
import { parseHealthEvent } from '#domain/signals/health';

const syntheticDir = new URL('./fixtures/synthetic/', import.meta.url);
const malformedDir = new URL('./fixtures/malformed/', import.meta.url);

// biome-ignore lint/suspicious/noExplicitAny: fixtures are edited freely in tests
function read(dir: URL, name: string): any {
  return JSON.parse(readFileSync(new URL(name, dir), 'utf8'));
}

describe('parseHealthEvent', () => {
  it('an AWS Health event yields the service, event type, impacted region and start time', () => {
    assert.deepEqual(parseHealthEvent(read(syntheticDir, 'aws-health-event.json')), {
      outcome: 'accepted',
      signal: {
        kind: 'health',
        service: 'LAMBDA',
        eventTypeCode: 'AWS_LAMBDA_OPERATIONAL_ISSUE',
        category: 'issue',
        region: 'eu-west-1',
        status: 'open',
        at: '2025-03-04T09:58:00.000Z',
        eventArn: 'arn:aws:health:eu-west-1::event/LAMBDA/AWS_LAMBDA_OPERATIONAL_ISSUE/AWS_LAMBDA_OPERATIONAL_ISSUE_EXAMPLE_0001',
      },
    });
  });

  it('without a start time or event region, the event time and delivery region stand in', () => {
    const event = read(syntheticDir, 'aws-health-event.json');
    delete event.detail.startTime;
    delete event.detail.eventRegion;
    const result = parseHealthEvent(event);
    assert.equal(result.outcome, 'accepted');
    if (result.outcome === 'accepted') {
      assert.equal(result.signal.at, '2025-03-04T10:25:00.000Z');
      assert.equal(result.signal.region, 'us-east-1');
    }
  });

  it('an abuse event is ignored', () => {
    const event = { ...read(syntheticDir, 'aws-health-event.json'), 'detail-type': 'AWS Health Abuse Event' };
    assert.equal(parseHealthEvent(event).outcome, 'ignored');
  });

  it('a health event without an event ARN is rejected naming the field', () => {
    assert.deepEqual(parseHealthEvent(read(malformedDir, 'health-missing-event-arn.json')), {
      outcome: 'rejected',
      reason: 'invalid AWS Health event: missing detail.eventArn',
    });
  });

  it('anything else is rejected without throwing', () => {
    for (const value of [null, 'x', [], {}, { source: 'aws.health', 'detail-type': 'AWS Health Event', detail: 'down' }]) {
      const result = parseHealthEvent(value);
      assert.equal(result.outcome, 'rejected', JSON.stringify(value));
    }
  });
});
