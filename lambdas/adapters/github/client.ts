/**
 * The Octokit prodloop talks to GitHub with: retries of 5xx and network errors, throttling that waits
 * out a rate limit a limited number of times and spaces writes as GitHub asks, and the repository a
 * configuration names.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { retry } from '@octokit/plugin-retry';
import { type ThrottlingOptions, throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import { ProdloopError } from '#domain/shared/errors';
import type { LoggerLike } from '#ports/deps';

/**
 * `@octokit/rest` (Octokit's core with the request log, pagination and the typed REST methods,
 * `octokit.rest.issues.create(params)`), then retries and throttling. The table of REST methods
 * costs each bundle that talks to GitHub about 80 KB (docs/benchmarks.md); the typed methods are
 * what the project chose to pay it for.
 */
const ProdloopOctokit = Octokit.plugin(retry, throttling);
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
    logger = new Logger({ serviceName: 'prodloop' }),
  } = options;
  const onLimit =
    (kind: 'primary' | 'secondary') =>
    (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number): boolean => {
      const willRetry = retryCount < rateLimitRetries && retryAfter <= maxRetryAfterSeconds;
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
    retry: { retries, retryAfterBaseValue: retryAfterBaseMs },
    throttle: {
      retryAfterBaseValue: retryAfterBaseMs,
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
      ...(spaceWrites ? {} : { write: unspaced, notifications: unspaced }),
    },
  });
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
