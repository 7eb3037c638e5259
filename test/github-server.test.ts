/** The local GitHub answers the calls later work relies on the way GitHub does, through a real Octokit. */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, test } from 'vitest';
import { createOctokit, type GitHubClient } from '#adapters/github/github';
import { type GitHubServer, startGitHubServer } from './support/github-server.ts';

let server: GitHubServer;
let octokit: GitHubClient;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

beforeAll(async () => {
  server = await startGitHubServer();
  octokit = createOctokit({ token: 't', baseUrl: server.baseUrl, retries: 0, retryAfterBaseMs: 1, spaceWrites: false, logger: quiet });
});

afterAll(async () => {
  await server.close();
});

test('compare returns the commits between two shas with their messages', async () => {
  server.commits.push(
    { sha: 'c0', message: 'Initial' },
    { sha: 'c1', message: 'Fix checkout rounding\n\nProdloop-Lineage: lin-1', files: ['services/checkout/src/pay.ts'] },
    { sha: 'c2', message: 'Bump lodash (#12)', files: ['package.json'] },
  );
  const { data } = await octokit.request('GET /repos/{owner}/{repo}/compare/{basehead}', {
    owner: 'acme',
    repo: 'shop',
    basehead: 'c0...c2',
  });
  assert.equal(data.status, 'ahead');
  assert.equal(data.total_commits, 2);
  assert.deepEqual(
    data.commits.map((c) => [c.sha, c.commit.message]),
    [
      ['c1', 'Fix checkout rounding\n\nProdloop-Lineage: lin-1'],
      ['c2', 'Bump lodash (#12)'],
    ],
  );
  assert.deepEqual(
    data.files?.map((f) => f.filename),
    ['services/checkout/src/pay.ts', 'package.json'],
  );
  await assert.rejects(
    octokit.request('GET /repos/{owner}/{repo}/compare/{basehead}', { owner: 'acme', repo: 'shop', basehead: 'c0...nope' }),
    {
      status: 404,
    },
  );
});

test('a pull request can be opened and read back, and shares numbers with issues', async () => {
  server.addIssue({ title: 'An issue first' });
  const { data: created } = await octokit.request('POST /repos/{owner}/{repo}/pulls', {
    owner: 'acme',
    repo: 'shop',
    title: 'Fix checkout',
    head: 'fix/checkout',
    base: 'main',
    body: 'Fixes #1',
  });
  const { data: read } = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', {
    owner: 'acme',
    repo: 'shop',
    pull_number: created.number,
  });
  assert.equal(read.number, created.number);
  assert.equal(read.head.ref, 'fix/checkout');
  assert.equal(read.base.ref, 'main');
  assert.equal(read.body, 'Fixes #1');
  assert.equal(read.merged, false);
  await assert.rejects(octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner: 'acme', repo: 'shop', pull_number: 1 }), {
    status: 404,
  });
  await assert.rejects(
    octokit.request('POST /repos/{owner}/{repo}/pulls', { owner: 'acme', repo: 'shop', title: 'No head', head: '', base: 'main' }),
    {
      status: 422,
    },
  );
});

test('listing issues pages with Link headers and filters by state and label', async () => {
  for (let i = 0; i < 5; i++) server.addIssue({ title: `labelled ${i}`, labels: ['prodloop'], state: i % 2 === 0 ? 'open' : 'closed' });
  const all = await octokit.paginate('GET /repos/{owner}/{repo}/issues', {
    owner: 'acme',
    repo: 'shop',
    state: 'all',
    labels: 'prodloop',
    per_page: 2,
  });
  assert.equal(all.length, 5);
  const open = await octokit.paginate('GET /repos/{owner}/{repo}/issues', { owner: 'acme', repo: 'shop', labels: 'prodloop', per_page: 2 });
  assert.equal(open.length, 3);
  const pages = server.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/issues') && r.query.state === 'all');
  assert.equal(pages.length, 3);
});

test('failures can be scheduled for the next requests and are recorded', async () => {
  server.failNext(1, 502);
  await assert.rejects(
    octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}', { owner: 'acme', repo: 'shop', issue_number: 1 }),
    { status: 502 },
  );
  const { data } = await octokit.request('GET /repos/{owner}/{repo}/issues/{issue_number}', {
    owner: 'acme',
    repo: 'shop',
    issue_number: 1,
  });
  assert.equal(data.title, 'An issue first');
  assert.deepEqual(
    server.requests.slice(-2).map((r) => r.status),
    [502, 200],
  );
});
