/**
 * AWS Health events to HealthSignal. Pure: no I/O, never throws on bad input.
 * "AWS Health Event" is accepted; other aws.health detail types (abuse reports) are ignored.
 */
import { z } from 'zod';
import { type HealthSignal, healthSignal, type ParseResult } from './signals.ts';

export const AWS_HEALTH_EVENT = 'AWS Health Event';

const healthEvent = z.object({
  source: z.literal('aws.health'),
  'detail-type': z.literal(AWS_HEALTH_EVENT),
  time: z.string().optional(),
  region: z.string().optional(),
  detail: z.object({
    eventArn: z.string().min(1),
    service: z.string().min(1),
    eventTypeCode: z.string().min(1),
    eventTypeCategory: z.string().optional(),
    statusCode: z.string().optional(),
    /** The impacted region; the event's own `region` is where it was delivered. */
    eventRegion: z.string().optional(),
    /** RFC 1123 (`Thu, 26 Jan 2023 13:19:03 GMT`) in AWS Health events. */
    startTime: z.string().optional(),
  }),
});

/** Parses an EventBridge "AWS Health Event" into a HealthSignal; `at` is the event's start time. */
export function parseHealthEvent(raw: unknown): ParseResult<HealthSignal> {
  if (!isRecord(raw)) return rejected('not an AWS Health event: not a JSON object');
  if (raw.source !== 'aws.health') return rejected(`not an AWS Health event: source=${String(raw.source)}`);
  if (raw['detail-type'] !== AWS_HEALTH_EVENT) {
    return ignored(`AWS Health event "${String(raw['detail-type'])}" is not a service health event`);
  }
  const parsed = healthEvent.safeParse(raw);
  if (!parsed.success) return rejected(`invalid AWS Health event: ${reasonOf(parsed.error, raw)}`);
  const { detail, time, region } = parsed.data;
  const at = toIsoDate(detail.startTime) ?? toIsoDate(time);
  if (at === undefined) return rejected('invalid AWS Health event: neither detail.startTime nor time is a date');
  const candidate = Object.fromEntries(
    Object.entries({
      kind: 'health',
      service: detail.service,
      eventTypeCode: detail.eventTypeCode,
      category: detail.eventTypeCategory,
      region: detail.eventRegion ?? region,
      status: detail.statusCode,
      at,
      eventArn: detail.eventArn,
    }).filter(([, v]) => v !== undefined),
  );
  const checked = healthSignal.safeParse(candidate);
  if (!checked.success) return rejected(`invalid AWS Health event: ${reasonOf(checked.error, candidate)}`);
  return { outcome: 'accepted', signal: checked.data };
}

function toIsoDate(value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The first few issues of a zod error on one line: `missing detail.service; detail.prNumbers.0: must be positive`. */
function reasonOf(error: z.ZodError, input: unknown, max = 3): string {
  const parts = error.issues.slice(0, max).map((issue) => {
    const path = issue.path.map(String).join('.') || '(root)';
    return valueAt(input, issue.path) === undefined ? `missing ${path}` : `${path}: ${issue.message}`;
  });
  const more = error.issues.length > max ? ` (and ${error.issues.length - max} more)` : '';
  return `${parts.join('; ')}${more}`;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function rejected(reason: string): ParseResult<never> {
  return { outcome: 'rejected', reason };
}

function ignored(reason: string): ParseResult<never> {
  return { outcome: 'ignored', reason };
}
