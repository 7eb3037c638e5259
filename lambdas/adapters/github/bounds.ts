/**
 * How long a call to GitHub may take: every request has a timeout, and no retry, backoff or rate-limit
 * wait runs past the deadline of the invocation (the function's remaining time less a margin). What
 * does not fit fails at once as a TransientError that names the wait, so the retry of the step or of
 * Lambda, with its own backoff, decides what happens next, instead of the function timing out.
 */
import { TransientError } from '#domain/shared/errors';

export interface GitHubBounds {
  /** Longest wait for one answer from GitHub, in milliseconds (cut shorter by the deadline). */
  readonly timeoutMs: number;
  /** When the calls of this invocation must be over (epoch milliseconds); undefined: no deadline. */
  readonly deadline: () => number | undefined;
  readonly now?: () => number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/** What the invocation has left before its deadline, in milliseconds; Infinity without one. */
export function remainingMs(bounds: Pick<GitHubBounds, 'deadline' | 'now'>): number {
  const deadline = bounds.deadline();
  return deadline === undefined ? Number.POSITIVE_INFINITY : deadline - (bounds.now ?? Date.now)();
}

/** Whether a wait of `ms` still ends before the deadline. */
export function fitsBeforeDeadline(bounds: Pick<GitHubBounds, 'deadline' | 'now'>, ms: number): boolean {
  return ms <= remainingMs(bounds);
}

/** Errors of `waitPastDeadline`, with the wait they would have needed. */
const pastDeadline = new WeakMap<Error, number>();

/** The TransientError of a wait that would not end before the deadline. */
export function waitPastDeadline(
  bounds: Pick<GitHubBounds, 'deadline' | 'now'>,
  what: string,
  waitMs: number,
  options?: ErrorOptions,
): TransientError {
  const left = Math.max(0, remainingMs(bounds));
  const error = new TransientError(
    `${what} needs a wait of ${seconds(waitMs)} before retrying, more than the ${seconds(left)} left before the invocation's deadline: not waited, left to the step's retry`,
    options,
  );
  pastDeadline.set(error, waitMs);
  return error;
}

/**
 * Whether the error is one of `waitPastDeadline`: GitHub asked for a wait (a rate limit's
 * retry-after, say) that does not fit, so nothing in this invocation retries it sooner.
 */
export function isWaitPastDeadline(error: unknown): boolean {
  return error instanceof Error && pastDeadline.has(error);
}

/**
 * `fetch` with a timeout on each request, body included: the shorter of the timeout and the time
 * left before the deadline. A request that does not finish in time is aborted and fails as a
 * TransientError saying so; with no time left it is not sent.
 */
export function boundedFetch(bounds: GitHubBounds, base: typeof fetch = globalThis.fetch): typeof fetch {
  return async (input, init) => {
    const what = `${init?.method ?? 'GET'} ${pathOf(input)}`;
    const left = remainingMs(bounds);
    if (left <= 0) throw new TransientError(`GitHub not called (${what}): no time left before the invocation's deadline`);
    const limit = Math.min(bounds.timeoutMs, left);
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), limit);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout.signal]) : timeout.signal;
    try {
      const response = await base(input, { ...init, signal });
      // The body is read here, under the same timeout: a GitHub that sends headers and then stalls is cut off too.
      const body = noBody(response.status) ? null : await response.arrayBuffer();
      const copy = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
      Object.defineProperty(copy, 'url', { value: response.url });
      return copy;
    } catch (error) {
      if (timeout.signal.aborted && !init?.signal?.aborted) {
        throw new TransientError(`GitHub did not answer ${what} within ${seconds(limit)}`, { cause: error });
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };
}

function noBody(status: number): boolean {
  return status === 204 || status === 205 || status === 304;
}

function pathOf(input: Parameters<typeof fetch>[0]): string {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 100) / 10} s`;
}
