/**
 * The code host on GitHub: resolves a deploy to the pull requests it ships (compare of the two
 * commits, and the pull requests of commits that name none) and opens a pull request that reverts a
 * deploy (Git data API).
 */
import { pullRequestNumbersIn } from '#domain/lineage/loop';
import { NotFoundError } from '#domain/shared/errors';
import type { DeployContents, RevertResult, ShippedPullRequest } from '#domain/signals/code-changes';
import type { DeploySignal } from '#domain/signals/signals';
import type { CodeHost, RevertRequest } from '#ports/code-host';
import type { GitHubClient } from './client.ts';
import { statusOf, toGitHubError } from './errors.ts';

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
        const { data } = await this.#octokit.rest.repos.compareCommitsWithBasehead({
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
        const { data } = await this.#octokit.rest.pulls.get({
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
      const { data } = await this.#octokit.rest.repos.listPullRequestsAssociatedWithCommit({
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

      const { data: shipped } = await this.#octokit.rest.repos.compareCommitsWithBasehead({
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
      const { data: previousCommit } = await this.#octokit.rest.git.getCommit({
        ...repo,
        commit_sha: before,
      });
      const { data: previousTree } = await this.#octokit.rest.git.getTree({
        ...repo,
        tree_sha: previousCommit.tree.sha,
        recursive: 'true',
      });
      const was = new Map(previousTree.tree.flatMap((e) => (e.path && e.sha && e.type === 'blob' ? [[e.path, e] as const] : [])));
      const { data: head } = await this.#octokit.rest.git.getRef({
        ...repo,
        ref: `heads/${this.#baseBranch}`,
      });
      const { data: headCommit } = await this.#octokit.rest.git.getCommit({
        ...repo,
        commit_sha: head.object.sha,
      });

      let overlap: string[] = [];
      if (head.object.sha !== deploy.commitSha) {
        const { data: since } = await this.#octokit.rest.repos.compareCommitsWithBasehead({
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
      const { data: tree } = await this.#octokit.rest.git.createTree({
        ...repo,
        base_tree: headCommit.tree.sha,
        tree: entries,
      });
      const { data: commit } = await this.#octokit.rest.git.createCommit({
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
      const { data: pull } = await this.#octokit.rest.pulls.create({
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
    const { data } = await this.#octokit.rest.pulls.list({
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
      await this.#octokit.rest.git.createRef({
        owner: this.#owner,
        repo: this.#repo,
        ref: `refs/heads/${branch}`,
        sha,
      });
    } catch (error) {
      if (statusOf(error) !== 422) throw error;
      await this.#octokit.rest.git.updateRef({
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
