/**
 * The one way a function reaches GitHub: the secret GITHUB_TOKEN_SECRET_ID names → its token (read
 * once per container, token.ts) → one Octokit per container → the issue tracker and the code host of
 * the configured repository. In shadow mode every write goes to the lineage's audit trail instead
 * (shadow.ts). Each use is a function of its own, so a bundle carries only what its handler asks for.
 * Each invocation sets its deadline (`until`), which every request, retry and wait then keeps to.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ENV, requireEnv } from '#adapters/env';
import type { ProdloopConfig } from '#domain/config/config';
import type { Clock } from '#ports/clock';
import type { CodeHost } from '#ports/code-host';
import type { LoggerLike } from '#ports/deps';
import type { IssueTracker } from '#ports/issues';
import type { LineageStore } from '#ports/store';
import { type CreateOctokitOptions, createOctokit, type GitHubClient, splitRepository } from './client.ts';
import { GitHubCodeHost } from './code.ts';
import { GitHubIssueTracker } from './issues.ts';
import { AuditTrailCodeHost, AuditTrailIssueTracker } from './shadow.ts';
import { readGithubToken } from './token.ts';

export interface GitHubWiringOptions {
  readonly config: Pick<ProdloopConfig, 'shadowMode' | 'githubRepository' | 'githubApiUrl' | 'githubBaseBranch'>;
  /** The value of GITHUB_TOKEN_SECRET_ID; required only when GitHub is reached. */
  readonly secretId: string | undefined;
  /** Where shadow mode writes. */
  readonly store: LineageStore;
  readonly clock: Clock;
  /** Also Octokit's: rate limits and its warnings. */
  readonly logger: LoggerLike;
  /** Reads the token from the secret; by default from Secrets Manager, cached per container. */
  readonly readToken?: (secretId: string) => Promise<string>;
  /**
   * Octokit settings besides the token, the base URL, the logger and the deadline (a local test
   * server turns write spacing off; `requestTimeoutMs` bounds each request, 10 s unless set).
   */
  readonly octokit?: Omit<CreateOctokitOptions, 'token' | 'baseUrl' | 'logger' | 'deadline'>;
}

/** Kept free before the function's own timeout: time to log, answer and hand the retry back cleanly. */
export const DEADLINE_MARGIN_MS = 5000;

/** What a handler's Lambda context offers for the deadline. */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
}

/**
 * The deadline of an invocation (epoch milliseconds): the function's remaining time less a margin.
 * Without a context (a direct call, a local run) there is none.
 */
export function invocationDeadline(
  context: InvocationContext | undefined,
  marginMs = DEADLINE_MARGIN_MS,
  now: number = Date.now(),
): number | undefined {
  if (!context || typeof context.getRemainingTimeInMillis !== 'function') return undefined;
  return now + context.getRemainingTimeInMillis() - marginMs;
}

/** The configured repository through one Octokit. */
export interface GitHubConnection {
  readonly octokit: GitHubClient;
  readonly owner: string;
  readonly repo: string;
}

export interface GitHubWiring {
  readonly options: GitHubWiringOptions;
  /** Built on first use and kept for the container; a failure (an unreadable secret, say) is not kept, so the next call tries again. */
  connect(): Promise<GitHubConnection>;
  /** Sets the deadline of the current invocation (epoch milliseconds; undefined: none): call it first in every invocation. */
  until(deadline: number | undefined): void;
  /** The deadline of the current invocation. */
  deadline(): number | undefined;
}

/** Built at cold start; reads nothing until a use below needs GitHub. */
export function githubWiring(options: GitHubWiringOptions): GitHubWiring {
  const readToken = options.readToken ?? secretsManagerToken();
  let connection: Promise<GitHubConnection> | undefined;
  let current: number | undefined;
  const deadline = () => current;
  const open = async (): Promise<GitHubConnection> => {
    const token = await readToken(requireEnv(options.secretId, ENV.githubTokenSecretId));
    const { owner, repo } = splitRepository(options.config.githubRepository);
    const octokit = createOctokit({
      ...options.octokit,
      token,
      baseUrl: options.config.githubApiUrl,
      logger: options.logger,
      deadline,
    });
    return { octokit, owner, repo };
  };
  return {
    options,
    connect() {
      if (!connection) {
        const attempt = open();
        connection = attempt;
        attempt.catch(() => {
          if (connection === attempt) connection = undefined;
        });
      }
      return connection;
    },
    until(at) {
      current = at;
    },
    deadline,
  };
}

/** Where issues go: GitHub, or in shadow mode the audit trail, without reading the token. */
export async function githubIssueTracker(wiring: GitHubWiring): Promise<IssueTracker> {
  const { config, store, clock } = wiring.options;
  if (config.shadowMode) return new AuditTrailIssueTracker(store, clock);
  return new GitHubIssueTracker({ ...(await wiring.connect()), deadline: wiring.deadline });
}

/**
 * Where reverts are proposed: GitHub, or in shadow mode the audit trail (the deploy resolved from its
 * event alone), without reading the token.
 */
export async function githubCodeHost(wiring: GitHubWiring): Promise<CodeHost> {
  const { config, store, clock } = wiring.options;
  if (config.shadowMode) return new AuditTrailCodeHost(store, clock);
  return new GitHubCodeHost({ ...(await wiring.connect()), baseBranch: config.githubBaseBranch });
}

/**
 * GitHub for reading what a deploy ships (compare and pull requests; nothing is written). Shadow mode
 * reads it too when the token is readable, so fixes are recognised by pull request before issues go
 * to GitHub; without a readable token it is undefined there (with a warning), and fixes are
 * recognised by service. Outside shadow mode an unreadable token fails the invocation.
 */
export async function githubDeployReader(wiring: GitHubWiring): Promise<CodeHost | undefined> {
  const { config, logger } = wiring.options;
  try {
    return new GitHubCodeHost({ ...(await wiring.connect()), baseBranch: config.githubBaseBranch });
  } catch (error) {
    if (!config.shadowMode) throw error;
    logger.warn('shadow mode without a readable GitHub token: fix deploys are recognised by service', { error: String(error) });
    return undefined;
  }
}

function secretsManagerToken(): (secretId: string) => Promise<string> {
  let client: SecretsManagerClient | undefined;
  return (secretId) => {
    client ??= new SecretsManagerClient({});
    return readGithubToken(client, secretId);
  };
}
