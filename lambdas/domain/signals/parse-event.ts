/**
 * One entry point for every event prodloop consumes: picks the parser by shape, never throws.
 * GitHub webhooks are told apart by their `X-GitHub-Event` header (`githubEvent`), everything else by
 * `source` and `detail-type`, or by the SNS shape.
 */

import { errorMessage } from '#domain/shared/errors';
import { parseAlarmEvent } from './alarm.ts';
import { DEPLOY_FINISHED, parseDeployEvent } from './deploy.ts';
import { parseGithubEvent } from './github-event.ts';
import { parseHealthEvent } from './health.ts';
import type { ParseResult, Signal } from './signals.ts';

export interface ParseEventOptions {
  /** The dimension that carries the tenant id (configuration `tenantDimension`). */
  readonly tenantDimension: string;
  /** The `X-GitHub-Event` header, for webhook deliveries. */
  readonly githubEvent?: string | undefined;
}

const DEPLOY_SOURCES: ReadonlySet<unknown> = new Set(['aws.codedeploy', 'aws.ecs', 'aws.cloudformation']);

/** Parses any consumed event into a signal, or says why it was ignored or rejected. */
export function parseEvent(raw: unknown, opts: ParseEventOptions): ParseResult<Signal> {
  try {
    return dispatch(raw, opts);
  } catch (error) {
    // The parsers do not throw on bad input; this is the last guard for the one that would.
    return { outcome: 'rejected', reason: `event could not be parsed: ${errorMessage(error)}` };
  }
}

/** Parses the text of an event; text that is not JSON is rejected with the JSON error. */
export function parseEventText(text: string, opts: ParseEventOptions): ParseResult<Signal> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { outcome: 'rejected', reason: `invalid JSON: ${errorMessage(error)}` };
  }
  return parseEvent(raw, opts);
}

function dispatch(raw: unknown, opts: ParseEventOptions): ParseResult<Signal> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { outcome: 'rejected', reason: 'not a JSON object' };
  if (opts.githubEvent !== undefined) return parseGithubEvent(raw, opts.githubEvent);

  const event = raw as Record<string, unknown>;
  const alarmOptions = { tenantDimension: opts.tenantDimension };
  if (isSnsShaped(event)) return parseAlarmEvent(event, alarmOptions);

  const source = event.source;
  const detailType = event['detail-type'];
  if (source === 'aws.cloudwatch') return parseAlarmEvent(event, alarmOptions);
  if (detailType === DEPLOY_FINISHED || DEPLOY_SOURCES.has(source)) return parseDeployEvent(event);
  if (source === 'aws.health') return parseHealthEvent(event);
  return { outcome: 'rejected', reason: `unrecognized event: source=${describe(source)} detail-type=${describe(detailType)}` };
}

/** A Lambda SNS event, a bare SNS message, or an SNS alarm notification's own JSON. */
function isSnsShaped(event: Record<string, unknown>): boolean {
  return Array.isArray(event.Records) || (typeof event.Type === 'string' && 'Message' in event) || 'AlarmName' in event;
}

function describe(value: unknown): string {
  if (value === undefined) return '(none)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
