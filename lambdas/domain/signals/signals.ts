/** Normalized signals: what ingestion makes of any incoming event. zod schemas are the contract. */
import * as z from 'zod';

export const isoDate = z.string().datetime({ offset: true });

/** Years no AWS or CI event carries: an event's time outside them is a broken clock or a forged event. */
const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST = Date.UTC(2100, 0, 1);
/** When an incoming event says something happened (not prodloop's own instants, which may be the epoch for "none"). */
export const eventTime = isoDate.refine((s) => {
  const t = Date.parse(s);
  return t >= EARLIEST && t < LATEST;
}, 'must be a time between the years 2000 and 2099');

/** Control characters (NUL and the other C0 and C1 controls), which no AWS name or identifier contains. */
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}
/**
 * A name as AWS limits it: not blank, at most `max` characters, no control characters. Applied at the
 * edge so that what is accepted also fits DynamoDB (no empty attribute names, items under 400 KB).
 */
export const awsName = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => s.trim().length > 0, 'must not be blank')
    .refine((s) => !hasControl(s), 'must not contain control characters');
/** An AWS account id: 12 digits. */
export const accountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');
/** A region code (us-east-1, eu-central-2, us-gov-west-1, cn-north-1). */
export const regionCode = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'must be an AWS region code');

export const metricRef = z.object({
  /** Metric-math query id, when the alarm uses metric math. */
  id: awsName(255).optional(),
  namespace: awsName(255).optional(),
  metricName: awsName(255).optional(),
  /** At most 30 dimensions (CloudWatch's limit); names of at most 255 characters, values of at most 1024. */
  dimensions: z
    .record(awsName(255), awsName(1024))
    .refine((d) => Object.keys(d).length <= 30, 'must have at most 30 dimensions')
    .default({}),
  stat: awsName(255).optional(),
  periodSeconds: z.number().int().positive().optional(),
  /** Metric-math or anomaly-detection expression. */
  /** CloudWatch allows 2,048 characters (GetMetricData's Expression). */
  expression: z.string().max(2048, 'must be at most 2048 characters').optional(),
  returnData: z.boolean().optional(),
});
export type MetricRef = z.infer<typeof metricRef>;

export const alarmState = z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']);
export type AlarmState = z.infer<typeof alarmState>;

export const alarmVariant = z.enum(['single-metric', 'metric-math', 'anomaly-band', 'composite']);
export type AlarmVariant = z.infer<typeof alarmVariant>;

export const alarmSignal = z.object({
  kind: z.literal('alarm'),
  source: z.enum(['eventbridge', 'sns']),
  /** CloudWatch allows 255 characters. */
  alarmName: awsName(255),
  alarmArn: awsName(2048).optional(),
  account: accountId.optional(),
  region: regionCode.optional(),
  state: alarmState,
  previousState: alarmState.optional(),
  /** CloudWatch's state reason is at most 1,023 characters; more room is left for what a parser adds. */
  reason: z.string().max(4096, 'must be at most 4096 characters').default(''),
  /** When the state changed (the event's time), ISO 8601. */
  at: eventTime,
  variant: alarmVariant,
  metrics: z.array(metricRef).default([]),
  /** Composite alarms: the alarms named in the rule, and those whose state triggered it. */
  childAlarms: z.array(awsName(255)).max(100, 'a composite alarm names at most 100 alarms').default([]),
  /** The tenant the alarm is about, when the configured tenant dimension is present. */
  tenant: awsName(1024).optional(),
  /** Stable fingerprint of the problem (metric and dimensions minus the tenant dimension). */
  fingerprint: z.string().min(1),
  /** Set when CloudWatch suppressed the alarm's actions (suppressor alarm, wait or extension period). */
  actionsSuppressedBy: awsName(2048).optional(),
  /** The alarm's comparison operator (`GreaterThanThreshold`, `LessThanThreshold`…), when the event carries it: which way is worse. */
  comparisonOperator: awsName(64).optional(),
});
export type AlarmSignal = z.infer<typeof alarmSignal>;

export const dependencyChange = z.object({
  name: z.string().min(1),
  from: z.string().optional(),
  to: z.string().optional(),
});
export type DependencyChange = z.infer<typeof dependencyChange>;

export const deployStatus = z.enum(['started', 'succeeded', 'failed', 'rolled-back']);
export type DeployStatus = z.infer<typeof deployStatus>;

export const deploySignal = z.object({
  kind: z.literal('deploy'),
  source: z.enum(['codedeploy', 'ecs', 'cloudformation', 'custom']),
  /** Unique per deploy (idempotency key together with the status). */
  deployId: awsName(512),
  service: awsName(256),
  environment: z.string().optional(),
  status: deployStatus,
  at: eventTime,
  commitSha: z.string().optional(),
  previousSha: z.string().optional(),
  prNumbers: z.array(z.number().int().positive()).default([]),
  changedPaths: z.array(z.string()).default([]),
  dependencyChanges: z.array(dependencyChange).default([]),
  /** Canary or cohort label of the new version, when the deploy is progressive. */
  cohort: z.string().optional(),
  region: regionCode.optional(),
  account: accountId.optional(),
  /** The AWS resource an AWS-native deploy event names: the ECS service ARN, the CloudFormation stack id. */
  resourceArn: z.string().optional(),
  /** An AWS-native deploy: where its commit was read (CodeDeploy, ECS, CloudFormation), or why none was found. */
  commitSource: z.string().optional(),
});
export type DeploySignal = z.infer<typeof deploySignal>;

export const githubSignal = z.object({
  kind: z.literal('github'),
  event: z.enum(['issues', 'pull_request', 'issue_comment']),
  action: z.string(),
  repository: z.string(),
  number: z.number().int().positive(),
  title: z.string(),
  state: z.string().optional(),
  merged: z.boolean().optional(),
  /** Lineage ids referenced by the body (metadata block or `Prodloop-Lineage:` trailer). */
  lineageRefs: z.array(z.string()).default([]),
  /** Issue numbers the body closes (closing keywords). */
  closes: z.array(z.number().int().positive()).default([]),
  author: z.string().optional(),
  at: eventTime,
});
export type GithubSignal = z.infer<typeof githubSignal>;

export const healthSignal = z.object({
  kind: z.literal('health'),
  service: z.string(),
  eventTypeCode: z.string(),
  category: z.string().optional(),
  region: z.string().optional(),
  status: z.string().optional(),
  at: eventTime,
  eventArn: z.string(),
});
export type HealthSignal = z.infer<typeof healthSignal>;

export const signal = z.discriminatedUnion('kind', [alarmSignal, deploySignal, githubSignal, healthSignal]);
export type Signal = z.infer<typeof signal>;

/** The result of parsing an event: a signal, a deliberate skip (with reason) or a rejection (with reason). */
export type ParseResult<T> =
  | { readonly outcome: 'accepted'; readonly signal: T }
  | { readonly outcome: 'ignored'; readonly reason: string }
  | { readonly outcome: 'rejected'; readonly reason: string };
