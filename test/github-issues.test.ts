/** The GitHub issue tracker over real HTTP: Octokit with its retry and throttling plugins against a local GitHub. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'vitest';
import { createOctokit, GitHubIssueTracker, GitHubRequestError } from '#adapters/github/github';
import type { IssueDraft } from '#domain/issue/messages';
import { lineageMarker } from '#domain/issue/metadata';
import { NotFoundError, TransientError } from '#domain/shared/errors';
import type { LoggerLike } from '#ports/deps';
import { type GitHubServer, startGitHubServer } from './support/github-server.ts';
import { sampleDraft } from './support/samples.ts';

let server: GitHubServer;
let warnings: { message: string; extra?: Record<string, unknown> }[];

const logger: LoggerLike = {
  info: () => undefined,
  warn: (message, extra) => warnings.push({ message, ...(extra ? { extra } : {}) }),
  error: () => undefined,
};

beforeEach(async () => {
  server = await startGitHubServer();
  warnings = [];
});

afterEach(async () => {
  await server.close();
});

function tracker(options: { repo?: string; retries?: number } = {}): GitHubIssueTracker {
  const octokit = createOctokit({
    token: 'test-token',
    baseUrl: server.baseUrl,
    retries: options.retries ?? 3,
    retryAfterBaseMs: 20,
    spaceWrites: false,
    logger,
  });
  return new GitHubIssueTracker({ octokit, owner: 'acme', repo: options.repo ?? 'shop', retryDelayMs: 10 });
}

const draft = sampleDraft;

const posts = (path: RegExp) => server.requests.filter((r) => r.method === 'POST' && path.test(r.path));
const issuePosts = () => posts(/^\/repos\/acme\/shop\/issues$/);

test('filing twice for one lineage returns the first issue', async () => {
  const github = tracker();
  const first = await github.fileIssue(draft('lin-1'));
  const second = await github.fileIssue(draft('lin-1'));
  assert.deepEqual(second, first);
  assert.deepEqual(first, { number: 1, url: 'https://github.com/acme/shop/issues/1', kind: 'issue', shadow: false });
  assert.equal(server.issues.length, 1);
  assert.equal(issuePosts().length, 1);
  assert.deepEqual(server.issues[0]?.labels, ['prodloop', 'agent-ready', 'priority:P1', 'tier:1']);
  assert.equal(server.requests[0]?.headers.authorization, 'token test-token');
  const list = server.requests.find((r) => r.method === 'GET');
  assert.deepEqual({ state: list?.query.state, labels: list?.query.labels }, { state: 'all', labels: 'prodloop' });
});

test('a draft without the prodloop label or marker is still found again', async () => {
  const github = tracker();
  const bare: IssueDraft = { ...draft('lin-bare'), body: 'No marker here.', labels: ['agent-ready'] };
  const first = await github.fileIssue(bare);
  const second = await github.fileIssue(bare);
  assert.equal(second.number, first.number);
  assert.equal(server.issues.length, 1);
  assert.ok(server.issues[0]?.labels.includes('prodloop'));
  assert.ok(server.issues[0]?.body?.includes(lineageMarker('lin-bare')));
});

test('a 502 is retried and the issue is filed once', async () => {
  server.failNext(1, 502, {}, { method: 'POST' });
  const issue = await tracker().fileIssue(draft('lin-502'));
  assert.equal(server.issues.length, 1);
  assert.equal(issue.number, server.issues[0]?.number);
  assert.deepEqual(
    issuePosts().map((r) => r.status),
    [502, 201],
  );
});

test('a 502 after GitHub created the issue does not file a duplicate', async () => {
  server.failNext(1, 502, {}, { method: 'POST', afterHandling: true });
  const issue = await tracker().fileIssue(draft('lin-late-502'));
  assert.equal(server.issues.length, 1);
  assert.equal(issue.number, server.issues[0]?.number);
  assert.equal(issuePosts().length, 1);
});

test('a rate-limited request waits and retries', async () => {
  const reset = String(Math.floor(Date.now() / 1000));
  server.failNext(1, 403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset, 'retry-after': '1' }, { method: 'GET' });
  const started = Date.now();
  const issue = await tracker().fileIssue(draft('lin-rate'));
  const elapsed = Date.now() - started;
  assert.equal(issue.number, 1);
  const lists = server.requests.filter((r) => r.method === 'GET');
  assert.deepEqual(
    lists.map((r) => r.status),
    [403, 200],
  );
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]?.message ?? '', /primary rate limit/);
  assert.equal(warnings[0]?.extra?.willRetry, true);
  assert.ok(elapsed >= 15, `waited only ${elapsed} ms`);
});

test('a secondary rate limit on create waits and retries without a duplicate', async () => {
  server.failNext(1, 403, { 'retry-after': '1' }, { method: 'POST', message: 'You have exceeded a secondary rate limit.' });
  await tracker().fileIssue(draft('lin-secondary'));
  assert.deepEqual(
    issuePosts().map((r) => r.status),
    [403, 201],
  );
  assert.equal(server.issues.length, 1);
  assert.equal(server.requests.filter((r) => r.method === 'GET').length, 1, 'the throttle retried the create, not the whole filing');
  assert.match(warnings[0]?.message ?? '', /secondary rate limit/);
});

test('a rate limit that outlasts the retries fails as transient', async () => {
  const reset = String(Math.floor(Date.now() / 1000));
  server.failNext(10, 403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset });
  await assert.rejects(tracker().fileIssue(draft('lin-limited')), TransientError);
  assert.equal(server.requests.length, 3, 'one request and two retries');
  assert.equal(warnings.at(-1)?.extra?.willRetry, false);
  assert.equal(server.issues.length, 0);
});

test('a rate limit that resets in an hour is not waited for', async () => {
  const reset = String(Math.floor(Date.now() / 1000) + 3600);
  server.failNext(1, 403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset });
  await assert.rejects(tracker().fileIssue(draft('lin-later')), TransientError);
  assert.equal(server.requests.length, 1);
});

test('a GitHub outage surfaces as a TransientError after the retries', async () => {
  server.failNext(100, 503);
  await assert.rejects(tracker({ retries: 2 }).fileIssue(draft('lin-outage')), (error: unknown) => {
    assert.ok(error instanceof TransientError);
    assert.match(error.message, /GitHub failed while looking for the issue .* \(503\)/);
    return true;
  });
  assert.equal(server.requests.length, 3, 'one request and two retries');
});

test('pagination finds a marker on page 2', async () => {
  const target = draft('lin-old');
  server.addIssue({ title: target.title, body: target.body, labels: ['prodloop'] });
  for (let i = 0; i < 120; i++) server.addIssue({ title: `other ${i}`, body: `${lineageMarker(`lin-other-${i}`)}`, labels: ['prodloop'] });
  const issue = await tracker().fileIssue(target);
  assert.equal(issue.number, 1);
  assert.equal(issuePosts().length, 0, 'nothing new filed');
  const pages = server.requests.filter((r) => r.method === 'GET').map((r) => r.query.page ?? '1');
  assert.deepEqual(pages, ['1', '2']);
});

test('a pull request carrying the marker is not mistaken for the issue', async () => {
  const d = draft('lin-pr');
  server.addIssue({
    title: 'Fix checkout',
    body: d.body,
    labels: ['prodloop'],
    pull_request: { head: 'fix', base: 'main', draft: false, merged: false },
  });
  const issue = await tracker().fileIssue(d);
  assert.equal(issue.number, 2);
  assert.equal(issuePosts().length, 1);
});

test('a lineage that opened again gets a new issue for its new generation', async () => {
  const github = tracker();
  const old = draft('lin-again', { generation: 1 });
  server.addIssue({ title: old.title, body: old.body, labels: ['prodloop'], state: 'closed', state_reason: 'completed' });
  const again = await github.fileIssue(draft('lin-again', { generation: 2 }));
  assert.equal(again.number, 2);
  const retried = await github.fileIssue(draft('lin-again', { generation: 2 }));
  assert.equal(retried.number, 2);
  const original = await github.fileIssue(old);
  assert.equal(original.number, 1);
  assert.equal(server.issues.length, 2);
});

test('closing comments then closes', async () => {
  const github = tracker();
  const issue = await github.fileIssue(draft('lin-close'));
  await github.close(issue, 'Validated: the signal is back at baseline.');
  const writes = server.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);
  assert.deepEqual(writes, ['POST /repos/acme/shop/issues', 'POST /repos/acme/shop/issues/1/comments', 'PATCH /repos/acme/shop/issues/1']);
  assert.deepEqual(server.requests.at(-1)?.body, { state: 'closed', state_reason: 'completed' });
  const stored = server.issues[0];
  assert.equal(stored?.state, 'closed');
  assert.equal(stored?.state_reason, 'completed');
  assert.deepEqual(
    stored?.comments.map((c) => c.body),
    ['Validated: the signal is back at baseline.'],
  );
});

test('closing again after the close failed neither comments twice nor fails', async () => {
  const github = tracker({ retries: 1 });
  const issue = await github.fileIssue(draft('lin-close-retry'));
  server.failNext(2, 502, {}, { method: 'PATCH' });
  await assert.rejects(github.close(issue, 'Validated.'), TransientError);
  assert.equal(server.issues[0]?.state, 'open');
  await github.close(issue, 'Validated.');
  await github.close(issue, 'Validated.');
  assert.equal(server.issues[0]?.state, 'closed');
  assert.equal(server.issues[0]?.comments.length, 1);
});

test('a comment GitHub created but answered with a 502 is not made twice when the call is retried', async () => {
  const github = tracker();
  const issue = await github.fileIssue(draft('lin-lost-ack'));
  server.failNext(1, 502, {}, { method: 'POST', path: /\/comments$/, afterHandling: true });
  await github.comment(issue, 'Iteration 2: unchanged.');
  assert.deepEqual(
    server.issues[0]?.comments.map((c) => c.body),
    ['Iteration 2: unchanged.'],
  );
});

test('a delivery retried after its comment landed does not comment again', async () => {
  const github = tracker();
  const issue = await github.fileIssue(draft('lin-redelivered'));
  await github.comment(issue, 'Iteration 1: unchanged.');
  await github.comment(issue, 'Iteration 1: unchanged.');
  await github.comment(issue, 'Iteration 2: unchanged.');
  assert.deepEqual(
    server.issues[0]?.comments.map((c) => c.body),
    ['Iteration 1: unchanged.', 'Iteration 2: unchanged.'],
  );
});

test('a comment lands on the issue', async () => {
  const github = tracker();
  const issue = await github.fileIssue(draft('lin-comment'));
  await github.comment(issue, 'Iteration 1: unchanged.');
  assert.deepEqual(
    server.issues[0]?.comments.map((c) => c.body),
    ['Iteration 1: unchanged.'],
  );
});

test('an update replaces body and labels and keeps the prodloop label', async () => {
  const github = tracker();
  const issue = await github.fileIssue(draft('lin-update'));
  await github.update(issue, { labels: ['agent-ready', 'priority:P0'], body: 'new body' });
  assert.deepEqual(server.issues[0]?.labels, ['prodloop', 'agent-ready', 'priority:P0']);
  assert.equal(server.issues[0]?.body, 'new body');
});

test('a missing repository is a NotFoundError that names it', async () => {
  await assert.rejects(tracker({ repo: 'nope' }).fileIssue(draft('lin-404')), (error: unknown) => {
    assert.ok(error instanceof NotFoundError);
    assert.match(error.message, /404/);
    assert.match(error.message, /acme\/nope/);
    return true;
  });
  assert.equal(server.requests.length, 1, 'a 404 is not retried');
});

test("GitHub's validation errors are spelled out", async () => {
  await assert.rejects(tracker().fileIssue(draft('lin-422', { title: '' })), (error: unknown) => {
    assert.ok(error instanceof GitHubRequestError);
    assert.equal(error.status, 422);
    assert.match(error.message, /invalid \(422\): Validation Failed; title: missing_field/);
    return true;
  });
  assert.equal(issuePosts().length, 1, 'a 422 is not retried');
});

test('a shadow issue is never looked up on GitHub', async () => {
  const shadow = { number: 1, url: 'outbox://issues/1', kind: 'issue' as const, shadow: true };
  await assert.rejects(tracker().comment(shadow, 'hello'), NotFoundError);
  await assert.rejects(tracker().close(shadow, 'bye'), NotFoundError);
  assert.equal(server.requests.length, 0);
});
