/**
 * SQS adapter of ParkingLot. Parking is the last stop of an event no parser accepts, so it must not
 * fail on what the event or its reason contain: the message is made to fit SQS's rules (its character
 * set, its size) whatever the input, and only SQS itself failing makes `park` throw (then the
 * invocation is retried and, after its retries, the event reaches the function's failure destination).
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { ParkingLot } from '#ports/deps';

/** Characters SQS accepts in a message body or a string attribute: #x9, #xA, #xD, #x20–#xD7FF, #xE000–#xFFFD, #x10000–#x10FFFF. */
const OUTSIDE_SQS = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
/** Code points of the reason kept in its attribute. */
export const REASON_LIMIT = 1000;
/** SQS's message size (256 KiB), less room for the attributes. */
export const BODY_LIMIT = 256 * 1024 - 4 * 1024;

/** Text SQS accepts: every character outside its set (NUL, other controls, a lone surrogate) becomes U+FFFD, cut on a code point. */
export function sqsText(text: string, maxCodePoints: number): string {
  const points = Array.from(text.replace(OUTSIDE_SQS, '\uFFFD'));
  return points.length <= maxCodePoints ? points.join('') : `${points.slice(0, maxCodePoints - 1).join('')}…`;
}

/** The event as JSON, or, when it cannot be serialized (a cycle, nesting too deep for the serializer) or is too large, a note that says why with what can be kept. */
export function parkedBody(event: unknown): string {
  let json: string | undefined;
  let why: string;
  try {
    json = JSON.stringify(event);
    why = json === undefined ? `not JSON: ${typeof event}` : 'too large';
  } catch (error) {
    why = `not serializable: ${(error as Error).message}`;
  }
  // JSON.stringify escapes controls and lone surrogates, so the JSON is already in SQS's set.
  if (json !== undefined && Buffer.byteLength(json) <= BODY_LIMIT) return json;
  const prefix = sqsText(json ?? describe(event), 64 * 1024);
  return JSON.stringify({ parkedAs: 'unreadable', why, bytes: json === undefined ? undefined : Buffer.byteLength(json), prefix });
}

function describe(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** Parks a rejected event in the dead-letter queue with its reason, for a human to fix and redrive. */
export class SqsParkingLot implements ParkingLot {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async park(event: unknown, reason: string, source: string): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: parkedBody(event),
        MessageAttributes: {
          reason: { DataType: 'String', StringValue: sqsText(reason || '(no reason given)', REASON_LIMIT) },
          source: { DataType: 'String', StringValue: sqsText(source || 'unknown', 100) },
        },
      }),
    );
  }
}
