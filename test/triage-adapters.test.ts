/** The CloudWatch and Logs Insights adapters triage reads through, with the AWS SDK clients mocked at `send`. */
import assert from 'node:assert/strict';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { describe, test } from 'vitest';
import { CloudWatchAlarmDirectory, CloudWatchMetricSource, retainedPeriod, ruleAlarmNames } from '#adapters/aws/cloudwatch';
import { LogsInsightsSource } from '#adapters/aws/logs';
import type { MetricRef } from '#domain/signals/signals';

type Sent = { name: string; input: Record<string, unknown> };
/** A client whose `send` records each command and answers from a script. */
function fakeClient<T>(answer: (name: string, input: Record<string, unknown>, n: number) => unknown): { client: T; sent: Sent[] } {
  const sent: Sent[] = [];
  const client = {
    async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
      sent.push({ name: command.constructor.name, input: command.input });
      return answer(command.constructor.name, command.input, sent.length);
    },
  } as unknown as T;
  return { client, sent };
}

const now = new Date('2026-03-23T09:15:00Z');
const errors: MetricRef = {
  id: 'm1',
  namespace: 'Shop/Checkout',
  metricName: 'Errors5xx',
  dimensions: { Service: 'checkout' },
  stat: 'Sum',
  periodSeconds: 60,
};
type Query = { Id: string; ReturnData: boolean; Period?: number; Expression?: string; Label?: string; MetricStat?: { Period: number } };

describe('CloudWatch metrics', () => {
  test("history older than fifteen days is asked at five-minute periods and scaled back to the alarm's period", async () => {
    const { client, sent } = fakeClient<CloudWatchClient>(() => ({
      MetricDataResults: [{ Id: 'm1', Timestamps: [new Date('2026-03-02T09:00:00Z')], Values: [500] }],
    }));
    const source = new CloudWatchMetricSource(client, () => now);
    const points = await source.series([errors], '2026-03-02T06:15:00Z', '2026-03-02T09:15:00Z');
    const q = ((sent[0]?.input.MetricDataQueries ?? []) as Query[])[0];
    assert.equal(q?.MetricStat?.Period, 300);
    assert.deepEqual(points, [{ at: '2026-03-02T09:00:00.000Z', value: 100 }], 'a 5-minute sum is five 1-minute sums');
    assert.equal(retainedPeriod(60, new Date('2026-03-20T00:00:00Z'), now), 60);
    assert.equal(retainedPeriod(60, new Date('2025-12-01T00:00:00Z'), now), 3600);
  });

  test('an anomaly-band alarm is measured on its data metric, not on the band', async () => {
    const { client, sent } = fakeClient<CloudWatchClient>(() => ({
      MetricDataResults: [{ Id: 'm1', Timestamps: [now], Values: [7] }],
    }));
    const band: MetricRef = { id: 'ad1', expression: 'ANOMALY_DETECTION_BAND(m1, 2)', dimensions: {}, returnData: true };
    const points = await new CloudWatchMetricSource(client, () => now).series(
      [{ ...errors, returnData: true }, band],
      now.toISOString(),
      now.toISOString(),
    );
    const queries = sent[0]?.input.MetricDataQueries as Query[];
    assert.deepEqual(
      queries.map((q) => [q.Id, q.ReturnData]),
      [['m1', true]],
    );
    assert.equal(points[0]?.value, 7);
  });

  test('a metric-math alarm returns its expression; its inputs are not returned', async () => {
    const { client, sent } = fakeClient<CloudWatchClient>(() => ({ MetricDataResults: [{ Id: 'e1', Timestamps: [now], Values: [0.5] }] }));
    const math: MetricRef = { id: 'e1', expression: '100 * m1 / m2', dimensions: {}, returnData: true, periodSeconds: 60 };
    await new CloudWatchMetricSource(client, () => now).series(
      [math, { ...errors, returnData: false }],
      now.toISOString(),
      now.toISOString(),
    );
    const queries = sent[0]?.input.MetricDataQueries as Query[];
    assert.deepEqual(
      queries.map((q) => [q.Id, q.ReturnData]),
      [
        ['e1', true],
        ['m1', false],
      ],
    );
  });

  test('the per-tenant SEARCH holds the other dimensions at their values and labels each series with its tenant; pages merge', async () => {
    const { client, sent } = fakeClient<CloudWatchClient>((_n, _i, n) =>
      n === 1
        ? {
            MetricDataResults: [
              { Id: 'tenants', Label: 'acme', Timestamps: [new Date('2026-03-23T09:00:00Z')], Values: [3] },
              { Id: 'tenants', Label: 'globex', Timestamps: [new Date('2026-03-23T09:00:00Z')], Values: [1] },
            ],
            NextToken: 'page-2',
          }
        : { MetricDataResults: [{ Id: 'tenants', Label: 'acme', Timestamps: [new Date('2026-03-23T09:01:00Z')], Values: [4] }] },
    );
    const series = await new CloudWatchMetricSource(client, () => now).tenantSeries(
      [errors],
      'TenantId',
      '2026-03-23T06:15:00Z',
      now.toISOString(),
    );
    const q = ((sent[0]?.input.MetricDataQueries ?? []) as Query[])[0];
    assert.equal(q?.Expression, `SEARCH('{Shop/Checkout,TenantId,Service} MetricName="Errors5xx" Service="checkout"', 'Sum', 60)`);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudWatch dynamic label, not a template
    assert.equal(q?.Label, "${PROP('Dim.TenantId')}");
    assert.deepEqual(
      series.map((s) => [s.tenant, s.points.map((p) => p.value)]),
      [
        ['acme', [3, 4]],
        ['globex', [1]],
      ],
    );
  });
});

describe('CloudWatch alarms', () => {
  test("a composite alarm's rule names its children, by name or by ARN", () => {
    assert.deepEqual(
      ruleAlarmNames(
        'ALARM("prod-checkout-5xx") OR (ALARM(prod-checkout-latency) AND NOT OK("arn:aws:cloudwatch:us-east-1:1:alarm:db-cpu"))',
      ),
      ['prod-checkout-5xx', 'prod-checkout-latency', 'db-cpu'],
    );
  });

  test('DescribeAlarms maps metric alarms to their metrics and composite alarms to their children', async () => {
    const { client, sent } = fakeClient<CloudWatchClient>(() => ({
      MetricAlarms: [
        {
          AlarmName: 'prod-checkout-5xx',
          StateValue: 'ALARM',
          StateUpdatedTimestamp: now,
          Namespace: 'Shop/Checkout',
          MetricName: 'Errors5xx',
          Dimensions: [{ Name: 'Service', Value: 'checkout' }],
          Statistic: 'Sum',
          Period: 60,
        },
        {
          AlarmName: 'prod-checkout-rate',
          StateValue: 'OK',
          Metrics: [
            { Id: 'e1', Expression: 'm1 / m2', ReturnData: true },
            {
              Id: 'm1',
              MetricStat: { Metric: { Namespace: 'Shop/Checkout', MetricName: 'Errors5xx' }, Period: 60, Stat: 'Sum' },
              ReturnData: false,
            },
          ],
        },
      ],
      CompositeAlarms: [
        { AlarmName: 'prod-checkout-health', StateValue: 'ALARM', AlarmRule: 'ALARM("prod-checkout-5xx") OR ALARM("prod-checkout-rate")' },
      ],
    }));
    const described = await new CloudWatchAlarmDirectory(client).describe([
      'prod-checkout-5xx',
      'prod-checkout-rate',
      'prod-checkout-health',
    ]);
    assert.deepEqual(sent[0]?.input.AlarmTypes, ['MetricAlarm', 'CompositeAlarm']);
    const [single, math, composite] = described;
    assert.deepEqual(single?.metrics[0], {
      id: 'm1',
      namespace: 'Shop/Checkout',
      metricName: 'Errors5xx',
      dimensions: { Service: 'checkout' },
      stat: 'Sum',
      periodSeconds: 60,
      returnData: true,
    });
    assert.equal(single?.stateSince, now.toISOString());
    assert.deepEqual(
      math?.metrics.map((m) => [m.id, m.expression ?? m.metricName, m.returnData]),
      [
        ['e1', 'm1 / m2', true],
        ['m1', 'Errors5xx', false],
      ],
    );
    assert.deepEqual(composite?.childAlarms, ['prod-checkout-5xx', 'prod-checkout-rate']);
  });
});

describe('Logs Insights', () => {
  test('polls until the query completes and returns @message rows with their timestamps', async () => {
    const { client, sent } = fakeClient<CloudWatchLogsClient>((name, _input, n) => {
      if (name === 'StartQueryCommand') return { queryId: 'q-1' };
      if (n < 4) return { status: 'Running', results: [] };
      return {
        status: 'Complete',
        results: [
          [
            { field: '@timestamp', value: '2026-03-02 09:14:02.123' },
            { field: '@message', value: 'ERROR E_CART_TOTAL failed' },
          ],
          [{ field: '@timestamp', value: '2026-03-02 09:13:00.000' }],
        ],
      };
    });
    const waits: number[] = [];
    const source = new LogsInsightsSource(client, { sleep: async (ms) => void waits.push(ms) });
    const samples = await source.samples({
      logGroups: ['/shop/checkout'],
      query: 'fields @message',
      from: '2026-03-02T08:15:00Z',
      to: '2026-03-02T09:15:00Z',
      limit: 10,
    });
    assert.deepEqual(samples, [{ at: '2026-03-02T09:14:02.123Z', message: 'ERROR E_CART_TOTAL failed' }]);
    const start = sent[0]?.input as { logGroupNames: string[]; startTime: number; endTime: number; queryString: string };
    assert.deepEqual(start.logGroupNames, ['/shop/checkout']);
    assert.equal(start.startTime, Date.parse('2026-03-02T08:15:00Z') / 1000);
    assert.deepEqual(waits, [250, 500], 'backs off between polls');
  });

  test('a query that fails says so, with its status', async () => {
    const { client } = fakeClient<CloudWatchLogsClient>((name) =>
      name === 'StartQueryCommand' ? { queryId: 'q-2' } : { status: 'Failed' },
    );
    await assert.rejects(
      new LogsInsightsSource(client, { sleep: async () => {} }).samples({
        logGroups: ['/g'],
        query: 'q',
        from: now.toISOString(),
        to: now.toISOString(),
        limit: 5,
      }),
      /q-2 ended Failed/,
    );
  });
});
