/**
 * GitHub through the REST API. Issues: files the one issue of a lineage (idempotent by its marker),
 * comments, closes and updates it. Code: resolves a deploy to the pull requests it ships (compare of
 * the two commits) and opens a pull request that reverts a deploy (Git data API). Transient failures
 * surface as TransientError for the state machine to retry; everything else as an error that says
 * what to fix.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Octokit } from '@octokit/core';
import { paginateRest } from '@octokit/plugin-paginate-rest';
import { requestLog } from '@octokit/plugin-request-log';
import { retry } from '@octokit/plugin-retry';
import { type ThrottlingOptions, throttling } from '@octokit/plugin-throttling';
import { lineageMarker, PRODLOOP_LABEL, parseIssueMetadata } from '#domain/issue/issue-body';
import type { IssueDraft } from '#domain/issue/messages';
import type { IssueRef } from '#domain/lineage/lineage';
import { pullRequestNumbersIn } from '#domain/lineage/loop';
import { NotFoundError, ProdloopError, TransientError } from '#domain/shared/errors';
import type { DeployContents, RevertResult, ShippedPullRequest } from '#domain/signals/code-changes';
import type { DeploySignal } from '#domain/signals/signals';
import type { CodeHost, RevertRequest } from '#ports/code-host';
import type { LoggerLike } from '#ports/deps';
import type { IssueTracker } from '#ports/issues';

/**
 * Octokit's core with the plugins `@octokit/rest` builds on (request log, pagination), then retries
 * and throttling. Not `@octokit/rest` itself: its table of every REST method is about 80 KB of each
 * bundle that talks to GitHub. Routes are called by method and path instead,
 * `request('GET /repos/{owner}/{repo}/issues', params)`, with the same types from @octokit/types.
 */
const ProdloopOctokit = Octokit.plugin(requestLog, paginateRest, retry, throttling);
export type GitHubClient = InstanceType<typeof ProdloopOctokit>;

/** GitHub refused a request for a reason retrying will not fix (bad token, missing permission, invalid input). */
export class GitHubRequestError extends ProdloopError {
  constructor(
    message: string,
    readonly status: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

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

export interface GitHubIssueTrackerOptions {
  readonly octokit: GitHubClient;
  readonly owner: string;
  readonly repo: string;
  /** Attempts at creating an issue after a transient failure; each first looks again for the marker. */
  readonly fileAttempts?: number;
  /** Unit of the waits between those attempts, in milliseconds. */
  readonly retryDelayMs?: number;
}

export class GitHubIssueTracker implements IssueTracker {
  readonly #octokit: GitHubClient;
  readonly #owner: string;
  readonly #repo: string;
  readonly #fileAttempts: number;
  readonly #retryDelayMs: number;

  constructor(options: GitHubIssueTrackerOptions) {
    this.#octokit = options.octokit;
    this.#owner = options.owner;
    this.#repo = options.repo;
    this.#fileAttempts = Math.max(1, options.fileAttempts ?? 3);
    this.#retryDelayMs = options.retryDelayMs ?? 1000;
  }

  get repository(): string {
    return `${this.#owner}/${this.#repo}`;
  }

  async fileIssue(draft: IssueDraft): Promise<IssueRef> {
    const marker = lineageMarker(draft.lineageId);
    const body = draft.body.includes(marker) ? draft.body : `${draft.body}\n\n${marker}\n`;
    const generation = parseIssueMetadata(body)?.generation;
    for (let attempt = 1; ; attempt++) {
      const existing = await this.#findByMarker(marker, generation, draft.kind);
      if (existing) return existing;
      try {
        // No retries inside Octokit here: a 5xx may come after GitHub created the issue, so every
        // new attempt first looks for the marker again.
        const { data } = await this.#octokit.request('POST /repos/{owner}/{repo}/issues', {
          owner: this.#owner,
          repo: this.#repo,
          title: draft.title,
          body,
          labels: withProdloopLabel(draft.labels),
          assignees: [...draft.assignees],
          request: { retries: 0 },
        });
        return { number: data.number, url: data.html_url, kind: draft.kind, shadow: false };
      } catch (error) {
        const mapped = this.#error(error, `filing the issue for lineage ${draft.lineageId}`);
        if (!(mapped instanceof TransientError) || attempt >= this.#fileAttempts) throw mapped;
        await sleep(this.#retryDelayMs * attempt ** 2);
      }
    }
  }

  async comment(issue: IssueRef, body: string): Promise<void> {
    const number = this.#number(issue);
    try {
      await this.#octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
        owner: this.#owner,
        repo: this.#repo,
        issue_number: number,
        body,
      });
    } catch (error) {
      throw this.#error(error, `commenting on issue #${number}`);
    }
  }

  /** Comments, then closes as completed. Safe to call again after a partial failure: it neither comments twice nor reopens. */
  async close(issue: IssueRef, comment: string): Promise<void> {
    const number = this.#number(issue);
    const action = `closing issue #${number}`;
    try {
      const { data: current } = await this.#octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}', {
        owner: this.#owner,
        repo: this.#repo,
        issue_number: number,
      });
      if (current.state === 'closed') return;
      if (!(await this.#hasComment(number, comment))) {
        await this.#octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
          owner: this.#owner,
          repo: this.#repo,
          issue_number: number,
          body: comment,
        });
      }
      await this.#octokit.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
        owner: this.#owner,
        repo: this.#repo,
        issue_number: number,
        state: 'closed',
        state_reason: 'completed',
      });
    } catch (error) {
      throw this.#error(error, action);
    }
  }

  async update(issue: IssueRef, change: { body?: string; labels?: readonly string[] }): Promise<void> {
    const number = this.#number(issue);
    if (change.body === undefined && change.labels === undefined) return;
    try {
      await this.#octokit.request('PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
        owner: this.#owner,
        repo: this.#repo,
        issue_number: number,
        ...(change.body !== undefined ? { body: change.body } : {}),
        ...(change.labels !== undefined ? { labels: withProdloopLabel(change.labels) } : {}),
      });
    } catch (error) {
      throw this.#error(error, `updating issue #${number}`);
    }
  }

  /**
   * Lists prodloop's issues (open and closed, newest first) and returns the one carrying the marker.
   * Not the search API: its index lags, so a retry right after a create could miss the new issue.
   */
  async #findByMarker(marker: string, generation: number | undefined, kind: IssueRef['kind']): Promise<IssueRef | undefined> {
    try {
      const pages = this.#octokit.paginate.iterator('GET /repos/{owner}/{repo}/issues', {
        owner: this.#owner,
        repo: this.#repo,
        state: 'all',
        labels: PRODLOOP_LABEL,
        sort: 'created',
        direction: 'desc',
        per_page: 100,
      });
      for await (const page of pages) {
        for (const found of page.data) {
          if (found.pull_request || !found.body?.includes(marker)) continue;
          const metadata = parseIssueMetadata(found.body);
          // A lineage that opened again (a new generation) gets a new issue; an unreadable block still counts as a match.
          if (generation !== undefined && metadata && metadata.generation !== generation) continue;
          return { number: found.number, url: found.html_url, kind: metadata?.kind ?? kind, shadow: false };
        }
      }
      return undefined;
    } catch (error) {
      throw this.#error(error, `looking for the issue with marker ${marker}`);
    }
  }

  async #hasComment(number: number, body: string): Promise<boolean> {
    const pages = this.#octokit.paginate.iterator('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      owner: this.#owner,
      repo: this.#repo,
      issue_number: number,
      per_page: 100,
    });
    for await (const page of pages) {
      if (page.data.some((c) => c.body === body)) return true;
    }
    return false;
  }

  #number(issue: IssueRef): number {
    if (issue.shadow) {
      throw new NotFoundError(
        `issue #${issue.number} (${issue.url}) was filed in shadow mode, to the outbox only; ${this.repository} has no such issue`,
      );
    }
    return issue.number;
  }

  #error(error: unknown, action: string): Error {
    return toGitHubError(error, action, this.repository);
  }
}

export interface GitHubCodeHostOptions {
  readonly octokit: GitHubClient;
  readonly owner: string;
  readonly repo: string;
  /** The branch deploys ship from and reverts are proposed against. */
  readonly baseBranch: string;
  /** At most this many pull requests are read per deploy. */
  readonly maxPullRequests?: number;
  /** At most this many commits that name no pull request are asked for theirs, per deploy (one request each). */
  readonly maxCommitLookups?: number;
}

/** GitHub's compare lists at most 300 files; a deploy changing more cannot be reverted file by file. */
const MAX_COMPARE_FILES = 300;

export class GitHubCodeHost implements CodeHost {
  readonly #octokit: GitHubClient;
  readonly #owner: string;
  readonly #repo: string;
  readonly #baseBranch: string;
  readonly #maxPullRequests: number;
  readonly #maxCommitLookups: number;

  constructor(options: GitHubCodeHostOptions) {
    this.#octokit = options.octokit;
    this.#owner = options.owner;
    this.#repo = options.repo;
    this.#baseBranch = options.baseBranch;
    this.#maxPullRequests = options.maxPullRequests ?? 50;
    this.#maxCommitLookups = options.maxCommitLookups ?? 20;
  }

  get repository(): string {
    return `${this.#owner}/${this.#repo}`;
  }

  /**
   * The pull requests a deploy ships: those the event names, plus those named by the commit messages
   * between the previous and the deployed commit (squash and merge commits), each read for its body.
   * A commit of the base branch's own line that names none (a rebase merge, a merge commit with its
   * own message) is asked for the pull requests GitHub associates with it: those merged into the
   * base branch count, up to `maxCommitLookups` commits per deploy.
   */
  async resolveDeploy(deploy: DeploySignal, previousSha?: string): Promise<DeployContents> {
    const base = deploy.previousSha ?? previousSha;
    const numbers = new Set(deploy.prNumbers);
    const associated = new Map<number, ShippedPullRequest>();
    let commitMessages: string[] = [];
    let files: string[] = [...deploy.changedPaths];
    let resolvedBy: DeployContents['resolvedBy'] = deploy.prNumbers.length > 0 ? 'event' : 'none';
    const notes: string[] = [];
    if (deploy.commitSha && base && base !== deploy.commitSha) {
      try {
        const { data } = await this.#octokit.request('GET /repos/{owner}/{repo}/compare/{basehead}', {
          owner: this.#owner,
          repo: this.#repo,
          basehead: `${base}...${deploy.commitSha}`,
          per_page: 100,
        });
        commitMessages = data.commits.map((c) => c.commit.message);
        files = [...new Set([...files, ...(data.files ?? []).map((f) => f.filename)])];
        for (const n of pullRequestNumbersIn(commitMessages)) numbers.add(n);
        resolvedBy = 'compare';
        if (data.total_commits > data.commits.length) notes.push(`compare listed ${data.commits.length} of ${data.total_commits} commits`);
        const unnamed = commitsNamingNoPullRequest(data.commits, deploy.commitSha);
        // The newest first: those closest to the deploy.
        const asked = unnamed.slice(-this.#maxCommitLookups).reverse();
        for (const sha of asked) {
          for (const pr of await this.#mergedPullRequestsOf(sha)) {
            if (!numbers.has(pr.number) && !associated.has(pr.number)) associated.set(pr.number, pr);
          }
        }
        if (unnamed.length > asked.length) {
          notes.push(`asked GitHub for the pull requests of ${asked.length} of the ${unnamed.length} commits that name none`);
        }
      } catch (error) {
        const mapped = this.#error(error, `comparing ${base}...${deploy.commitSha}`);
        if (!(mapped instanceof NotFoundError)) throw mapped;
        notes.push(`GitHub does not know ${base}...${deploy.commitSha}: only the pull requests the event names`);
      }
    } else {
      notes.push('the deploy names no previous commit to compare with: only the pull requests the event names');
    }
    const note = notes.length > 0 ? notes.join('; ') : undefined;
    const prs: ShippedPullRequest[] = [];
    for (const number of [...numbers].slice(0, this.#maxPullRequests)) {
      try {
        const { data } = await this.#octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
          owner: this.#owner,
          repo: this.#repo,
          pull_number: number,
        });
        prs.push({ number, title: data.title, body: data.body ?? '', url: data.html_url, merged: data.merged ?? false });
      } catch (error) {
        const mapped = this.#error(error, `reading pull request #${number}`);
        if (!(mapped instanceof NotFoundError)) throw mapped;
        // A number in a commit message that is an issue, or a pull request of another repository.
      }
    }
    // Those GitHub associates with a commit came with their bodies.
    prs.push(...[...associated.values()].slice(0, Math.max(0, this.#maxPullRequests - prs.length)));
    return { prs, commitMessages, files, resolvedBy, ...(note ? { note } : {}) };
  }

  /** The pull requests GitHub associates with a commit that were merged into the base branch. */
  async #mergedPullRequestsOf(sha: string): Promise<ShippedPullRequest[]> {
    try {
      const { data } = await this.#octokit.request('GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls', {
        owner: this.#owner,
        repo: this.#repo,
        commit_sha: sha,
        per_page: 100,
      });
      return data
        .filter((pr) => pr.merged_at !== null && pr.base.ref === this.#baseBranch)
        .map((pr) => ({ number: pr.number, title: pr.title, body: pr.body ?? '', url: pr.html_url, merged: true }));
    } catch (error) {
      // GitHub answers 422 for a commit it does not know.
      if (statusOf(error) === 422) return [];
      const mapped = this.#error(error, `listing the pull requests of commit ${sha}`);
      if (!(mapped instanceof NotFoundError)) throw mapped;
      return [];
    }
  }

  /**
   * Opens a pull request that puts every file the deploy changed back the way it was before the deploy,
   * on top of the base branch as it is now. Idempotent per deploy: the branch is named after it, and a
   * pull request already open (or closed) from that branch is returned instead of a new one.
   */
  async proposeRevert(request: RevertRequest): Promise<RevertResult> {
    const { deploy } = request;
    const before = deploy.previousSha ?? request.previousSha;
    if (!deploy.commitSha || !before) {
      return { proposed: false, reason: 'the deploy names no commit pair (commitSha and previousSha) to compute a revert from' };
    }
    const branch = `prodloop/revert-${deploy.deployId.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 80)}`;
    const repo = { owner: this.#owner, repo: this.#repo };
    try {
      const existing = await this.#pullFrom(branch);
      if (existing) return { proposed: true, number: existing.number, url: existing.html_url, branch, existing: true };

      const { data: shipped } = await this.#octokit.request('GET /repos/{owner}/{repo}/compare/{basehead}', {
        ...repo,
        basehead: `${before}...${deploy.commitSha}`,
      });
      const changed = shipped.files ?? [];
      if (changed.length === 0)
        return { proposed: false, reason: `GitHub lists no file changed between ${before} and ${deploy.commitSha}` };
      if (changed.length >= MAX_COMPARE_FILES) {
        return {
          proposed: false,
          reason: `the deploy changed ${changed.length} or more files, more than GitHub's compare lists: revert by hand`,
        };
      }
      const { data: previousCommit } = await this.#octokit.request('GET /repos/{owner}/{repo}/git/commits/{commit_sha}', {
        ...repo,
        commit_sha: before,
      });
      const { data: previousTree } = await this.#octokit.request('GET /repos/{owner}/{repo}/git/trees/{tree_sha}', {
        ...repo,
        tree_sha: previousCommit.tree.sha,
        recursive: 'true',
      });
      const was = new Map(previousTree.tree.flatMap((e) => (e.path && e.sha && e.type === 'blob' ? [[e.path, e] as const] : [])));
      const { data: head } = await this.#octokit.request('GET /repos/{owner}/{repo}/git/ref/{ref}', {
        ...repo,
        ref: `heads/${this.#baseBranch}`,
      });
      const { data: headCommit } = await this.#octokit.request('GET /repos/{owner}/{repo}/git/commits/{commit_sha}', {
        ...repo,
        commit_sha: head.object.sha,
      });

      let overlap: string[] = [];
      if (head.object.sha !== deploy.commitSha) {
        const { data: since } = await this.#octokit.request('GET /repos/{owner}/{repo}/compare/{basehead}', {
          ...repo,
          basehead: `${deploy.commitSha}...${head.object.sha}`,
        });
        const touched = new Set((since.files ?? []).map((f) => f.filename));
        overlap = changed.map((f) => f.filename).filter((f) => touched.has(f));
      }
      const restore = (path: string) => {
        const entry = was.get(path);
        return entry
          ? { path, mode: entry.mode as '100644', type: 'blob' as const, sha: entry.sha as string }
          : { path, mode: '100644' as const, type: 'blob' as const, sha: null };
      };
      const entries = changed.flatMap((f) =>
        f.status === 'renamed' && f.previous_filename ? [restore(f.previous_filename), restore(f.filename)] : [restore(f.filename)],
      );
      const { data: tree } = await this.#octokit.request('POST /repos/{owner}/{repo}/git/trees', {
        ...repo,
        base_tree: headCommit.tree.sha,
        tree: entries,
      });
      const { data: commit } = await this.#octokit.request('POST /repos/{owner}/{repo}/git/commits', {
        ...repo,
        message: `${request.title}\n\nRestores the ${changed.length} file(s) deploy ${deploy.deployId} changed to their state at ${before}.`,
        tree: tree.sha,
        parents: [head.object.sha],
      });
      await this.#createBranch(branch, commit.sha);
      const warning =
        overlap.length > 0
          ? `\n\n> **Review with care:** commits after the deploy also changed ${overlap.map((f) => `\`${f}\``).join(', ')}; this pull request restores them to their state before the deploy.\n`
          : '';
      const { data: pull } = await this.#octokit.request('POST /repos/{owner}/{repo}/pulls', {
        ...repo,
        title: request.title,
        head: branch,
        base: this.#baseBranch,
        body: `${request.body}${warning}`,
      });
      return { proposed: true, number: pull.number, url: pull.html_url, branch, existing: false };
    } catch (error) {
      throw this.#error(error, `proposing a revert of deploy ${deploy.deployId}`);
    }
  }

  async #pullFrom(branch: string): Promise<{ number: number; html_url: string } | undefined> {
    const { data } = await this.#octokit.request('GET /repos/{owner}/{repo}/pulls', {
      owner: this.#owner,
      repo: this.#repo,
      head: `${this.#owner}:${branch}`,
      state: 'all',
      per_page: 10,
    });
    return data[0];
  }

  /** Creates the branch; one left by an earlier attempt that failed before its pull request is moved to the new commit. */
  async #createBranch(branch: string, sha: string): Promise<void> {
    try {
      await this.#octokit.request('POST /repos/{owner}/{repo}/git/refs', {
        owner: this.#owner,
        repo: this.#repo,
        ref: `refs/heads/${branch}`,
        sha,
      });
    } catch (error) {
      if (statusOf(error) !== 422) throw error;
      await this.#octokit.request('PATCH /repos/{owner}/{repo}/git/refs/{ref}', {
        owner: this.#owner,
        repo: this.#repo,
        ref: `heads/${branch}`,
        sha,
        force: true,
      });
    }
  }

  #error(error: unknown, action: string): Error {
    return toGitHubError(error, action, this.repository);
  }
}

interface ComparedCommit {
  readonly sha: string;
  readonly commit: { readonly message: string };
  readonly parents?: ReadonlyArray<{ readonly sha: string }>;
}

/**
 * Compared commits whose message names no pull request, on the base branch's own line: from the
 * deployed commit along first parents. A commit off that line came in with a merge commit, and the
 * pull request of that merge is the one it ships. When the line cannot be followed (a compare cut
 * short, or without parents), every commit that names none.
 */
function commitsNamingNoPullRequest(commits: readonly ComparedCommit[], head: string): string[] {
  const bySha = new Map(commits.map((c) => [c.sha, c]));
  const tip = commits.find((c) => c.sha.toLowerCase().startsWith(head.toLowerCase()));
  let line: Set<string> | undefined;
  if (tip && commits.every((c) => c.parents !== undefined)) {
    line = new Set();
    for (let c: ComparedCommit | undefined = tip; c && !line.has(c.sha); c = bySha.get(c.parents?.[0]?.sha ?? '')) line.add(c.sha);
  }
  return commits.filter((c) => (line ? line.has(c.sha) : true) && pullRequestNumbersIn([c.commit.message]).length === 0).map((c) => c.sha);
}

/** "owner/name" as owner and repo. */
export function splitRepository(repository: string): { owner: string; repo: string } {
  const [owner, repo, ...rest] = repository.split('/');
  if (!owner || !repo || rest.length > 0) throw new ProdloopError(`"${repository}" is not a repository: expected "owner/name"`);
  return { owner, repo };
}

/** Maps an Octokit failure to a domain error with a message that says what to do. */
export function toGitHubError(error: unknown, action: string, repository: string): Error {
  if (error instanceof ProdloopError) return error;
  const status = statusOf(error);
  const detail = githubMessage(error);
  const options = { cause: error };
  if (status === undefined || status >= 500) {
    return new TransientError(`GitHub failed while ${action} in ${repository}${status ? ` (${status})` : ''}: ${detail}`, options);
  }
  if (status === 429 || isRateLimited(error)) {
    return new TransientError(`GitHub rate limit while ${action} in ${repository} (${status}): ${detail}`, options);
  }
  switch (status) {
    case 401:
      return new GitHubRequestError(
        `GitHub rejected the token (401) while ${action}: check the token in the GitHub token secret. ${detail}`,
        status,
        options,
      );
    case 403:
      return new GitHubRequestError(
        `GitHub refused ${action} (403): the token needs read and write access to issues of ${repository}. ${detail}`,
        status,
        options,
      );
    case 404:
      return new NotFoundError(
        `GitHub answered 404 while ${action}: ${repository} or the issue does not exist, or the token cannot see it. ${detail}`,
        options,
      );
    case 410:
      return new NotFoundError(
        `GitHub answered 410 while ${action}: issues are disabled on ${repository}, or the issue was deleted. ${detail}`,
        options,
      );
    case 422:
      return new GitHubRequestError(`GitHub rejected ${action} as invalid (422): ${detail}`, status, options);
    default:
      return new GitHubRequestError(`GitHub answered ${status} while ${action} in ${repository}: ${detail}`, status, options);
  }
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status > 0 ? status : undefined;
}

function isRateLimited(error: unknown): boolean {
  const response = (error as { response?: { headers?: Record<string, unknown> } } | null)?.response;
  if (response?.headers?.['x-ratelimit-remaining'] === '0') return true;
  return /rate limit/i.test(githubMessage(error));
}

/** GitHub's own message and validation errors, when the response has them. */
function githubMessage(error: unknown): string {
  const data = (error as { response?: { data?: unknown } } | null)?.response?.data as
    | { message?: unknown; errors?: Array<{ message?: unknown; field?: unknown; code?: unknown } | string> }
    | undefined;
  const parts: string[] = [];
  if (typeof data?.message === 'string') parts.push(data.message);
  for (const e of Array.isArray(data?.errors) ? data.errors : []) {
    if (typeof e === 'string') parts.push(e);
    else if (typeof e?.message === 'string') parts.push(e.message);
    else if (e?.field !== undefined) parts.push(`${String(e.field)}: ${String(e.code ?? 'invalid')}`);
  }
  if (parts.length > 0) return parts.join('; ');
  return error instanceof Error ? error.message : String(error);
}

function withProdloopLabel(labels: readonly string[]): string[] {
  return [...new Set([PRODLOOP_LABEL, ...labels])];
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
