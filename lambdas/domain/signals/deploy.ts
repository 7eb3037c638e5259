/**
 * Deploy events to DeploySignal. Pure: no I/O, never throws on bad input.
 *
 * Accepted: prodloop's own "Deploy Finished" event (any source), CodeDeploy deployment state changes,
 * ECS deployment state changes and CloudFormation stack status changes. Events of those AWS sources
 * that say nothing about a deploy starting or ending are ignored; anything else is rejected.
 */
import * as z from 'zod';
import { ignored, isRecord, reasonOf, rejected, toIsoDate, withoutUndefined } from './parsing.ts';
import { type DeploySignal, type DeployStatus, deploySignal, deployStatus, type ParseResult } from './signals.ts';

export const DEPLOY_FINISHED = 'Deploy Finished';

/** Error customisation: "required" when the field is absent, the given text otherwise. */
const says = (text: string) => ({ error: (issue: { input?: unknown }) => (issue.input === undefined ? 'required' : text) });

const sha = z.string(says('must be a string')).regex(/^[0-9a-fA-F]{7,64}$/, 'must be a hexadecimal git commit sha (7 to 64 characters)');
const nonEmpty = z.string(says('must be a string')).min(1, 'must not be empty');

/** The `detail` of the "Deploy Finished" event a user's CI puts on prodloop's bus. Unknown fields are dropped. */
export const deployFinishedDetail = z.object({
  /** The deployed service, as named in the configuration's `codePaths[].service`. */
  service: nonEmpty,
  environment: nonEmpty.optional(),
  /** The commit now running. */
  commitSha: sha,
  /** The commit that ran before this deploy. */
  previousSha: sha.optional(),
  prNumbers: z
    .array(
      z.number(says('must be a number')).int('must be an integer').positive('must be positive'),
      says('must be an array of PR numbers'),
    )
    .default([]),
  changedPaths: z.array(nonEmpty, says('must be an array of file paths')).default([]),
  dependencyChanges: z
    .array(
      z.object(
        {
          name: nonEmpty,
          from: z.string(says('must be a string')).optional(),
          to: z.string(says('must be a string')).optional(),
        },
        says('must be an object {name, from?, to?}'),
      ),
      says('must be an array of {name, from?, to?}'),
    )
    .default([]),
  /** Canary or cohort label of the new version, when the deploy is progressive. */
  cohort: nonEmpty.optional(),
  /** Unique per deploy; defaults to `<service>:<commitSha>`. */
  deployId: nonEmpty.optional(),
  status: z.enum(deployStatus.options, says(`must be one of ${deployStatus.options.join(', ')}`)).default('succeeded'),
  /** When the deploy finished, ISO 8601 with offset; defaults to the event's time. */
  finishedAt: z
    .string(says('must be a string'))
    .datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2025-01-31T12:00:00Z' })
    .optional(),
});
export type DeployFinishedDetail = z.infer<typeof deployFinishedDetail>;
export type DeployFinishedDetailInput = z.input<typeof deployFinishedDetail>;

const envelope = z.object({
  id: z.string().optional(),
  source: z.string(),
  'detail-type': z.string(),
  time: z.string().optional(),
  account: z.string().optional(),
  region: z.string().optional(),
  resources: z.array(z.string()).optional(),
  detail: z.record(z.string(), z.unknown(), says('must be an object')),
});
type Envelope = z.infer<typeof envelope>;

const deployFinishedEvent = envelope.extend({ detail: deployFinishedDetail });

const codeDeployEvent = envelope.extend({
  time: z.string(),
  detail: z.object({
    application: nonEmpty,
    deploymentId: nonEmpty,
    state: nonEmpty,
    deploymentGroup: z.string().optional(),
  }),
});

const ecsDeploymentEvent = envelope.extend({
  time: z.string(),
  resources: z.array(z.string()).min(1, 'must name the service ARN'),
  detail: z.object({
    eventName: nonEmpty,
    deploymentId: nonEmpty,
    updatedAt: z.string().optional(),
    reason: z.string().optional(),
  }),
});

const cloudFormationStackEvent = envelope.extend({
  time: z.string(),
  detail: z.object({
    'stack-id': nonEmpty,
    'status-details': z.object({ status: nonEmpty, 'status-reason': z.string().optional() }),
    'client-request-token': z.string().optional(),
  }),
});

/** Parses a deploy event into a DeploySignal. */
export function parseDeployEvent(raw: unknown): ParseResult<DeploySignal> {
  if (!isRecord(raw)) return rejected('not a deploy event: not a JSON object');
  const parsed = envelope.safeParse(raw);
  if (!parsed.success) return rejected(`not a deploy event: ${reasonOf(parsed.error, raw)}`);
  const event = parsed.data;
  const detailType = event['detail-type'];
  if (detailType === DEPLOY_FINISHED) return fromDeployFinished(raw);
  switch (event.source) {
    case 'aws.codedeploy':
      return fromCodeDeploy(raw, detailType);
    case 'aws.ecs':
      return fromEcs(raw, detailType);
    case 'aws.cloudformation':
      return fromCloudFormation(raw, detailType);
    default:
      return rejected(`not a deploy event: source=${event.source} detail-type=${detailType}`);
  }
}

function fromDeployFinished(raw: Record<string, unknown>): ParseResult<DeploySignal> {
  const parsed = deployFinishedEvent.safeParse(raw);
  if (!parsed.success) return rejected(`invalid "${DEPLOY_FINISHED}" event: ${reasonOf(parsed.error, raw)}`);
  const { detail: d, time } = parsed.data;
  const at = toIsoDate(d.finishedAt) ?? toIsoDate(time);
  if (at === undefined) return rejected(`invalid "${DEPLOY_FINISHED}" event: no detail.finishedAt and no event time`);
  return build({
    kind: 'deploy',
    source: 'custom',
    deployId: d.deployId ?? `${d.service}:${d.commitSha}`,
    service: d.service,
    environment: d.environment,
    status: d.status,
    at,
    commitSha: d.commitSha,
    previousSha: d.previousSha,
    prNumbers: d.prNumbers,
    changedPaths: d.changedPaths,
    dependencyChanges: d.dependencyChanges,
    cohort: d.cohort,
    region: parsed.data.region,
    account: parsed.data.account,
  });
}

const CODEDEPLOY_STATES: Readonly<Record<string, DeployStatus | null>> = {
  START: 'started',
  SUCCESS: 'succeeded',
  FAILURE: 'failed',
  // A stopped deployment did not ship; CodeDeploy rolls back separately when configured to.
  STOP: 'failed',
  // Blue/green: replacement ready, waiting to reroute traffic. Neither a start nor an end.
  READY: null,
};

function fromCodeDeploy(raw: Record<string, unknown>, detailType: string): ParseResult<DeploySignal> {
  if (detailType !== 'CodeDeploy Deployment State-change Notification') {
    return ignored(`CodeDeploy event "${detailType}" is not a deployment state change`);
  }
  const parsed = codeDeployEvent.safeParse(raw);
  if (!parsed.success) return rejected(`invalid CodeDeploy deployment event: ${reasonOf(parsed.error, raw)}`);
  const { detail, time } = parsed.data;
  const status = CODEDEPLOY_STATES[detail.state];
  if (status === undefined) return rejected(`invalid CodeDeploy deployment event: unknown state "${detail.state}"`);
  if (status === null) return ignored(`CodeDeploy deployment ${detail.deploymentId} is ${detail.state}: neither started nor finished`);
  return fromAws(parsed.data, { source: 'codedeploy', deployId: detail.deploymentId, service: detail.application, status, time });
}

const ECS_DEPLOYMENT_EVENTS: Readonly<Record<string, DeployStatus>> = {
  SERVICE_DEPLOYMENT_IN_PROGRESS: 'started',
  SERVICE_DEPLOYMENT_COMPLETED: 'succeeded',
  SERVICE_DEPLOYMENT_FAILED: 'failed',
};

function fromEcs(raw: Record<string, unknown>, detailType: string): ParseResult<DeploySignal> {
  if (detailType !== 'ECS Deployment State Change') {
    const name = isRecord(raw.detail) && typeof raw.detail.eventName === 'string' ? ` (${raw.detail.eventName})` : '';
    return ignored(`ECS event "${detailType}"${name} is not a deployment state change`);
  }
  const parsed = ecsDeploymentEvent.safeParse(raw);
  if (!parsed.success) return rejected(`invalid ECS deployment event: ${reasonOf(parsed.error, raw)}`);
  const { detail, resources, time } = parsed.data;
  const status = ECS_DEPLOYMENT_EVENTS[detail.eventName];
  if (status === undefined) return ignored(`ECS deployment event ${detail.eventName} is not a deploy start or end`);
  const serviceArn = resources.find((arn) => ecsServiceName(arn) !== undefined);
  const service = serviceArn === undefined ? undefined : ecsServiceName(serviceArn);
  if (serviceArn === undefined || service === undefined)
    return rejected(`invalid ECS deployment event: no ECS service ARN in resources (${resources.join(', ')})`);
  return fromAws(parsed.data, {
    source: 'ecs',
    deployId: detail.deploymentId,
    service,
    status,
    time: detail.updatedAt ?? time,
    resourceArn: serviceArn,
  });
}

/** `arn:aws:ecs:<region>:<account>:service/<cluster>/<service>` (or the old `service/<service>`) → service name. */
function ecsServiceName(arn: string): string | undefined {
  const resource = arn.split(':')[5];
  if (resource === undefined || !resource.startsWith('service/')) return undefined;
  const name = resource.split('/').at(-1);
  return name === undefined || name === '' ? undefined : name;
}

function fromCloudFormation(raw: Record<string, unknown>, detailType: string): ParseResult<DeploySignal> {
  if (detailType !== 'CloudFormation Stack Status Change') {
    return ignored(`CloudFormation event "${detailType}" is not a stack status change`);
  }
  const parsed = cloudFormationStackEvent.safeParse(raw);
  if (!parsed.success) return rejected(`invalid CloudFormation stack event: ${reasonOf(parsed.error, raw)}`);
  const { detail, id, time } = parsed.data;
  const stackId = detail['stack-id'];
  const stackStatus = detail['status-details'].status;
  const status = cloudFormationStatus(stackStatus);
  if (status === 'unknown') return rejected(`invalid CloudFormation stack event: unknown stack status "${stackStatus}"`);
  if (typeof status === 'object') return ignored(`CloudFormation stack status ${stackStatus}: ${status.ignore}`);
  const stackName = stackId.split(':')[5]?.split('/')[1];
  if (stackName === undefined || stackName === '') return rejected(`invalid CloudFormation stack event: "${stackId}" is not a stack ARN`);
  // The client request token is shared by every event of one stack operation; without it, the event id.
  const operation = detail['client-request-token'] || id;
  if (operation === undefined || operation === '') {
    return rejected('invalid CloudFormation stack event: neither detail.client-request-token nor id identifies the operation');
  }
  return fromAws(parsed.data, {
    source: 'cloudformation',
    deployId: `${stackId}:${operation}`,
    service: stackName,
    status,
    time,
    resourceArn: stackId,
  });
}

/**
 * A stack status as a deploy status. Deletions, change-set reviews, cleanups and rollbacks in progress
 * are ignored: none of them starts or ends a deploy (a rollback's outcome arrives as *_ROLLBACK_COMPLETE).
 */
export function cloudFormationStatus(status: string): DeployStatus | { readonly ignore: string } | 'unknown' {
  if (!/^[A-Z]+(?:_[A-Z]+)*$/.test(status)) return 'unknown';
  if (status.startsWith('DELETE_')) return { ignore: 'a stack deletion is not a deploy' };
  if (status === 'REVIEW_IN_PROGRESS') return { ignore: 'a change set under review is not a deploy' };
  if (status.endsWith('_CLEANUP_IN_PROGRESS')) return { ignore: 'cleanup after the deploy already ended' };
  if (status.endsWith('ROLLBACK_IN_PROGRESS')) return { ignore: 'rollback under way; its outcome follows' };
  if (status.endsWith('ROLLBACK_COMPLETE')) return 'rolled-back';
  if (status.endsWith('_FAILED')) return 'failed';
  if (status.endsWith('_COMPLETE')) return 'succeeded';
  if (status.endsWith('_IN_PROGRESS')) return 'started';
  return 'unknown';
}

function fromAws(
  event: Envelope,
  p: { source: DeploySignal['source']; deployId: string; service: string; status: DeployStatus; time: string; resourceArn?: string },
): ParseResult<DeploySignal> {
  const at = toIsoDate(p.time) ?? toIsoDate(event.time);
  if (at === undefined) return rejected(`invalid ${p.source} deploy event: time "${p.time}" is not a date`);
  return build({
    kind: 'deploy',
    source: p.source,
    deployId: p.deployId,
    service: p.service,
    status: p.status,
    at,
    region: event.region,
    account: event.account,
    resourceArn: p.resourceArn,
  });
}

function build(candidate: z.input<typeof deploySignal>): ParseResult<DeploySignal> {
  const input = withoutUndefined(candidate);
  const checked = deploySignal.safeParse(input);
  if (!checked.success) return rejected(`invalid deploy event: ${reasonOf(checked.error, input)}`);
  return { outcome: 'accepted', signal: checked.data };
}
