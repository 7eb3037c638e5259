/**
 * AWS Health events to HealthSignal. Pure: no I/O, never throws on bad input.
 * "AWS Health Event" is accepted; other aws.health detail types (abuse reports) are ignored.
 */
import * as z from 'zod';
import { ignored, isRecord, reasonOf, rejected, toIsoDate } from './parsing.ts';
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
