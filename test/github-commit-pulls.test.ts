/**
 * Pull requests of commits whose message names none (rebase merges, merge commits with their own
 * message), resolved through GitHub's "pull requests associated with a commit", with real Octokit
 * over HTTP to the local GitHub.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { createOctokit, GitHubCodeHost } from '#adapters/github/github';
import { fixReason, referencesOf } from '#domain/lineage/loop';
import { TransientError } from '#domain/shared/errors';
import type { DeploySignal } from '#domain/signals/signals';
import { type GitHubServer, startGitHubServer } from './support/github-server.ts';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

function deploy(commitSha: string, previousSha: string): DeploySignal {
  return {
    kind: 'deploy',
    source: 'ecs',
    deployId: `ecs-svc/${commitSha}`,
    service: 'checkout',
    status: 'succeeded',
    at: '2026-03-02T10:00:00.000Z',
    commitSha,
    previousSha,
    prNumbers: [],
    changedPaths: [],
    dependencyChanges: [],
  };
}

let github: GitHubServer;
const hostWith = (options: { maxCommitLookups?: number } = {}) =>
  new GitHubCodeHost({
    octokit: createOctokit({ token: 't', baseUrl: github.baseUrl, retries: 0, spaceWrites: false, logger: quiet }),
    owner: 'acme',
    repo: 'shop',
    baseBranch: 'main',
    ...options,
  });
const pullRequestLookups = () => github.requests.filter((r) => /\/commits\/[^/]+\/pulls$/.test(r.path)).map((r) => r.path.split('/')[5]);

beforeAll(async () => {
  github = await startGitHubServer();
  github.addIssue({ title: 'prod-checkout-5xx', labels: ['prodloop'] }); // #1
  github.addIssue({ title: 'prod-checkout-latency', labels: ['prodloop'] }); // #2
  github.addIssue({
    title: 'Retry the payment call once',
    body: 'The gateway drops one call in a thousand.\n\nFixes #1',
    pull_request: { head: 'fix/payment-retry', base: 'main', draft: false, merged: true },
  }); // #3
  github.addIssue({
    title: 'Cache the price list per request',
    body: 'Closes #2',
    pull_request: { head: 'fix/prices', base: 'main', draft: false, merged: true },
  }); // #4
  github.addIssue({
    title: 'Backport the price cache',
    body: 'Fixes #2',
    pull_request: { head: 'backport/prices', base: 'release/1.x', draft: false, merged: true },
  }); // #5
  github.addIssue({
    title: 'WIP: price cache v2',
    body: 'Fixes #2',
    pull_request: { head: 'prices-v2', base: 'main', draft: true, merged: false },
  }); // #6
  github.commits.push(
    { sha: 'd000001', message: 'Checkout v2', files: ['services/checkout/cart.ts'] },
    // A branch merged with a merge commit whose message names no pull request.
    { sha: 'd000002', message: 'Retry the payment call once', parents: ['d000001'], pulls: [3], files: ['services/checkout/pay.ts'] },
    { sha: 'd000003', message: 'Log each retry', parents: ['d000002'], pulls: [3], files: ['services/checkout/pay.ts'] },
    { sha: 'd000004', message: "Merge branch 'fix/payment-retry'", parents: ['d000001', 'd000003'], pulls: [3] },
    // Pull request #4 rebase-merged: two commits on main, neither naming it; open #6 and #5 (into a release branch) contain them too.
    { sha: 'd000005', message: 'Add a per-request price cache', pulls: [4, 5, 6], files: ['services/checkout/prices.ts'] },
    { sha: 'd000006', message: 'Read prices through the cache', pulls: [4, 6], files: ['services/checkout/cart.ts'] },
    { sha: 'd000007', message: 'Bump the linter', files: ['biome.json'] },
  );
});

afterAll(async () => {
  await github.close();
});

describe('pull requests of commits that name none', () => {
  test('a merge commit without "(#N)" still resolves to its pull request; the commits of the merged branch are not asked', async () => {
    github.requests.length = 0;
    const contents = await hostWith().resolveDeploy(deploy('d000004', 'd000001'));
    assert.deepEqual(
      contents.prs.map((p) => [p.number, p.title, p.merged]),
      [[3, 'Retry the payment call once', true]],
    );
    assert.deepEqual(pullRequestLookups(), ['d000004']);
    const refs = referencesOf(contents, 'acme/shop');
    assert.match(
      fixReason({ lineageId: 'lin-1', issue: { number: 1, url: 'u', kind: 'issue', shadow: false } }, refs) ?? '',
      /closes issue #1/,
    );
  });

  test('a rebase-merged pull request is found through its commits; one merged into another branch or not merged is not', async () => {
    const contents = await hostWith().resolveDeploy(deploy('d000006', 'd000004'));
    assert.deepEqual(
      contents.prs.map((p) => p.number),
      [4],
    );
    assert.deepEqual(referencesOf(contents, 'acme/shop').issues, [2]);
  });

  test('at most maxCommitLookups commits are asked per deploy, the newest first, and the note says so', async () => {
    github.requests.length = 0;
    const contents = await hostWith({ maxCommitLookups: 2 }).resolveDeploy(deploy('d000007', 'd000004'));
    assert.deepEqual(pullRequestLookups(), ['d000007', 'd000006']);
    assert.deepEqual(
      contents.prs.map((p) => p.number),
      [4],
    );
    assert.match(contents.note ?? '', /asked GitHub for the pull requests of 2 of the 3 commits that name none/);
  });

  test('a GitHub outage while asking is transient, for the event to be retried', async () => {
    github.failNext(1, 502, {}, { path: /\/commits\/d000004\/pulls$/ });
    await assert.rejects(hostWith().resolveDeploy(deploy('d000004', 'd000001')), TransientError);
  });
});
