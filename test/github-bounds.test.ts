/**
 * Bounded calls to GitHub over real HTTP: every request times out, and no retry, backoff or
 * rate-limit wait runs past the invocation's deadline; what does not fit fails at once as a
 * TransientError for the step's retry (docs/faults.md).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'vitest';
import { createOctokit, GitHubIssueTracker } from '#adapters/github/github';
import { type GitHubWiringOptions, githubIssueTracker, githubWiring, invocationDeadline } from '#adapters/github/wiring';
import { TransientError } from '#domain/shared/errors';
import type { LoggerLike } from '#ports/deps';
import type { LineageStore } from '#ports/store';
import { type GitHubServer, startGitHubServer } from './support/github-server.ts';
import { sampleDraft as draft } from './support/samples.ts';

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

/** A tracker against the local GitHub; `left` is the time to the deadline in ms (none when omitted). */
function tracker(options: { timeoutMs?: number; left?: number; retries?: number; retryDelayMs?: number } = {}) {
  const at = options.left === undefined ? undefined : Date.now() + options.left;
  const deadline = () => at;
  const octokit = createOctokit({
    token: 'test-token',
    baseUrl: server.baseUrl,
    retries: options.retries ?? 3,
    retryAfterBaseMs: 20,
    spaceWrites: false,
    logger,
    deadline,
    ...(options.timeoutMs !== undefined ? { requestTimeoutMs: options.timeoutMs } : {}),
  });
  return new GitHubIssueTracker({ octokit, owner: 'acme', repo: 'shop', retryDelayMs: options.retryDelayMs ?? 10, deadline });
}

const issuePosts = () => server.requests.filter((r) => r.method === 'POST' && r.path === '/repos/acme/shop/issues');
const gets = () => server.requests.filter((r) => r.method === 'GET');

/** Runs `work` and returns how long it took, in ms. */
async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = Date.now();
  await work();
  return Date.now() - started;
}

describe('timeouts', () => {
  test('a request that hangs ends in a TransientError within the timeout, not retried inside the call', async () => {
    server.hangNext(1, { method: 'GET' });
    const elapsed = await timed(() =>
      assert.rejects(tracker({ timeoutMs: 200 }).fileIssue(draft('lin-hang')), (error: unknown) => {
        assert.ok(error instanceof TransientError);
        assert.equal(error.name, 'TransientError', 'the name the ASL retry matches');
        assert.match(error.message, /did not answer GET \/repos\/acme\/shop\/issues within 200 ms/);
        return true;
      }),
    );
    assert.ok(elapsed >= 190 && elapsed < 1500, `took ${elapsed} ms`);
    assert.equal(gets().length, 1);
    assert.equal(server.issues.length, 0);
  });

  test('the timeout is cut to the time left before the deadline', async () => {
    server.hangNext(1, { method: 'GET' });
    const elapsed = await timed(() =>
      assert.rejects(tracker({ timeoutMs: 5000, left: 150 }).fileIssue(draft('lin-hang-late')), /within 1\d\d ms/),
    );
    assert.ok(elapsed < 1000, `took ${elapsed} ms`);
  });

  test('an issue create that hangs once after GitHub created it, retried, files exactly one issue', async () => {
    server.hangNext(1, { method: 'POST', afterHandling: true });
    const issue = await tracker({ timeoutMs: 200 }).fileIssue(draft('lin-hang-create'));
    assert.equal(server.issues.length, 1);
    assert.equal(issue.number, server.issues[0]?.number);
    assert.equal(issuePosts().length, 1, 'the retry found the marker and did not create again');
    assert.equal(gets().length, 2, 'one marker lookup per attempt');
  });

  test('an issue create that hangs before GitHub handled it, retried, files exactly one issue', async () => {
    server.hangNext(1, { method: 'POST' });
    const issue = await tracker({ timeoutMs: 200 }).fileIssue(draft('lin-hang-early'));
    assert.equal(server.issues.length, 1);
    assert.equal(issue.number, server.issues[0]?.number);
    assert.deepEqual(
      issuePosts().map((r) => r.status),
      [0, 201],
    );
  });

  test('an answer inside the timeout and the deadline is taken', async () => {
    const issue = await tracker({ timeoutMs: 2000, left: 5000 }).fileIssue(draft('lin-in-time'));
    assert.equal(issue.number, 1);
  });
});

describe('rate limits against the deadline', () => {
  test('a secondary rate limit whose retry-after outlasts the time left fails at once', async () => {
    // retry-after 30 is 600 ms at the tests' 20 ms unit; 300 ms are left.
    server.failNext(1, 403, { 'retry-after': '30' }, { method: 'POST', message: 'You have exceeded a secondary rate limit.' });
    const elapsed = await timed(() =>
      assert.rejects(tracker({ left: 300 }).fileIssue(draft('lin-secondary-late')), (error: unknown) => {
        assert.ok(error instanceof TransientError);
        assert.match(error.message, /403 to POST .* needs a wait of 600 ms before retrying, more than the \d+ ms left/);
        return true;
      }),
    );
    assert.ok(elapsed < 250, `waited ${elapsed} ms`);
    assert.equal(issuePosts().length, 1);
    assert.equal(server.issues.length, 0);
  });

  test('a primary rate limit that resets after the deadline fails at once', async () => {
    const reset = String(Math.floor(Date.now() / 1000) + 30);
    server.failNext(1, 403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }, { method: 'GET' });
    const elapsed = await timed(() =>
      assert.rejects(tracker({ left: 300 }).fileIssue(draft('lin-primary-late')), /GitHub's 403 to GET .* needs a wait of/),
    );
    assert.ok(elapsed < 250, `waited ${elapsed} ms`);
    assert.equal(gets().length, 1);
  });

  test('a short retry-after within the deadline is still waited and succeeds', async () => {
    server.failNext(1, 403, { 'retry-after': '2' }, { method: 'POST', message: 'You have exceeded a secondary rate limit.' });
    const elapsed = await timed(() => tracker({ left: 5000 }).fileIssue(draft('lin-secondary-soon')));
    assert.deepEqual(
      issuePosts().map((r) => r.status),
      [403, 201],
    );
    assert.equal(server.issues.length, 1);
    assert.ok(elapsed >= 35, `waited only ${elapsed} ms`);
    assert.equal(warnings[0]?.extra?.willRetry, true);
  });
});

describe('retries against the deadline', () => {
  test("Octokit's backoff stops at the deadline", async () => {
    // Backoffs of 20, 80 and 180 ms: the first fits in 60 ms, the second does not.
    server.failNext(10, 502, {}, { method: 'GET' });
    await assert.rejects(tracker({ left: 60 }).fileIssue(draft('lin-backoff')), /GitHub's 502 to GET .* needs a wait of 80 ms/);
    assert.equal(gets().length, 2);
  });

  test("the create loop's wait stops at the deadline", async () => {
    server.failNext(1, 502, {}, { method: 'POST' });
    const elapsed = await timed(() =>
      assert.rejects(
        tracker({ left: 500, retryDelayMs: 1000 }).fileIssue(draft('lin-create-late')),
        /\(502\).*not retried here: the wait of 1000 ms/,
      ),
    );
    assert.ok(elapsed < 450, `waited ${elapsed} ms`);
    assert.equal(issuePosts().length, 1);
  });

  test("the comment loop's wait stops at the deadline", async () => {
    server.addIssue({ title: 'prod-checkout-5xx', labels: ['prodloop'] });
    server.failNext(1, 502, {}, { method: 'POST', path: /\/comments$/ });
    const issue = { number: 1, url: 'https://github.com/acme/shop/issues/1', kind: 'issue' as const, shadow: false };
    const elapsed = await timed(() =>
      assert.rejects(tracker({ left: 500, retryDelayMs: 1000 }).comment(issue, 'Iteration 2.'), /not retried here/),
    );
    assert.ok(elapsed < 450, `waited ${elapsed} ms`);
    assert.equal(server.issues[0]?.comments.length, 0);
  });

  test('with the deadline spent nothing is sent', async () => {
    await assert.rejects(tracker({ left: -1 }).fileIssue(draft('lin-spent')), /no time left before the invocation's deadline/);
    assert.equal(server.requests.length, 0);
  });
});

describe("the wiring's deadline", () => {
  test("is the function's remaining time less the margin", () => {
    assert.equal(invocationDeadline({ getRemainingTimeInMillis: () => 30_000 }, 5000, 1_000), 26_000);
    assert.equal(invocationDeadline(undefined), undefined);
  });

  test('reaches every request of the invocation it is set for', async () => {
    const config: GitHubWiringOptions['config'] = {
      shadowMode: false,
      githubRepository: 'acme/shop',
      githubApiUrl: server.baseUrl,
      githubBaseBranch: 'main',
    };
    const github = githubWiring({
      config,
      secretId: 'prodloop/github-token',
      store: {} as LineageStore,
      clock: { now: () => new Date() },
      logger,
      readToken: async () => 'test-token',
      octokit: { retries: 0, spaceWrites: false },
    });
    github.until(Date.now() - 1);
    await assert.rejects((await githubIssueTracker(github)).fileIssue(draft('lin-wired-spent')), /no time left/);
    assert.equal(server.requests.length, 0);
    github.until(invocationDeadline({ getRemainingTimeInMillis: () => 60_000 }));
    await (await githubIssueTracker(github)).fileIssue(draft('lin-wired'));
    assert.equal(server.issues.length, 1);
  });
});
