/** How a failed AWS SDK call ends: retried (TransientError), or settled with a reason. Shared by the AWS adapters. */
import { TransientError } from '#domain/shared/errors';

export type AwsFailure = 'transient' | 'denied' | 'not-found' | 'refused';

/**
 * How an AWS SDK error ends a call: worth a retry (throttling, 5xx, no answer at all), or not
 * (access denied, not found, any other refusal of the input).
 */
export function awsFailure(error: unknown): AwsFailure {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown } | null;
  const name = e?.name ?? '';
  const status = e?.$metadata?.httpStatusCode;
  if (
    e?.$retryable ||
    (status !== undefined && (status >= 500 || status === 429)) ||
    /Throttl|TooManyRequests|RequestLimitExceeded|SlowDown|ServiceUnavailable|InternalFailure|InternalError|ServerException|RequestTimeout|ExpiredToken/i.test(
      name,
    )
  ) {
    return 'transient';
  }
  // No HTTP answer: a network failure or a timeout the SDK already retried.
  if (status === undefined) return 'transient';
  if (status === 403 || /AccessDenied|Unauthorized|NotAuthorized/i.test(name)) return 'denied';
  if (status === 404 || /NotFound|DoesNotExist/i.test(name) || /does not exist|not found|unable to describe/i.test(e?.message ?? '')) {
    return 'not-found';
  }
  return 'refused';
}

/**
 * A failed call `what` (e.g. "reading CodeDeploy deployment d-1"): throws TransientError when it is
 * worth a retry; otherwise says how it failed, with the error's name and message in one line.
 */
export function settledAwsFailure(what: string, error: unknown): { kind: Exclude<AwsFailure, 'transient'>; detail: string } {
  const kind = awsFailure(error);
  const e = error as { name?: string; message?: string } | null;
  const detail = `${e?.name ?? 'Error'}: ${e?.message ?? String(error)}`;
  if (kind === 'transient') throw new TransientError(`${what} failed: ${detail}`, { cause: error });
  return { kind, detail };
}
