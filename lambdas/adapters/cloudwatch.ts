/** CloudWatch adapter of MetricSource: GetMetricData for the alarm's metrics and a SEARCH per tenant. */
import { type CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { MetricSource, Point } from '#core/ports';
import type { MetricRef } from '#core/signals';
import { mean } from '#core/stats';

const DEFAULT_PERIOD = 60;

/** MetricDataQueries for an alarm's metrics: a MetricStat per metric, an Expression per expression. */
export function metricQueries(metrics: readonly MetricRef[]): MetricDataQuery[] {
  return metrics.map((m, i) => {
    const id = m.id ?? `m${i}`;
    const returnData = m.returnData ?? metrics.length === 1;
    if (m.expression) return { Id: id, Expression: m.expression, ReturnData: returnData, Period: m.periodSeconds ?? DEFAULT_PERIOD };
    return {
      Id: id,
      ReturnData: returnData,
      MetricStat: {
        Metric: {
          Namespace: m.namespace,
          MetricName: m.metricName,
          Dimensions: Object.entries(m.dimensions).map(([Name, Value]) => ({ Name, Value })),
        },
        Period: m.periodSeconds ?? DEFAULT_PERIOD,
        Stat: m.stat ?? 'Average',
      },
    };
  });
}

export class CloudWatchMetricSource implements MetricSource {
  constructor(private readonly client: CloudWatchClient) {}

  private async query(queries: MetricDataQuery[], from: string, to: string) {
    const results = [];
    let NextToken: string | undefined;
    do {
      const out = await this.client.send(
        new GetMetricDataCommand({
          MetricDataQueries: queries,
          StartTime: new Date(from),
          EndTime: new Date(to),
          ScanBy: 'TimestampAscending',
          NextToken,
        }),
      );
      results.push(...(out.MetricDataResults ?? []));
      NextToken = out.NextToken;
    } while (NextToken);
    return results;
  }

  async series(metrics: readonly MetricRef[], from: string, to: string): Promise<Point[]> {
    if (metrics.length === 0) return [];
    const results = await this.query(metricQueries(metrics), from, to);
    const first = results.find((r) => (r.Timestamps?.length ?? 0) > 0);
    if (!first) return [];
    const ts = first.Timestamps ?? [];
    const values = first.Values ?? [];
    return ts.map((t, i) => ({ at: t.toISOString(), value: values[i] ?? 0 })).sort((a, b) => a.at.localeCompare(b.at));
  }

  /** One SEARCH per tenant dimension: a tenant is active with any data, affected when its recent third is 1.5× its earlier level. */
  async tenants(metrics: readonly MetricRef[], tenantDimension: string, from: string, to: string) {
    const m = metrics.find((x) => x.namespace && x.metricName);
    if (!m?.namespace || !m.metricName) return { active: 0, affected: 0 };
    const dims = [m.namespace, tenantDimension, ...Object.keys(m.dimensions).filter((d) => d !== tenantDimension)].map((d) =>
      /[\s,{}"]/.test(d) ? `"${d}"` : d,
    );
    const expression = `SEARCH('{${dims.join(',')}} MetricName="${m.metricName}"', '${m.stat ?? 'Sum'}', ${m.periodSeconds ?? DEFAULT_PERIOD})`;
    const results = await this.query([{ Id: 'tenants', Expression: expression, ReturnData: true }], from, to);
    let active = 0;
    let affected = 0;
    for (const r of results) {
      const values = [...(r.Values ?? [])].reverse(); // ascending in time
      if (values.length === 0) continue;
      active++;
      const cut = Math.floor((values.length * 2) / 3);
      const early = mean(values.slice(0, Math.max(cut, 1)));
      const recent = mean(values.slice(cut));
      if (recent > Math.max(early * 1.5, early + 1e-9)) affected++;
    }
    return { active, affected };
  }
}
