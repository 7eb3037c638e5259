/**
 * The issue tracker on GitHub: files the one issue of a lineage (idempotent by its marker), comments
 * on it, closes and updates it.
 */
import type { IssueDraft } from '#domain/issue/messages';
import { lineageMarker, PRODLOOP_LABEL, parseIssueMetadata } from '#domain/issue/metadata';
import type { IssueRef } from '#domain/lineage/lineage';
import { NotFoundError, TransientError } from '#domain/shared/errors';
import type { IssueTracker } from '#ports/issues';
import { fitsBeforeDeadline, isWaitPastDeadline } from './bounds.ts';
import type { GitHubClient } from './client.ts';
import { toGitHubError } from './errors.ts';

export interface GitHubIssueTrackerOptions {
  readonly octokit: GitHubClient;
  readonly owner: string;
  readonly repo: string;
  /** Attempts at creating an issue after a transient failure; each first looks again for the marker. */
  readonly fileAttempts?: number;
  /** Unit of the waits between those attempts, in milliseconds. */
  readonly retryDelayMs?: number;
  /** When the invocation's calls must be over (epoch milliseconds): a wait between attempts that would end later is not waited. */
  readonly deadline?: () => number | undefined;
}

export class GitHubIssueTracker implements IssueTracker {
  readonly #octokit: GitHubClient;
  readonly #owner: string;
  readonly #repo: string;
  readonly #fileAttempts: number;
  readonly #retryDelayMs: number;
  readonly #deadline: () => number | undefined;

  constructor(options: GitHubIssueTrackerOptions) {
    this.#octokit = options.octokit;
    this.#owner = options.owner;
    this.#repo = options.repo;
    this.#fileAttempts = Math.max(1, options.fileAttempts ?? 3);
    this.#retryDelayMs = options.retryDelayMs ?? 1000;
    this.#deadline = options.deadline ?? (() => undefined);
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
        const { data } = await this.#octokit.rest.issues.create({
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
        await this.#backOff(mapped, attempt);
      }
    }
  }

  /**
   * Comments once: a comment with the same text already on the issue is the one a retried delivery,
   * or a create GitHub handled but answered with a 5xx or a reset, already made. Octokit does not
   * retry the create itself; every new attempt looks for the comment first.
   */
  async comment(issue: IssueRef, body: string): Promise<void> {
    const number = this.#number(issue);
    for (let attempt = 1; ; attempt++) {
      try {
        if (await this.#hasComment(number, body)) return;
        await this.#octokit.rest.issues.createComment({
          owner: this.#owner,
          repo: this.#repo,
          issue_number: number,
          body,
          request: { retries: 0 },
        });
        return;
      } catch (error) {
        const mapped = this.#error(error, `commenting on issue #${number}`);
        await this.#backOff(mapped, attempt);
      }
    }
  }

  /** Comments, then closes as completed. Safe to call again after a partial failure: it neither comments twice nor reopens. */
  async close(issue: IssueRef, comment: string): Promise<void> {
    const number = this.#number(issue);
    const action = `closing issue #${number}`;
    try {
      const { data: current } = await this.#octokit.rest.issues.get({
        owner: this.#owner,
        repo: this.#repo,
        issue_number: number,
      });
      if (current.state === 'closed') return;
      if (!(await this.#hasComment(number, comment))) {
        await this.#octokit.rest.issues.createComment({
          owner: this.#owner,
          repo: this.#repo,
          issue_number: number,
          body: comment,
        });
      }
      await this.#octokit.rest.issues.update({
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
      await this.#octokit.rest.issues.update({
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
      const pages = this.#octokit.paginate.iterator(this.#octokit.rest.issues.listForRepo, {
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
    const pages = this.#octokit.paginate.iterator(this.#octokit.rest.issues.listComments, {
      owner: this.#owner,
      repo: this.#repo,
      issue_number: number,
      per_page: 100,
    });
    for await (const page of pages) {
      if (page.data.some((c) => c.body !== undefined && sameText(c.body, body))) return true;
    }
    return false;
  }

  /**
   * Waits before the next attempt after a transient failure, or throws: the failure is not transient,
   * the attempts are spent, or the wait would end past the deadline (the step's retry takes over).
   */
  async #backOff(failure: Error, attempt: number): Promise<void> {
    if (!(failure instanceof TransientError) || attempt >= this.#fileAttempts) throw failure;
    // GitHub asked for a longer wait than the invocation has left: retrying sooner would ignore it.
    if (isWaitPastDeadline(failure)) throw failure;
    const wait = this.#retryDelayMs * attempt ** 2;
    if (!fitsBeforeDeadline({ deadline: this.#deadline }, wait)) {
      throw new TransientError(
        `${failure.message} (not retried here: the wait of ${wait} ms before the next attempt ends past the invocation's deadline)`,
        {
          cause: failure,
        },
      );
    }
    await sleep(wait);
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

function withProdloopLabel(labels: readonly string[]): string[] {
  return [...new Set([PRODLOOP_LABEL, ...labels])];
}

/** GitHub may hand a body back with CRLF line ends or trimmed: the same comment all the same. */
function sameText(a: string, b: string): boolean {
  const plain = (s: string) => s.replace(/\r\n/g, '\n').trim();
  return plain(a) === plain(b);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
