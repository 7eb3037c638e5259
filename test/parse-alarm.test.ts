/**
 * CloudWatch alarm events to AlarmSignal (lambdas/domain/signals/alarm.ts): the real deliveries of each
 * shape, composite alarm rules, malformed events, and the fingerprints and lineage ids of the signals.
 * It stays one file over 400 lines: it tests one parser, and its cases share the real fixtures and
 * what each must give.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'vitest';
import { alarmFingerprint, lineageIdFor } from '#domain/lineage/fingerprint';
import { alarmNamesInRule, parseAlarmEvent } from '#domain/signals/alarm';
import { type AlarmSignal, alarmSignal, type ParseResult } from '#domain/signals/signals';
import { needRealData, readReal, realFiles } from './support/real-data.ts';

const opts = { tenantDimension: 'TenantId' };
const realData = needRealData('cloudwatch-alarms');
const malformedDir = new URL('./fixtures/malformed/', import.meta.url);

const FIXTURES = {
  composite: 'awsdocs-cwug_cloudwatch-and-eventbridge__state-change-for-a-composite-alarm-with-a-suppressor-alarm.json',
  compositeCreation: 'awsdocs-cwug_cloudwatch-and-eventbridge__creation-of-a-composite-alarm.json',
  metricMath: 'awsdocs-cwug_cloudwatch-and-eventbridge__state-change-for-a-metric-math-alarm.json',
  singleMetric: 'awsdocs-cwug_cloudwatch-and-eventbridge__state-change-for-a-single-metric-alarm.json',
  anomaly: 'awsdocs-cwug_cloudwatch-and-eventbridge__state-change-for-an-anomaly-detection-alarm.json',
  metricUpdate: 'awsdocs-cwug_cloudwatch-and-eventbridge__update-of-a-metric-alarm.json',
  lambdaAction: 'pt-python_cloudWatchAlarmEventSingleMetric.json',
  sns: 'rustlambda_example-cloudwatch-alarm-sns-payload-single-metric.json',
} as const;

/** What each real fixture must give; every real file the tests read must be listed here. */
const EXPECTED: Readonly<Record<string, 'accepted' | 'ignored'>> = {
  [FIXTURES.composite]: 'accepted',
  [FIXTURES.compositeCreation]: 'ignored',
  [FIXTURES.metricMath]: 'accepted',
  [FIXTURES.singleMetric]: 'accepted',
  [FIXTURES.anomaly]: 'accepted',
  [FIXTURES.metricUpdate]: 'ignored',
  [FIXTURES.lambdaAction]: 'accepted',
  [FIXTURES.sns]: 'accepted',
};

// biome-ignore lint/suspicious/noExplicitAny: fixtures are edited freely in tests
function fixture(name: string): any {
  return JSON.parse(readReal('cloudwatch-alarms', name));
}

function accepted(result: ParseResult<AlarmSignal>): AlarmSignal {
  assert.equal(result.outcome, 'accepted', result.outcome === 'accepted' ? '' : result.reason);
  return (result as Extract<ParseResult<AlarmSignal>, { outcome: 'accepted' }>).signal;
}

function parse(name: string): AlarmSignal {
  return accepted(parseAlarmEvent(fixture(name), opts));
}

describe.skipIf(realData.skip)('parseAlarmEvent on real CloudWatch alarm events', () => {
  it('accepts every state change fixture and ignores the configuration changes', () => {
    const files = realFiles('cloudwatch-alarms').filter((f) => f.endsWith('.json'));
    assert.deepEqual([...files].sort(), Object.keys(EXPECTED).sort(), 'every fixture has an expected outcome');
    for (const file of files) {
      const result = parseAlarmEvent(fixture(file), opts);
      assert.equal(result.outcome, EXPECTED[file], `${file}: ${result.outcome === 'accepted' ? 'accepted' : result.reason}`);
      if (result.outcome === 'accepted') assert.doesNotThrow(() => alarmSignal.parse(result.signal), file);
      else assert.ok(result.reason.length > 0);
    }
  });

  it('a single-metric alarm yields its metric, its state transition and the event time', () => {
    const s = parse(FIXTURES.singleMetric);
    assert.equal(s.variant, 'single-metric');
    assert.equal(s.source, 'eventbridge');
    assert.equal(s.alarmName, 'ServerCpuTooHigh');
    assert.equal(s.alarmArn, 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh');
    assert.equal(s.account, '123456789012');
    assert.equal(s.region, 'us-east-1');
    assert.equal(s.state, 'ALARM');
    assert.equal(s.previousState, 'OK');
    assert.equal(s.at, '2019-10-02T17:04:40.000Z');
    assert.match(s.reason, /^Threshold Crossed/);
    assert.deepEqual(s.metrics, [
      {
        id: '30b6c6b2-a864-43a2-4877-c09a1afc3b87',
        namespace: 'AWS/EC2',
        metricName: 'CPUUtilization',
        dimensions: { InstanceId: 'i-12345678901234567' },
        stat: 'Average',
        periodSeconds: 300,
        returnData: true,
      },
    ]);
    assert.deepEqual(s.childAlarms, []);
    assert.equal(s.tenant, undefined);
  });

  it('a metric math alarm yields its query ids as metrics', () => {
    const s = parse(FIXTURES.metricMath);
    assert.equal(s.variant, 'metric-math');
    assert.deepEqual(
      s.metrics.map((m) => m.id),
      ['e1', 'm1', 'm2'],
    );
    const [e1, m1, m2] = s.metrics;
    assert.equal(e1?.expression, 'SUM(METRICS())');
    assert.equal(e1?.returnData, true);
    assert.equal(m1?.metricName, 'NetworkIn');
    assert.equal(m1?.returnData, false);
    assert.equal(m2?.metricName, 'NetworkOut');
    assert.equal(m2?.stat, 'Maximum');
    assert.equal(s.previousState, 'INSUFFICIENT_DATA');
  });

  it('an anomaly detection alarm is an anomaly-band alarm with its band expression', () => {
    const s = parse(FIXTURES.anomaly);
    assert.equal(s.variant, 'anomaly-band');
    assert.equal(s.alarmName, 'EC2 CPU Utilization Anomaly');
    assert.deepEqual(
      s.metrics.map((m) => [m.id, m.expression]),
      [
        ['m1', undefined],
        ['ad1', 'ANOMALY_DETECTION_BAND(m1, 0.8)'],
      ],
    );
    assert.equal(s.metrics[0]?.periodSeconds, 60);
  });

  it('a composite alarm yields its child alarms from the rule and from the triggering alarms', () => {
    const s = parse(FIXTURES.composite);
    assert.equal(s.variant, 'composite');
    assert.equal(s.alarmName, 'ServiceAggregatedAlarm');
    assert.deepEqual(s.childAlarms, ['ServerCpuTooHigh', 'TotalNetworkTrafficTooHigh']);
    assert.deepEqual(s.metrics, []);
    assert.equal(s.fingerprint, 'composite:ServiceAggregatedAlarm');
  });

  it('a composite alarm whose actions a suppressor holds back says so', () => {
    assert.equal(parse(FIXTURES.composite).actionsSuppressedBy, 'WaitPeriod');
    assert.equal(parse(FIXTURES.singleMetric).actionsSuppressedBy, undefined);
  });

  it('a triggering alarm missing from the rule still counts as a child', () => {
    const event = fixture(FIXTURES.composite);
    event.detail.configuration.alarmRule = 'ALARM(TotalNetworkTrafficTooHigh)';
    assert.deepEqual(accepted(parseAlarmEvent(event, opts)).childAlarms, ['TotalNetworkTrafficTooHigh', 'ServerCpuTooHigh']);
  });

  it('a Lambda alarm action event is read like an EventBridge alarm event', () => {
    const s = parse(FIXTURES.lambdaAction);
    assert.equal(s.alarmName, 'Test alert');
    assert.equal(s.alarmArn, 'arn:aws:cloudwatch:eu-west-1:912397435824:alarm:test_alarm');
    assert.equal(s.account, '123456789012');
    assert.equal(s.region, 'eu-west-1');
    assert.equal(s.at, '2024-02-17T11:53:08.431Z');
    assert.equal(s.variant, 'metric-math');
    assert.deepEqual(
      s.metrics.map((m) => [m.id, m.metricName ?? m.expression]),
      [
        ['e1', 'm1/m2'],
        ['m1', 'Invocations'],
        ['m2', 'Duration'],
      ],
    );
  });

  it('an SNS-wrapped alarm notification yields the alarm name and its trigger metric', () => {
    const s = parse(FIXTURES.sns);
    assert.equal(s.source, 'sns');
    assert.equal(s.alarmName, 'EXAMPLE');
    assert.equal(s.state, 'ALARM');
    assert.equal(s.previousState, 'INSUFFICIENT_DATA');
    assert.equal(s.account, '123456789012');
    assert.equal(s.at, '2015-06-03T17:43:27.123Z');
    assert.equal(s.variant, 'single-metric');
    // The fixture's region and ARN are placeholders, so no region is claimed.
    assert.equal(s.region, undefined);
    assert.deepEqual(s.metrics, [
      { namespace: 'AWS/EC2', metricName: 'NetworkOut', dimensions: { InstanceId: 'TestInstance' }, stat: 'Average', periodSeconds: 60 },
    ]);
  });

  it('a bare SNS message and the notification object itself parse like the Lambda SNS event', () => {
    const record = fixture(FIXTURES.sns).Records[0].Sns;
    const viaEvent = parse(FIXTURES.sns);
    assert.deepEqual(accepted(parseAlarmEvent(record, opts)), viaEvent);
    assert.deepEqual(accepted(parseAlarmEvent(JSON.parse(record.Message), opts)), viaEvent);
  });

  it('an SNS notification takes its region from the alarm ARN rather than the region name', () => {
    const message = JSON.parse(fixture(FIXTURES.sns).Records[0].Sns.Message);
    message.AlarmArn = 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:EXAMPLE';
    message.Region = 'US East (N. Virginia)';
    assert.equal(accepted(parseAlarmEvent(message, opts)).region, 'us-east-1');
  });

  it('an SNS metric math notification yields its queries', () => {
    const message = JSON.parse(fixture(FIXTURES.sns).Records[0].Sns.Message);
    message.Trigger = {
      Period: 60,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 1,
      Metrics: [
        { Expression: 'm1/m2', Id: 'e1', Label: 'ratio', ReturnData: true },
        {
          Id: 'm1',
          MetricStat: {
            Metric: { Dimensions: [{ value: 'acme', name: 'TenantId' }], MetricName: 'Errors', Namespace: 'Shop' },
            Period: 60,
            Stat: 'Sum',
          },
          ReturnData: false,
        },
      ],
    };
    const s = accepted(parseAlarmEvent(message, opts));
    assert.equal(s.variant, 'metric-math');
    assert.deepEqual(
      s.metrics.map((m) => m.id),
      ['e1', 'm1'],
    );
    assert.equal(s.tenant, 'acme');
  });

  it('an SNS composite alarm notification yields its child alarms', () => {
    const message = {
      AlarmName: 'checkout-composite',
      NewStateValue: 'ALARM',
      OldStateValue: 'OK',
      NewStateReason: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-errors transitioned to ALARM',
      StateChangeTime: '2025-03-04T10:00:00.000+0000',
      AlarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-composite',
      AlarmRule: 'ALARM("checkout-errors") OR ALARM("checkout-latency")',
      TriggeringChildren: [{ Arn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:checkout-errors', State: { Value: 'ALARM' } }],
    };
    const s = accepted(parseAlarmEvent(message, opts));
    assert.equal(s.variant, 'composite');
    assert.deepEqual(s.childAlarms, ['checkout-errors', 'checkout-latency']);
    assert.equal(s.region, 'us-east-1');
  });

  it('the creation of a composite alarm and the update of a metric alarm are ignored as configuration changes', () => {
    for (const name of [FIXTURES.compositeCreation, FIXTURES.metricUpdate]) {
      const result = parseAlarmEvent(fixture(name), opts);
      assert.equal(result.outcome, 'ignored');
      assert.match(result.outcome === 'ignored' ? result.reason : '', /configuration change \((create|update)\)/);
    }
  });

  it('a state change event whose new state equals the previous one is ignored', () => {
    const event = fixture(FIXTURES.singleMetric);
    event.detail.previousState.value = 'ALARM';
    const result = parseAlarmEvent(event, opts);
    assert.deepEqual(result, { outcome: 'ignored', reason: 'alarm "ServerCpuTooHigh" stayed in ALARM: no state change' });

    const message = JSON.parse(fixture(FIXTURES.sns).Records[0].Sns.Message);
    message.OldStateValue = 'ALARM';
    assert.equal(parseAlarmEvent(message, opts).outcome, 'ignored');
  });

  it('a recovery to OK is accepted with the previous state', () => {
    const event = fixture(FIXTURES.singleMetric);
    event.detail.state.value = 'OK';
    event.detail.previousState.value = 'ALARM';
    const s = accepted(parseAlarmEvent(event, opts));
    assert.equal(s.state, 'OK');
    assert.equal(s.previousState, 'ALARM');
  });

  it('another CloudWatch event type is ignored, not rejected', () => {
    const event = { ...fixture(FIXTURES.singleMetric), 'detail-type': 'CloudWatch Alarm Contributor State Change' };
    assert.equal(parseAlarmEvent(event, opts).outcome, 'ignored');
  });

  it('the tenant is the value of the configured tenant dimension', () => {
    const event = fixture(FIXTURES.singleMetric);
    event.detail.configuration.metrics[0].metricStat.metric.dimensions.TenantId = 'acme';
    assert.equal(accepted(parseAlarmEvent(event, opts)).tenant, 'acme');
    assert.equal(accepted(parseAlarmEvent(event, { tenantDimension: 'Customer' })).tenant, undefined);
  });
});

describe('alarmNamesInRule', () => {
  it('reads quoted, unquoted and ARN alarm names from ALARM, OK and INSUFFICIENT_DATA terms', () => {
    const rule =
      'ALARM("api errors") AND (ALARM(ServerCpuTooHigh) OR OK(\'db-ok\')) AND NOT INSUFFICIENT_DATA(arn:aws:cloudwatch:us-east-1:123456789012:alarm:queue-depth)';
    assert.deepEqual(alarmNamesInRule(rule), ['api errors', 'ServerCpuTooHigh', 'db-ok', 'queue-depth']);
  });

  it('reads the alarm list of an AT_LEAST term and names each alarm once', () => {
    assert.deepEqual(alarmNamesInRule('AT_LEAST(2, ALARM, ("a", b, "c")) OR ALARM(b)'), ['b', 'a', 'c']);
  });

  it('finds nothing in TRUE or FALSE', () => {
    assert.deepEqual(alarmNamesInRule('TRUE AND NOT FALSE'), []);
  });
});

describe('malformed alarm events', () => {
  const files = readdirSync(malformedDir).filter((f) => f.startsWith('alarm-') && f.endsWith('.json'));

  it('every malformed alarm fixture is rejected with a reason', () => {
    assert.ok(files.length >= 5);
    for (const file of files) {
      const result = parseAlarmEvent(JSON.parse(readFileSync(new URL(file, malformedDir), 'utf8')), opts);
      assert.equal(result.outcome, 'rejected', file);
      assert.ok(result.outcome === 'rejected' && result.reason.trim().length > 0, file);
    }
  });

  it('an event without an alarm name is rejected naming the missing field', () => {
    const event = JSON.parse(readFileSync(new URL('alarm-missing-alarm-name.json', malformedDir), 'utf8'));
    assert.deepEqual(parseAlarmEvent(event, opts), {
      outcome: 'rejected',
      reason: 'not a CloudWatch alarm event: missing detail.alarmName',
    });
  });

  it('an unknown state value is rejected naming the state field', () => {
    const event = JSON.parse(readFileSync(new URL('alarm-unknown-state.json', malformedDir), 'utf8'));
    const result = parseAlarmEvent(event, opts);
    assert.equal(result.outcome, 'rejected');
    assert.match(result.outcome === 'rejected' ? result.reason : '', /detail\.state\.value/);
  });

  it('never throws, whatever it is given', () => {
    const junk: unknown[] = [
      null,
      undefined,
      0,
      'ALARM',
      [],
      {},
      { Records: [] },
      { Records: [{}] },
      { Records: [{ Sns: { Message: 'null' } }] },
      { Type: 'Notification', Message: '[]' },
      { AlarmName: 42 },
      { alarmData: null, source: 'aws.cloudwatch' },
      { 'detail-type': 'CloudWatch Alarm State Change', source: 'aws.cloudwatch', time: 'x', detail: { alarmName: 'a', state: {} } },
      { 'detail-type': 'CloudWatch Alarm State Change', source: 'aws.cloudwatch', detail: null },
      { 'detail-type': 42 },
    ];
    for (const value of junk) {
      const result = parseAlarmEvent(value, opts);
      assert.notEqual(result.outcome, 'accepted', JSON.stringify(value));
      assert.ok(result.outcome !== 'accepted' && result.reason.length > 0);
    }
  });
});

describe('alarm fingerprints and lineage ids', () => {
  const metricAlarm = (dimensions: Record<string, string>, metricName = 'Latency') => ({
    alarmName: `latency-${dimensions.TenantId ?? 'all'}`,
    variant: 'single-metric' as const,
    metrics: [{ namespace: 'Shop/Checkout', metricName, stat: 'p99', dimensions }],
  });

  it('alarms that differ only in the tenant dimension share a lineage', () => {
    const a = alarmFingerprint(metricAlarm({ TenantId: 'acme', Stage: 'prod' }), opts);
    const b = alarmFingerprint(metricAlarm({ TenantId: 'globex', Stage: 'prod' }), opts);
    assert.equal(a, b);
    assert.equal(lineageIdFor(a), lineageIdFor(b));
  });

  it('the order of dimensions does not change the fingerprint', () => {
    const a = alarmFingerprint(metricAlarm({ Stage: 'prod', Region: 'eu', TenantId: 'acme' }), opts);
    const b = alarmFingerprint(metricAlarm({ TenantId: 'acme', Region: 'eu', Stage: 'prod' }), opts);
    assert.equal(a, b);
  });

  it.skipIf(realData.skip)('the order of metrics does not change the fingerprint', () => {
    const s = parse(FIXTURES.metricMath);
    const reversed = { ...s, metrics: [...s.metrics].reverse() };
    assert.equal(alarmFingerprint(reversed, opts), s.fingerprint);
  });

  it('alarms on different metrics get different lineages', () => {
    const latency = alarmFingerprint(metricAlarm({ TenantId: 'acme' }, 'Latency'), opts);
    const errors = alarmFingerprint(metricAlarm({ TenantId: 'acme' }, 'Errors'), opts);
    assert.notEqual(lineageIdFor(latency), lineageIdFor(errors));
  });

  it('a dimension other than the tenant dimension tells alarms apart', () => {
    const prod = alarmFingerprint(metricAlarm({ TenantId: 'acme', Stage: 'prod' }), opts);
    const beta = alarmFingerprint(metricAlarm({ TenantId: 'acme', Stage: 'beta' }), opts);
    assert.notEqual(prod, beta);
  });

  it.skipIf(realData.skip)('the metric id and the alarm name of a metric alarm do not count', () => {
    const event = fixture(FIXTURES.singleMetric);
    event.detail.alarmName = 'renamed';
    event.detail.configuration.metrics[0].id = 'another-id';
    assert.equal(accepted(parseAlarmEvent(event, opts)).fingerprint, parse(FIXTURES.singleMetric).fingerprint);
  });

  it.skipIf(realData.skip)('parsed alarms that differ only in the tenant dimension share a lineage', () => {
    const withTenant = (tenant: string) => {
      const event = fixture(FIXTURES.singleMetric);
      event.detail.alarmName = `ServerCpuTooHigh-${tenant}`;
      event.detail.configuration.metrics[0].metricStat.metric.dimensions.TenantId = tenant;
      return accepted(parseAlarmEvent(event, opts));
    };
    const acme = withTenant('acme');
    const globex = withTenant('globex');
    assert.equal(acme.tenant, 'acme');
    assert.equal(globex.tenant, 'globex');
    assert.equal(lineageIdFor(acme.fingerprint), lineageIdFor(globex.fingerprint));
  });

  it.skipIf(realData.skip)('an SNS and an EventBridge delivery of the same alarm share a fingerprint', () => {
    const event = fixture(FIXTURES.singleMetric);
    event.detail.configuration.metrics[0].metricStat = {
      metric: { namespace: 'AWS/EC2', name: 'NetworkOut', dimensions: { InstanceId: 'TestInstance' } },
      period: 60,
      stat: 'Average',
    };
    assert.equal(accepted(parseAlarmEvent(event, opts)).fingerprint, parse(FIXTURES.sns).fingerprint);
  });

  it('a composite alarm is fingerprinted by its name', () => {
    const composite = { alarmName: 'ServiceAggregatedAlarm', variant: 'composite' as const, metrics: [] };
    assert.equal(alarmFingerprint(composite, opts), 'composite:ServiceAggregatedAlarm');
    assert.notEqual(alarmFingerprint({ ...composite, alarmName: 'Other' }, opts), alarmFingerprint(composite, opts));
  });

  it('a lineage id is lin- and 16 hex characters, stable for a fingerprint', () => {
    const id = lineageIdFor('composite:ServiceAggregatedAlarm');
    assert.match(id, /^lin-[0-9a-f]{16}$/);
    assert.equal(lineageIdFor('composite:ServiceAggregatedAlarm'), id);
  });
});
