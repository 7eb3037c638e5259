/**
 * CloudWatch alarm events to AlarmSignal. Pure: no I/O, never throws on bad input.
 *
 * Accepted deliveries:
 * - EventBridge "CloudWatch Alarm State Change" (single metric, metric math, anomaly band, composite, suppressed);
 * - the event a Lambda alarm action receives (`source: 'aws.cloudwatch'`, `alarmData`);
 * - SNS alarm notifications: a Lambda SNS event (`Records[].Sns.Message`), a bare SNS message
 *   (`Type`/`Message`) or the parsed notification itself (`AlarmName`, `NewStateValue`, `Trigger`...).
 *
 * Ignored: "CloudWatch Alarm Configuration Change" events (creation, update, deletion of an alarm) and
 * state change events whose new state equals the previous one.
 *
 * It stays one file over 400 lines: it is one parser of one event in every shape CloudWatch delivers
 * it (the shapes' schemas, then their readers), all ending in the one `build` that checks the signal.
 */
import * as z from 'zod';
import { alarmFingerprint } from '#domain/lineage/fingerprint';
import { unique } from '#domain/shared/format';
import { ignored, isRecord, reasonOf, rejected, toIsoDate, withoutUndefined } from './parsing.ts';
import { type AlarmSignal, type AlarmVariant, alarmSignal, alarmState, type MetricRef, type ParseResult } from './signals.ts';

export interface AlarmParseOptions {
  /** The dimension that carries the tenant id (configuration `tenantDimension`). */
  readonly tenantDimension: string;
}

const STATE_CHANGE = 'CloudWatch Alarm State Change';
const CONFIGURATION_CHANGE = 'CloudWatch Alarm Configuration Change';

// ---------------------------------------------------------------------------------------------
// EventBridge and Lambda alarm action shapes (camelCase)

const state = z.object({
  value: alarmState,
  reason: z.string().optional(),
  reasonData: z.string().optional(),
  timestamp: z.string().optional(),
  actionsSuppressedBy: z.string().optional(),
});

const metricDataQuery = z.object({
  id: z.string().optional(),
  expression: z.string().optional(),
  label: z.string().optional(),
  returnData: z.boolean().optional(),
  period: z.number().optional(),
  metricStat: z
    .object({
      metric: z.object({
        namespace: z.string().optional(),
        name: z.string().optional(),
        dimensions: z.record(z.string(), z.string()).optional(),
      }),
      period: z.number().optional(),
      stat: z.string().optional(),
    })
    .optional(),
});

const alarmDetail = z.object({
  alarmName: z.string().min(1),
  state,
  previousState: state.optional(),
  configuration: z
    .object({
      metrics: z.array(metricDataQuery).optional(),
      alarmRule: z.string().optional(),
      comparisonOperator: z.string().optional(),
    })
    .optional(),
});
type AlarmDetail = z.infer<typeof alarmDetail>;

const eventBridgeEnvelope = z.object({
  source: z.literal('aws.cloudwatch'),
  'detail-type': z.string(),
  time: z.string(),
  account: z.string().optional(),
  region: z.string().optional(),
  resources: z.array(z.string()).optional(),
  detail: z.record(z.string(), z.unknown()),
});

const stateChangeEvent = eventBridgeEnvelope.extend({ detail: alarmDetail });

const configurationChangeEvent = eventBridgeEnvelope.extend({
  detail: z.object({ alarmName: z.string().min(1), operation: z.string().optional() }),
});

const lambdaActionEvent = z.object({
  source: z.literal('aws.cloudwatch'),
  alarmArn: z.string().optional(),
  accountId: z.string().optional(),
  time: z.string(),
  region: z.string().optional(),
  alarmData: alarmDetail,
});

// ---------------------------------------------------------------------------------------------
// SNS notification shape (PascalCase)

const snsDimension = z.object({ name: z.string(), value: z.string() });

const snsMetricDataQuery = z.object({
  Id: z.string().optional(),
  Expression: z.string().optional(),
  Label: z.string().optional(),
  ReturnData: z.boolean().optional(),
  Period: z.number().optional(),
  MetricStat: z
    .object({
      Metric: z.object({
        Namespace: z.string().optional(),
        MetricName: z.string().optional(),
        Dimensions: z.array(snsDimension).optional(),
      }),
      Period: z.number().optional(),
      Stat: z.string().optional(),
    })
    .optional(),
});

const snsAlarmMessage = z.object({
  AlarmName: z.string().min(1),
  AlarmArn: z.string().optional(),
  AWSAccountId: z.string().optional(),
  NewStateValue: alarmState,
  OldStateValue: alarmState.optional(),
  NewStateReason: z.string().optional(),
  StateChangeTime: z.string(),
  Region: z.string().optional(),
  /** Composite alarms. */
  AlarmRule: z.string().optional(),
  TriggeringChildren: z.array(z.object({ Arn: z.string() })).optional(),
  Trigger: z
    .object({
      MetricName: z.string().optional(),
      Namespace: z.string().optional(),
      StatisticType: z.string().optional(),
      Statistic: z.string().optional(),
      ExtendedStatistic: z.string().optional(),
      Dimensions: z.array(snsDimension).optional(),
      Period: z.number().optional(),
      Metrics: z.array(snsMetricDataQuery).optional(),
      ComparisonOperator: z.string().optional(),
    })
    .optional(),
});
type SnsAlarmMessage = z.infer<typeof snsAlarmMessage>;

const snsLambdaEvent = z.object({
  Records: z.array(z.object({ Sns: z.object({ Message: z.string() }) })).length(1, 'expected exactly one SNS record'),
});

const snsEnvelope = z.object({ Type: z.string(), Message: z.string() });

const triggeringAlarms = z.object({ triggeringAlarms: z.array(z.object({ arn: z.string() })) });

// ---------------------------------------------------------------------------------------------

/** Parses any supported CloudWatch alarm delivery into an AlarmSignal. */
export function parseAlarmEvent(raw: unknown, opts: AlarmParseOptions): ParseResult<AlarmSignal> {
  if (!isRecord(raw)) return rejected('not a CloudWatch alarm event: not a JSON object');
  if ('Records' in raw) return fromSnsLambdaEvent(raw, opts);
  if ('Message' in raw && 'Type' in raw) return fromSnsEnvelope(raw, opts);
  if ('AlarmName' in raw) return fromSnsMessage(raw, opts);
  if ('alarmData' in raw) return fromLambdaAction(raw, opts);
  if ('detail-type' in raw) return fromEventBridge(raw, opts);
  return rejected(
    'not a CloudWatch alarm event: expected an EventBridge alarm event, a Lambda alarm action event or an SNS alarm notification',
  );
}

function fromEventBridge(raw: Record<string, unknown>, opts: AlarmParseOptions): ParseResult<AlarmSignal> {
  const envelope = eventBridgeEnvelope.safeParse(raw);
  if (!envelope.success) return rejected(`not a CloudWatch alarm event: ${reasonOf(envelope.error, raw)}`);
  const detailType = envelope.data['detail-type'];
  if (detailType === CONFIGURATION_CHANGE) {
    const change = configurationChangeEvent.safeParse(raw);
    if (!change.success) return rejected(`not a CloudWatch alarm event: ${reasonOf(change.error, raw)}`);
    const { alarmName, operation } = change.data.detail;
    return ignored(`configuration change (${operation ?? 'unknown operation'}) of alarm "${alarmName}": not a state change`);
  }
  if (detailType !== STATE_CHANGE) return ignored(`CloudWatch event "${detailType}" is not an alarm state change`);

  const event = stateChangeEvent.safeParse(raw);
  if (!event.success) return rejected(`not a CloudWatch alarm event: ${reasonOf(event.error, raw)}`);
  const { detail, time, account, region, resources } = event.data;
  return fromDetail(detail, {
    source: 'eventbridge',
    time,
    account,
    region,
    alarmArn: resources?.find((r) => r.includes(':alarm:')),
    opts,
  });
}

function fromLambdaAction(raw: Record<string, unknown>, opts: AlarmParseOptions): ParseResult<AlarmSignal> {
  const event = lambdaActionEvent.safeParse(raw);
  if (!event.success) return rejected(`not a CloudWatch alarm action event: ${reasonOf(event.error, raw)}`);
  const { alarmData, time, accountId, region, alarmArn } = event.data;
  // Same payload as the EventBridge detail; the signal contract has no separate source for it.
  return fromDetail(alarmData, { source: 'eventbridge', time, account: accountId, region, alarmArn, opts });
}

interface Envelope {
  readonly source: AlarmSignal['source'];
  readonly time: string;
  readonly account: string | undefined;
  readonly region: string | undefined;
  readonly alarmArn: string | undefined;
  readonly opts: AlarmParseOptions;
}

function fromDetail(detail: AlarmDetail, env: Envelope): ParseResult<AlarmSignal> {
  if (detail.previousState !== undefined && detail.previousState.value === detail.state.value) {
    return ignored(`alarm "${detail.alarmName}" stayed in ${detail.state.value}: no state change`);
  }
  const at = toIsoDate(env.time) ?? toIsoDate(detail.state.timestamp);
  if (at === undefined) return rejected(`invalid CloudWatch alarm event: time "${env.time}" is not a date`);

  const alarmRule = detail.configuration?.alarmRule;
  const metrics = (detail.configuration?.metrics ?? []).map(
    (q): MetricRef => ({
      id: q.id,
      namespace: q.metricStat?.metric.namespace,
      metricName: q.metricStat?.metric.name,
      dimensions: q.metricStat?.metric.dimensions ?? {},
      stat: q.metricStat?.stat,
      periodSeconds: positiveInt(q.metricStat?.period ?? q.period),
      expression: q.expression,
      returnData: q.returnData,
    }),
  );
  const childAlarms =
    alarmRule === undefined ? [] : unique([...alarmNamesInRule(alarmRule), ...triggeringAlarmNames(detail.state.reasonData)]);

  return build({
    source: env.source,
    alarmName: detail.alarmName,
    alarmArn: env.alarmArn,
    account: env.account,
    region: env.region,
    state: detail.state.value,
    previousState: detail.previousState?.value,
    reason: detail.state.reason ?? '',
    at,
    alarmRule,
    metrics,
    childAlarms,
    actionsSuppressedBy: detail.state.actionsSuppressedBy,
    comparisonOperator: detail.configuration?.comparisonOperator,
    opts: env.opts,
  });
}

function fromSnsLambdaEvent(raw: Record<string, unknown>, opts: AlarmParseOptions): ParseResult<AlarmSignal> {
  const event = snsLambdaEvent.safeParse(raw);
  if (!event.success) return rejected(`not an SNS alarm notification: ${reasonOf(event.error, raw)}`);
  const record = event.data.Records[0];
  if (record === undefined) return rejected('not an SNS alarm notification: no SNS record');
  return fromSnsMessageText(record.Sns.Message, opts);
}

function fromSnsEnvelope(raw: Record<string, unknown>, opts: AlarmParseOptions): ParseResult<AlarmSignal> {
  const envelope = snsEnvelope.safeParse(raw);
  if (!envelope.success) return rejected(`not an SNS alarm notification: ${reasonOf(envelope.error, raw)}`);
  return fromSnsMessageText(envelope.data.Message, opts);
}

function fromSnsMessageText(text: string, opts: AlarmParseOptions): ParseResult<AlarmSignal> {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch (error) {
    return rejected(
      `SNS message is not a CloudWatch alarm notification: invalid JSON (${error instanceof Error ? error.message : 'parse error'})`,
    );
  }
  if (!isRecord(message)) return rejected('SNS message is not a CloudWatch alarm notification: not a JSON object');
  return fromSnsMessage(message, opts);
}

function fromSnsMessage(raw: Record<string, unknown>, opts: AlarmParseOptions): ParseResult<AlarmSignal> {
  const parsed = snsAlarmMessage.safeParse(raw);
  if (!parsed.success) return rejected(`SNS message is not a CloudWatch alarm notification: ${reasonOf(parsed.error, raw)}`);
  const m = parsed.data;
  if (m.OldStateValue !== undefined && m.OldStateValue === m.NewStateValue) {
    return ignored(`alarm "${m.AlarmName}" stayed in ${m.NewStateValue}: no state change`);
  }
  const at = toIsoDate(m.StateChangeTime);
  if (at === undefined) return rejected(`invalid SNS alarm notification: StateChangeTime "${m.StateChangeTime}" is not a date`);
  const childAlarms =
    m.AlarmRule === undefined
      ? []
      : unique([...alarmNamesInRule(m.AlarmRule), ...(m.TriggeringChildren ?? []).map((c) => alarmNameOf(c.Arn))]);

  return build({
    source: 'sns',
    alarmName: m.AlarmName,
    alarmArn: m.AlarmArn,
    account: m.AWSAccountId,
    // Notifications name the region in words ("US East (N. Virginia)"); the ARN has the code.
    region: [regionOfArn(m.AlarmArn), m.Region].find(isRegionCode),
    state: m.NewStateValue,
    previousState: m.OldStateValue,
    reason: m.NewStateReason ?? '',
    at,
    alarmRule: m.AlarmRule,
    metrics: snsMetrics(m),
    childAlarms,
    actionsSuppressedBy: undefined,
    comparisonOperator: m.Trigger?.ComparisonOperator,
    opts,
  });
}

function snsMetrics(m: SnsAlarmMessage): MetricRef[] {
  const trigger = m.Trigger;
  if (trigger === undefined) return [];
  if (trigger.Metrics !== undefined && trigger.Metrics.length > 0) {
    return trigger.Metrics.map((q) => ({
      id: q.Id,
      namespace: q.MetricStat?.Metric.Namespace,
      metricName: q.MetricStat?.Metric.MetricName,
      dimensions: dimensionsOf(q.MetricStat?.Metric.Dimensions),
      stat: normalizeStat(q.MetricStat?.Stat),
      periodSeconds: positiveInt(q.MetricStat?.Period ?? q.Period),
      expression: q.Expression,
      returnData: q.ReturnData,
    }));
  }
  if (trigger.MetricName === undefined && trigger.Namespace === undefined) return [];
  const stat = trigger.StatisticType === 'ExtendedStatistic' ? trigger.ExtendedStatistic : normalizeStat(trigger.Statistic);
  return [
    {
      namespace: trigger.Namespace,
      metricName: trigger.MetricName,
      dimensions: dimensionsOf(trigger.Dimensions),
      stat,
      periodSeconds: positiveInt(trigger.Period),
    },
  ];
}

interface SignalParts {
  readonly source: AlarmSignal['source'];
  readonly alarmName: string;
  readonly alarmArn: string | undefined;
  readonly account: string | undefined;
  readonly region: string | undefined;
  readonly state: AlarmSignal['state'];
  readonly previousState: AlarmSignal['previousState'];
  readonly reason: string;
  readonly at: string;
  readonly alarmRule: string | undefined;
  readonly metrics: MetricRef[];
  readonly childAlarms: string[];
  readonly actionsSuppressedBy: string | undefined;
  readonly comparisonOperator: string | undefined;
  readonly opts: AlarmParseOptions;
}

function build(p: SignalParts): ParseResult<AlarmSignal> {
  const variant = variantOf(p.metrics, p.alarmRule);
  const metrics = variant === 'composite' ? [] : p.metrics.map(withoutUndefined);
  const tenant = metrics.map((m) => m.dimensions[p.opts.tenantDimension]).find((v) => v !== undefined);
  const candidate = withoutUndefined({
    kind: 'alarm' as const,
    source: p.source,
    alarmName: p.alarmName,
    alarmArn: p.alarmArn,
    account: p.account,
    region: p.region,
    state: p.state,
    previousState: p.previousState,
    reason: p.reason,
    at: p.at,
    variant,
    metrics,
    childAlarms: p.childAlarms,
    tenant,
    fingerprint: alarmFingerprint({ alarmName: p.alarmName, variant, metrics }, p.opts),
    actionsSuppressedBy: p.actionsSuppressedBy,
    comparisonOperator: p.comparisonOperator,
  });
  const checked = alarmSignal.safeParse(candidate);
  if (!checked.success) return rejected(`invalid CloudWatch alarm event: ${reasonOf(checked.error, candidate)}`);
  return { outcome: 'accepted', signal: checked.data };
}

/** composite: has an alarm rule; anomaly-band: an ANOMALY_DETECTION_BAND expression; metric-math: any other expression. */
export function variantOf(metrics: readonly Pick<MetricRef, 'expression'>[], alarmRule: string | undefined): AlarmVariant {
  if (alarmRule !== undefined) return 'composite';
  const expressions = metrics.flatMap((m) => (m.expression === undefined ? [] : [m.expression]));
  if (expressions.some((e) => /\bANOMALY_DETECTION_BAND\s*\(/i.test(e))) return 'anomaly-band';
  if (expressions.length > 0 || metrics.length > 1) return 'metric-math';
  return 'single-metric';
}

/**
 * Alarm names a composite alarm rule refers to: `ALARM(name)`, `OK("name")`, `INSUFFICIENT_DATA(arn)` and the
 * alarm lists of `AT_LEAST(n, STATE, (a, b))`. ARNs become alarm names.
 */
export function alarmNamesInRule(rule: string): string[] {
  const names: string[] = [];
  const single = /\b(?:ALARM|OK|INSUFFICIENT_DATA)\s*\(\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([^\s(),"']+))\s*\)/g;
  for (const match of rule.matchAll(single)) {
    const name = match[1]?.replace(/\\(.)/g, '$1') ?? match[2] ?? match[3];
    if (name !== undefined && name !== '') names.push(alarmNameOf(name));
  }
  const atLeast = /\bAT_LEAST\s*\([^,()]*,[^,()]*,\s*\(([^)]*)\)\s*\)/g;
  for (const match of rule.matchAll(atLeast)) {
    for (const item of (match[1] ?? '').split(',')) {
      const name = item.trim().replace(/^(["'])(.*)\1$/, '$2');
      if (name !== '') names.push(alarmNameOf(name));
    }
  }
  return unique(names);
}

/** Names of the alarms in a composite alarm's `reasonData.triggeringAlarms`, when present. */
function triggeringAlarmNames(reasonData: string | undefined): string[] {
  if (reasonData === undefined) return [];
  let data: unknown;
  try {
    data = JSON.parse(reasonData);
  } catch {
    return [];
  }
  const parsed = triggeringAlarms.safeParse(data);
  return parsed.success ? parsed.data.triggeringAlarms.map((a) => alarmNameOf(a.arn)) : [];
}

/** `arn:aws:cloudwatch:us-east-1:123456789012:alarm:Name` → `Name`; a plain name stays as it is. */
function alarmNameOf(nameOrArn: string): string {
  const marker = ':alarm:';
  const at = nameOrArn.startsWith('arn:') ? nameOrArn.indexOf(marker) : -1;
  return at === -1 ? nameOrArn : nameOrArn.slice(at + marker.length);
}

function regionOfArn(arn: string | undefined): string | undefined {
  return arn?.split(':')[3];
}

function isRegionCode(value: string | undefined): value is string {
  return value !== undefined && /^[a-z]{2}(?:-[a-z]+)+-\d+$/.test(value);
}

function dimensionsOf(dimensions: readonly { name: string; value: string }[] | undefined): Record<string, string> {
  return Object.fromEntries((dimensions ?? []).map((d) => [d.name, d.value]));
}

const SNS_STATISTICS: Readonly<Record<string, string>> = {
  AVERAGE: 'Average',
  SUM: 'Sum',
  MINIMUM: 'Minimum',
  MAXIMUM: 'Maximum',
  SAMPLE_COUNT: 'SampleCount',
  SAMPLECOUNT: 'SampleCount',
};

/** SNS notifications spell statistics in capitals (`AVERAGE`); EventBridge events use `Average`. */
function normalizeStat(stat: string | undefined): string | undefined {
  return stat === undefined ? undefined : (SNS_STATISTICS[stat] ?? stat);
}

function positiveInt(value: number | undefined): number | undefined {
  return value !== undefined && Number.isInteger(value) && value > 0 ? value : undefined;
}
