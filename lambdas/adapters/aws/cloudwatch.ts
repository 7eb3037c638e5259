/**
 * CloudWatch adapters:
 * - MetricSource: GetMetricData for the alarm's metrics (single metric, metric math, anomaly band),
 *   with the period CloudWatch's retention allows for older windows, and a SEARCH per tenant dimension;
 * - AlarmDirectory: DescribeAlarms, to resolve composite alarms and to see which alarms are in ALARM;
 * - AlarmTags: ListTagsForResource, for alarms watched by tag.
 */
import {
  type CloudWatchClient,
  type CompositeAlarm,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  ListTagsForResourceCommand,
  type MetricAlarm,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { mean } from '#domain/shared/stats';
import type { Point, TenantSeries } from '#domain/signals/series';
import type { MetricRef } from '#domain/signals/signals';
import type { AlarmDescription, AlarmDirectory, AlarmTags } from '#ports/alarms';
import type { MetricSource } from '#ports/metrics';
import { settledAwsFailure } from './errors.ts';

const DEFAULT_PERIOD = 60;
const DAY_MS = 86_400_000;
/** Pages of DescribeAlarms read for alarms in ALARM (100 alarms a page). */
const MAX_ALARM_PAGES = 10;

/**
 * The period CloudWatch still has data for at a window's start: 1-minute data is kept 15 days, 5-minute
 * data 63 days, then hourly data. Asking for a finer period than retention allows returns nothing.
 */
export function retainedPeriod(periodSeconds: number, from: Date, now: Date): number {
  const age = now.getTime() - from.getTime();
  const floor = age > 63 * DAY_MS ? 3600 : age > 15 * DAY_MS ? 300 : Math.min(periodSeconds, 60);
  if (periodSeconds >= floor) return periodSeconds;
  return floor;
}

/** The id whose values are the alarm's signal: the data metric of an anomaly band, else the one returned. */
export function primaryId(metrics: readonly MetricRef[]): string | undefined {
  const ids = metrics.map((m, i) => m.id ?? `m${i}`);
  const band = metrics.find((m) => m.expression && /ANOMALY_DETECTION_BAND\s*\(/i.test(m.expression));
  if (band?.expression) {
    const inner = /ANOMALY_DETECTION_BAND\s*\(\s*([A-Za-z0-9_]+)/i.exec(band.expression)?.[1];
    if (inner && ids.includes(inner)) return inner;
  }
  const returned = metrics.map((m, i) => (m.returnData ? ids[i] : undefined)).filter((x): x is string => x !== undefined);
  return returned.length === 1 ? returned[0] : ids[0];
}

/** MetricDataQueries for an alarm's metrics: a MetricStat per metric, an Expression per expression; only the signal is returned. */
export function metricQueries(metrics: readonly MetricRef[], period?: number): MetricDataQuery[] {
  const signal = primaryId(metrics);
  return metrics
    .map((m, i) => ({ m, id: m.id ?? `m${i}` }))
    .filter(({ m }) => !(m.expression && /ANOMALY_DETECTION_BAND\s*\(/i.test(m.expression)))
    .map(({ m, id }) => {
      const returnData = id === signal;
      const p = Math.max(period ?? 0, m.periodSeconds ?? DEFAULT_PERIOD);
      if (m.expression) return { Id: id, Expression: m.expression, ReturnData: returnData, Period: p };
      return {
        Id: id,
        ReturnData: returnData,
        MetricStat: {
          Metric: {
            Namespace: m.namespace,
            MetricName: m.metricName,
            Dimensions: Object.entries(m.dimensions).map(([Name, Value]) => ({ Name, Value })),
          },
          Period: p,
          Stat: m.stat ?? 'Average',
        },
      };
    });
}

const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** A SEARCH expression for a metric per tenant, the alarm's other dimensions held at their values. */
export function tenantSearch(m: MetricRef, tenantDimension: string, period: number): string {
  const others = Object.entries(m.dimensions).filter(([d]) => d !== tenantDimension);
  const schema = [m.namespace as string, tenantDimension, ...others.map(([d]) => d)].map((d) => (/[\s,{}"=()]/.test(d) ? quote(d) : d));
  const terms = [
    `MetricName=${quote(m.metricName as string)}`,
    ...others.map(([d, v]) => `${/[\s"=]/.test(d) ? quote(d) : d}=${quote(v)}`),
  ];
  return `SEARCH('{${schema.join(',')}} ${terms.join(' ').replace(/'/g, "\\'")}', '${m.stat ?? 'Sum'}', ${period})`;
}

export class CloudWatchMetricSource implements MetricSource {
  constructor(
    private readonly client: CloudWatchClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private async query(queries: MetricDataQuery[], from: string, to: string, labels?: boolean): Promise<MetricDataResult[]> {
    const results: MetricDataResult[] = [];
    let NextToken: string | undefined;
    do {
      const out = await this.client.send(
        new GetMetricDataCommand({
          MetricDataQueries: queries,
          StartTime: new Date(from),
          EndTime: new Date(to),
          ScanBy: 'TimestampAscending',
          NextToken,
          ...(labels ? { LabelOptions: { Timezone: '+0000' } } : {}),
        }),
      );
      // Pages continue a series: merge by id (and label, for SEARCH).
      for (const r of out.MetricDataResults ?? []) {
        const same = results.find((x) => x.Id === r.Id && x.Label === r.Label);
        if (same) {
          same.Timestamps = [...(same.Timestamps ?? []), ...(r.Timestamps ?? [])];
          same.Values = [...(same.Values ?? []), ...(r.Values ?? [])];
        } else results.push({ ...r });
      }
      NextToken = out.NextToken;
    } while (NextToken);
    return results;
  }

  async series(metrics: readonly MetricRef[], from: string, to: string): Promise<Point[]> {
    if (metrics.length === 0) return [];
    const id = primaryId(metrics);
    const signal = metrics.find((m, i) => (m.id ?? `m${i}`) === id) ?? metrics[0];
    const base = signal?.periodSeconds ?? metrics.find((m) => m.periodSeconds)?.periodSeconds ?? DEFAULT_PERIOD;
    const period = retainedPeriod(base, new Date(from), this.now());
    const results = await this.query(metricQueries(metrics, period), from, to);
    const r = results.find((x) => x.Id === id && (x.Timestamps?.length ?? 0) > 0) ?? results.find((x) => (x.Timestamps?.length ?? 0) > 0);
    if (!r) return [];
    // A coarser period than the alarm's (retention) sums more per point: back to the alarm's scale for counts.
    const stat = signal?.stat ?? '';
    const scale = period > base && /^(sum|samplecount)$/i.test(stat) ? base / period : 1;
    return toPoints(r, scale);
  }

  /** One SEARCH per tenant dimension; each tenant's series is labelled with its dimension value. */
  async tenantSeries(metrics: readonly MetricRef[], tenantDimension: string, from: string, to: string): Promise<TenantSeries[]> {
    const m = metrics.find((x) => x.namespace && x.metricName);
    if (!m?.namespace || !m.metricName) return [];
    const period = retainedPeriod(m.periodSeconds ?? DEFAULT_PERIOD, new Date(from), this.now());
    const results = await this.query(
      [
        {
          Id: 'tenants',
          Expression: tenantSearch(m, tenantDimension, period),
          Label: `\${PROP('Dim.${tenantDimension}')}`,
          ReturnData: true,
        },
      ],
      from,
      to,
      true,
    );
    return results
      .filter((r) => (r.Values?.length ?? 0) > 0)
      .map((r, i) => ({ tenant: r.Label && r.Label.length > 0 ? r.Label : `series-${i + 1}`, points: toPoints(r, 1) }));
  }

  /** Aggregate breadth: a tenant is active with any data, affected when its last third is 1.5× its earlier level. */
  async tenants(metrics: readonly MetricRef[], tenantDimension: string, from: string, to: string) {
    const series = await this.tenantSeries(metrics, tenantDimension, from, to);
    let affected = 0;
    for (const s of series) {
      const values = s.points.map((p) => p.value);
      const cut = Math.floor((values.length * 2) / 3);
      const early = mean(values.slice(0, Math.max(cut, 1)));
      const recent = mean(values.slice(cut));
      if (recent > Math.max(early * 1.5, early + 1e-9)) affected++;
    }
    return { active: series.length, affected };
  }
}

function toPoints(r: MetricDataResult, scale: number): Point[] {
  const ts = r.Timestamps ?? [];
  const values = r.Values ?? [];
  return ts
    .map((t, i) => ({ at: new Date(t).toISOString(), value: (values[i] ?? 0) * scale }))
    .sort((a, b) => a.at.localeCompare(b.at))
    .filter((p, i, all) => i === 0 || p.at !== all[i - 1]?.at);
}

/** A metric alarm's metrics as MetricRefs: its single metric, or its metric-math and anomaly-band queries. */
export function alarmMetrics(a: MetricAlarm): MetricRef[] {
  if (a.Metrics && a.Metrics.length > 0) {
    return a.Metrics.map((q) => ({
      ...(q.Id ? { id: q.Id } : {}),
      ...(q.Expression ? { expression: q.Expression } : {}),
      ...(q.MetricStat?.Metric?.Namespace ? { namespace: q.MetricStat.Metric.Namespace } : {}),
      ...(q.MetricStat?.Metric?.MetricName ? { metricName: q.MetricStat.Metric.MetricName } : {}),
      dimensions: Object.fromEntries((q.MetricStat?.Metric?.Dimensions ?? []).map((d) => [d.Name ?? '', d.Value ?? ''])),
      ...(q.MetricStat?.Stat ? { stat: q.MetricStat.Stat } : {}),
      ...((q.MetricStat?.Period ?? q.Period) ? { periodSeconds: q.MetricStat?.Period ?? q.Period } : {}),
      ...(q.ReturnData !== undefined ? { returnData: q.ReturnData } : {}),
    }));
  }
  if (!a.MetricName) return [];
  return [
    {
      id: 'm1',
      ...(a.Namespace ? { namespace: a.Namespace } : {}),
      metricName: a.MetricName,
      dimensions: Object.fromEntries((a.Dimensions ?? []).map((d) => [d.Name ?? '', d.Value ?? ''])),
      stat: a.ExtendedStatistic ?? a.Statistic ?? 'Average',
      ...(a.Period ? { periodSeconds: a.Period } : {}),
      returnData: true,
    },
  ];
}

/** The alarm names a composite alarm's rule refers to: ALARM("name"), OK(name), INSUFFICIENT_DATA(arn). */
export function ruleAlarmNames(rule: string): string[] {
  const names: string[] = [];
  for (const m of rule.matchAll(/\b(?:ALARM|OK|INSUFFICIENT_DATA)\s*\(\s*(?:"((?:[^"\\]|\\.)*)"|([^)\s]+))\s*\)/g)) {
    const raw = (m[1] ?? m[2] ?? '').replace(/\\"/g, '"');
    names.push(raw.includes(':alarm:') ? (raw.split(':alarm:')[1] ?? raw) : raw);
  }
  return [...new Set(names)];
}

/** Tags rarely change: one ListTagsForResource per alarm per container and TTL, however loud the storm. */
const TAG_TTL_MS = 5 * 60_000;
const TAG_CACHE_SIZE = 1000;

export class CloudWatchAlarmTags implements AlarmTags {
  readonly #cache = new Map<string, { tags: Readonly<Record<string, string>> | undefined; until: number }>();

  constructor(
    private readonly client: CloudWatchClient,
    private readonly now: () => number = Date.now,
  ) {}

  async tagsOf(alarmArn: string): Promise<Readonly<Record<string, string>> | undefined> {
    const cached = this.#cache.get(alarmArn);
    if (cached && cached.until > this.now()) return cached.tags;
    let tags: Record<string, string> | undefined;
    try {
      const out = await this.client.send(new ListTagsForResourceCommand({ ResourceARN: alarmArn }));
      tags = Object.fromEntries((out.Tags ?? []).flatMap((t) => (t.Key ? [[t.Key, t.Value ?? '']] : [])));
    } catch (error) {
      const { kind, detail } = settledAwsFailure(`reading the tags of ${alarmArn}`, error);
      if (kind !== 'not-found')
        throw new Error(`cannot read the tags of ${alarmArn} (cloudwatch:ListTagsForResource): ${detail}`, { cause: error });
      tags = undefined;
    }
    if (this.#cache.size >= TAG_CACHE_SIZE) this.#cache.delete(this.#cache.keys().next().value as string);
    this.#cache.set(alarmArn, { tags, until: this.now() + TAG_TTL_MS });
    return tags;
  }
}

export class CloudWatchAlarmDirectory implements AlarmDirectory {
  constructor(private readonly client: CloudWatchClient) {}

  async describe(alarmNames: readonly string[]): Promise<AlarmDescription[]> {
    const out: AlarmDescription[] = [];
    for (let i = 0; i < alarmNames.length; i += 100) {
      const page = await this.client.send(
        new DescribeAlarmsCommand({ AlarmNames: alarmNames.slice(i, i + 100), AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }),
      );
      out.push(...(page.MetricAlarms ?? []).map(describeMetricAlarm), ...(page.CompositeAlarms ?? []).map(describeCompositeAlarm));
    }
    return out;
  }

  async inAlarm(): Promise<AlarmDescription[]> {
    const out: AlarmDescription[] = [];
    let NextToken: string | undefined;
    let pages = 0;
    do {
      const page = await this.client.send(
        new DescribeAlarmsCommand({ StateValue: 'ALARM', AlarmTypes: ['MetricAlarm'], MaxRecords: 100, NextToken }),
      );
      out.push(...(page.MetricAlarms ?? []).map(describeMetricAlarm));
      NextToken = page.NextToken;
    } while (NextToken && ++pages < MAX_ALARM_PAGES);
    return out;
  }
}

function describeMetricAlarm(a: MetricAlarm): AlarmDescription {
  return {
    alarmName: a.AlarmName ?? '',
    state: (a.StateValue ?? 'INSUFFICIENT_DATA') as AlarmDescription['state'],
    ...(a.StateUpdatedTimestamp ? { stateSince: new Date(a.StateUpdatedTimestamp).toISOString() } : {}),
    metrics: alarmMetrics(a),
    childAlarms: [],
    ...(a.ComparisonOperator ? { comparisonOperator: a.ComparisonOperator } : {}),
  };
}

function describeCompositeAlarm(a: CompositeAlarm): AlarmDescription {
  return {
    alarmName: a.AlarmName ?? '',
    state: (a.StateValue ?? 'INSUFFICIENT_DATA') as AlarmDescription['state'],
    ...(a.StateUpdatedTimestamp ? { stateSince: new Date(a.StateUpdatedTimestamp).toISOString() } : {}),
    metrics: [],
    childAlarms: ruleAlarmNames(a.AlarmRule ?? ''),
  };
}
