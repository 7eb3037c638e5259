/**
 * The Octokit prodloop talks to GitHub with: retries of 5xx and network errors, throttling that waits
 * out a rate limit a limited number of times and spaces writes as GitHub asks, a timeout on every
 * request and no wait past the invocation's deadline (bounds.ts), and the repository a configuration
 * names.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { retry } from '@octokit/plugin-retry';
import { type ThrottlingOptions, throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import { ProdloopError } from '#domain/shared/errors';
import type { LoggerLike } from '#ports/deps';
import { boundedFetch, DEFAULT_REQUEST_TIMEOUT_MS, fitsBeforeDeadline, type GitHubBounds, waitPastDeadline } from './bounds.ts';

/**
 * `@octokit/rest` (Octokit's core with the request log, pagination and the typed REST methods,
 * `octokit.rest.issues.create(params)`), then retries and throttling. The table of REST methods
 * costs each bundle that talks to GitHub about 80 KB (docs/benchmarks.md); the typed methods are
 * what the project chose to pay it for.
 */
const ProdloopOctokit = Octokit.plugin(deadline, retry, throttling);
export type GitHubClient = InstanceType<typeof ProdloopOctokit>;

export interface CreateOctokitOptions {
  readonly token: string;
  /** REST API base URL; GitHub Enterprise Server uses `https://<host>/api/v3`. */
  readonly baseUrl?: string;
  /** Retries of a request that failed with a 5xx or a network error. */
  readonly retries?: number;
  /** Unit of the waits between retries, in milliseconds (GitHub's `retry-after` is in seconds). */
  readonly retryAfterBaseMs?: number;
  /** A rate limit that resets later than this is not waited for: the request fails as transient. */
  readonly maxRetryAfterSeconds?: number;
  /** Retries after a rate limit, primary or secondary. */
  readonly rateLimitRetries?: number;
  /**
   * Space writes as GitHub asks of integrations (1 s between writes, 3 s between writes that notify
   * people). Turn off only where nothing real is written, e.g. against a local test server.
   */
  readonly spaceWrites?: boolean;
  /** Longest wait for one answer from GitHub, in milliseconds; 10 s unless set. A request that takes longer fails as transient. */
  readonly requestTimeoutMs?: number;
  /**
   * When the calls of the current invocation must be over (epoch milliseconds), read at every
   * request and wait: a retry, backoff or rate-limit wait that would end later is not waited, the
   * request fails as transient. Undefined (the default): only the timeout bounds a request.
   */
  readonly deadline?: () => number | undefined;
  readonly logger?: LoggerLike;
}

/** An Octokit with retries of 5xx and network errors, and throttling that waits out rate limits a limited number of times. */
export function createOctokit(options: CreateOctokitOptions): GitHubClient {
  const {
    token,
    baseUrl = 'https://api.github.com',
    retries = 3,
    retryAfterBaseMs = 1000,
    maxRetryAfterSeconds = 60,
    rateLimitRetries = 2,
    spaceWrites = true,
    requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
    deadline: until = () => undefined,
    logger = new Logger({ serviceName: 'prodloop' }),
  } = options;
  const bounds: GitHubBounds = { timeoutMs: requestTimeoutMs, deadline: until };
  const onLimit =
    (kind: 'primary' | 'secondary') =>
    (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number): boolean => {
      const willRetry =
        retryCount < rateLimitRetries && retryAfter <= maxRetryAfterSeconds && fitsBeforeDeadline(bounds, retryAfter * retryAfterBaseMs);
      logger.warn(`GitHub ${kind} rate limit hit`, {
        method: request.method,
        url: request.url,
        retryAfterSeconds: retryAfter,
        retryCount,
        willRetry,
      });
      return willRetry;
    };
  return new ProdloopOctokit({
    auth: token,
    baseUrl: baseUrl.replace(/\/+$/, ''),
    userAgent: 'prodloop',
    log: {
      debug: () => undefined,
      info: () => undefined,
      warn: (message: string) => logger.warn(message),
      error: (message: string) => logger.error(message),
    },
    request: { fetch: boundedFetch(bounds) },
    bounds: { ...bounds, retries, retryAfterBaseMs, rateLimitRetries, maxRetryAfterSeconds } satisfies DeadlineState,
    retry: { retries, retryAfterBaseValue: retryAfterBaseMs },
    throttle: {
      retryAfterBaseValue: retryAfterBaseMs,
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
      ...(spaceWrites ? {} : { write: unspaced, notifications: unspaced }),
    },
  });
}

interface DeadlineState extends GitHubBounds {
  readonly retries: number;
  readonly retryAfterBaseMs: number;
  readonly rateLimitRetries: number;
  readonly maxRetryAfterSeconds: number;
}

/** Statuses the retry plugin does not retry (its default `doNotRetry`). */
const NOT_RETRIED = new Set([400, 401, 403, 404, 410, 422, 451]);

interface FailedRequest {
  status?: number;
  message?: string;
  cause?: unknown;
  response?: { headers?: Record<string, string | undefined> };
}

/**
 * The innermost hook on every attempt, before the retry and throttling plugins decide: a timeout or
 * a spent deadline from `boundedFetch` surfaces as itself (not retried in here), and a failure whose
 * retry would wait past the deadline fails at once as a TransientError naming the wait.
 */
function deadline(octokit: Pick<Octokit, 'hook'>, octokitOptions: Record<string, unknown>): void {
  const state = octokitOptions.bounds as DeadlineState | undefined;
  if (!state) return;
  octokit.hook.error('request', (error, options) => {
    const failed = error as FailedRequest;
    if (failed.cause instanceof ProdloopError) throw failed.cause;
    const wait = waitBeforeRetry(state, failed, (options.request ?? {}) as { retries?: number; retryCount?: number });
    if (wait !== undefined && !fitsBeforeDeadline(state, wait)) {
      throw waitPastDeadline(state, `GitHub's ${failed.status} to ${options.method} ${options.url}`, wait, { cause: error });
    }
    throw error;
  });
}

/** How long the retry or throttling plugin would wait before trying the failed request again; undefined when neither would. */
function waitBeforeRetry(
  state: DeadlineState,
  error: FailedRequest,
  request: { retries?: number; retryCount?: number },
): number | undefined {
  const status = error.status;
  if (status === undefined) return undefined;
  const retryCount = request.retryCount ?? 0;
  const headers = error.response?.headers ?? {};
  if (status === 403 || status === 429) {
    let seconds: number | undefined;
    if (/\bsecondary rate\b/i.test(error.message ?? '')) seconds = Number(headers['retry-after']) || 60;
    else if (headers['x-ratelimit-remaining'] === '0') {
      seconds = Math.max(Math.ceil((Number(headers['x-ratelimit-reset'] ?? 0) * 1000 - (state.now ?? Date.now)()) / 1000) + 1, 0);
    }
    if (seconds !== undefined) {
      // Waits the throttling handler turns down anyway (too many, too long) need no deadline to refuse them.
      if (retryCount >= state.rateLimitRetries || seconds > state.maxRetryAfterSeconds) return undefined;
      return seconds * state.retryAfterBaseMs;
    }
  }
  if (status < 400 || NOT_RETRIED.has(status)) return undefined;
  const retries = request.retries ?? state.retries;
  if (retryCount >= retries) return undefined;
  return (retryCount + 1) ** 2 * state.retryAfterBaseMs;
}

type LimiterGroup = NonNullable<Extract<ThrottlingOptions, { onRateLimit: unknown }>['write']>;

/** A limiter group that runs every job at once; the plugin only calls `key(id).schedule(options, job, ...args)` on it. */
const unspaced = {
  key: () => ({
    schedule: (_options: unknown, job: (...args: unknown[]) => unknown, ...args: unknown[]) => Promise.resolve().then(() => job(...args)),
  }),
} as unknown as LimiterGroup;

/** "owner/name" as owner and repo. */
export function splitRepository(repository: string): { owner: string; repo: string } {
  const [owner, repo, ...rest] = repository.split('/');
  if (!owner || !repo || rest.length > 0) throw new ProdloopError(`"${repository}" is not a repository: expected "owner/name"`);
  return { owner, repo };
}
