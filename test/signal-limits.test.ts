/**
 * Values AWS never sends are refused at the edge with a reason, so that nothing accepted breaks
 * storage later (DynamoDB refuses an empty attribute name and items over 400 KB). Each case is a
 * real event with one field made impossible.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { parseAlarmEvent } from '#domain/signals/alarm';
import { parseDeployEvent } from '#domain/signals/deploy';
import { needRealData, type RealFolder, readReal } from './support/real-data.ts';

const realData = needRealData('cloudwatch-alarms', 'deploy-events');
const read = (folder: RealFolder, file: string) => (realData.skip ? {} : JSON.parse(readReal(folder, file)));
const alarm = read('cloudwatch-alarms', 'awsdocs-cwug_cloudwatch-and-eventbridge__state-change-for-a-single-metric-alarm.json');
const sns = read('cloudwatch-alarms', 'rustlambda_example-cloudwatch-alarm-sns-payload-single-metric.json');
const codedeploy = read('deploy-events', 'rustlambda_example-codedeploy-deployment-event.json');

const opts = { tenantDimension: 'TenantId' };
const withDetail = (event: Record<string, unknown>, detail: Record<string, unknown>) => ({
  ...event,
  detail: { ...(event.detail as object), ...detail },
});
const withMetric = (metric: Record<string, unknown>) => {
  const configuration = structuredClone(alarm.detail.configuration);
  Object.assign(configuration.metrics[0].metricStat.metric, metric);
  return withDetail(alarm, { configuration });
};
function rejectedFor(result: { outcome: string; reason?: string }, field: RegExp) {
  assert.equal(result.outcome, 'rejected', JSON.stringify(result).slice(0, 200));
  assert.match(result.reason ?? '', field);
}

describe.skipIf(realData.skip)('values AWS never sends', () => {
  test('the real events themselves are accepted', () => {
    assert.equal(parseAlarmEvent(alarm, opts).outcome, 'accepted');
    assert.equal(parseAlarmEvent(sns, opts).outcome, 'accepted');
    assert.equal(parseDeployEvent(codedeploy).outcome, 'accepted');
  });

  test('an empty dimension name is refused', () => {
    rejectedFor(parseAlarmEvent(withMetric({ dimensions: { '': 'x' } }), opts), /dimensions.*(blank|invalid key)/i);
  });

  test('a blank or control-character alarm name is refused', () => {
    rejectedFor(parseAlarmEvent(withDetail(alarm, { alarmName: '   ' }), opts), /alarmName.*must not be blank/);
    rejectedFor(parseAlarmEvent(withDetail(alarm, { alarmName: 'prod-\u0000x' }), opts), /alarmName.*control characters/);
  });

  test('a 230,000-character alarm name inside an SNS message under 256 KB is refused', () => {
    const record = sns.Records[0];
    const message = { ...JSON.parse(record.Sns.Message), AlarmName: 'a'.repeat(230_000) };
    const event = { ...sns, Records: [{ ...record, Sns: { ...record.Sns, Message: JSON.stringify(message) } }] };
    assert.ok(JSON.stringify(event).length < 256 * 1024);
    rejectedFor(parseAlarmEvent(event, opts), /alarmName.*at most 255 characters/);
  });

  test('a statistic of 300,000 characters is refused: accepted, two of them made a 600 KB alarm signal, over a DynamoDB item', () => {
    const configuration = structuredClone(alarm.detail.configuration);
    configuration.metrics[0].metricStat.stat = 'x'.repeat(300_000);
    rejectedFor(parseAlarmEvent(withDetail(alarm, { configuration }), opts), /stat.*at most 255 characters/);
  });

  test('an account id that is not 12 digits is refused', () => {
    rejectedFor(parseAlarmEvent({ ...alarm, account: '1234' }, opts), /account.*12-digit/);
    rejectedFor(parseDeployEvent({ ...codedeploy, account: 'acme' }), /account.*12-digit/);
  });

  test('years 0001 and 9999 are refused', () => {
    rejectedFor(parseAlarmEvent({ ...alarm, time: '0001-01-01T00:00:00Z' }, opts), /between the years 2000 and 2099/);
    rejectedFor(parseDeployEvent({ ...codedeploy, time: '9999-12-31T23:59:59Z' }), /between the years 2000 and 2099/);
  });
});
