/**
 * How the store tells DynamoDB's errors apart: a condition that failed (on a single write, or on one
 * action of a cancelled transaction, with the item it found), and a transient conflict with another
 * transaction or a throttle, which is retried after a jittered backoff.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

interface CancellationReason {
  readonly Code?: string;
  readonly Item?: Record<string, AttributeValue>;
}

export function isConditionalCheckFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

export function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return undefined;
  return (error as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? [];
}

/** The reason of the action at `index` when a transaction was cancelled because its condition failed. */
export function conditionFailure(error: unknown, index: number): CancellationReason | undefined {
  const reason = cancellationReasons(error)?.[index];
  return reason?.Code === 'ConditionalCheckFailed' ? reason : undefined;
}

const TRANSIENT_CANCELLATION_CODES: ReadonlySet<string> = new Set([
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
]);

export function isTransientConflict(error: unknown): boolean {
  if (error instanceof Error && error.name === 'TransactionConflictException') return true;
  const reasons = cancellationReasons(error);
  if (!reasons || reasons.some((r) => r.Code === 'ConditionalCheckFailed')) return false;
  return reasons.some((r) => r.Code !== undefined && TRANSIENT_CANCELLATION_CODES.has(r.Code));
}

export function raise(error: Error): never {
  throw error;
}

export function backoff(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(1000, 10 * 2 ** attempt);
  return new Promise((done) => setTimeout(done, ms));
}
