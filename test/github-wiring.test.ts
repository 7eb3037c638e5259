/**
 * The one GitHub wiring the functions share: secret → token → one Octokit per container → issue
 * tracker and code host, against a local GitHub; shadow mode's fallback to the audit trail.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'vitest';
import { type GitHubWiringOptions, githubCodeHost, githubDeployReader, githubIssueTracker, githubWiring } from '#adapters/github/wiring';
import type { AuditEvent } from '#domain/lineage/lineage';
import { ConfigError, TransientError } from '#domain/shared/errors';
import type { DeploySignal } from '#domain/signals/signals';
import type { LoggerLike } from '#ports/deps';
import type { LineageStore } from '#ports/store';
import { type GitHubServer, startGitHubServer } from './support/github-server.ts';
import { sampleDraft } from './support/samples.ts';

let server: GitHubServer;
let audits: AuditEvent[];
let warnings: string[];
let tokenReads: string[];

const store = { appendAudit: async (event: AuditEvent) => void audits.push(event) } as unknown as LineageStore;
const logger: LoggerLike = { info: () => undefined, warn: (message) => void warnings.push(message), error: () => undefined };
const clock = { now: () => new Date('2026-03-02T10:00:00.000Z') };

beforeEach(async () => {
  server = await startGitHubServer();
  server.commits.push(
    { sha: 'c1', message: 'Checkout v1', files: ['cart.ts'] },
    { sha: 'c2', message: 'Round once (#1)', files: ['round.ts'] },
  );
  server.addIssue({ title: 'Round once', body: 'Fixes #1', pull_request: { head: 'fix/round', base: 'main', draft: false, merged: true } });
  audits = [];
  warnings = [];
  tokenReads = [];
});

afterEach(async () => {
  await server.close();
});

/** A wiring against the local GitHub; `token` undefined is a secret that cannot be read. */
function wiring(options: { shadowMode: boolean; token?: string; secretId?: string | undefined }) {
  const readToken = async (secretId: string) => {
    tokenReads.push(secretId);
    if (options.token === undefined) throw new TransientError(`reading secret ${secretId} failed: ThrottlingException`);
    return options.token;
  };
  const config: GitHubWiringOptions['config'] = {
    shadowMode: options.shadowMode,
    githubRepository: 'acme/shop',
    githubApiUrl: server.baseUrl,
    githubBaseBranch: 'main',
  };
  const secretId = 'secretId' in options ? options.secretId : 'prodloop/github-token';
  return githubWiring({ config, secretId, store, clock, logger, readToken, octokit: { retries: 0, spaceWrites: false } });
}

const deploy = (overrides: Partial<DeploySignal> = {}): DeploySignal => ({
  kind: 'deploy',
  source: 'custom',
  deployId: 'gha-1',
  service: 'checkout',
  status: 'succeeded',
  at: '2026-03-02T10:00:00.000Z',
  commitSha: 'c2',
  previousSha: 'c1',
  prNumbers: [],
  changedPaths: [],
  dependencyChanges: [],
  ...overrides,
});

describe('outside shadow mode', () => {
  test('the tracker and the code host share one Octokit, built on first use from the token read once', async () => {
    const github = wiring({ shadowMode: false, token: 'test-token' });
    assert.deepEqual(tokenReads, [], 'nothing is read at cold start');
    const issue = await (await githubIssueTracker(github)).fileIssue(sampleDraft('lin-1'));
    assert.deepEqual(issue, { number: 2, url: 'https://github.com/acme/shop/issues/2', kind: 'issue', shadow: false });
    const contents = await (await githubCodeHost(github)).resolveDeploy(deploy());
    assert.deepEqual(
      contents.prs.map((p) => [p.number, p.title]),
      [[1, 'Round once']],
    );
    await githubIssueTracker(github);
    assert.deepEqual(tokenReads, ['prodloop/github-token']);
    assert.equal(github.connect(), github.connect());
    assert.ok(server.requests.every((r) => r.headers.authorization === 'token test-token'));
  });

  test('an unreadable secret fails the use and is tried again on the next', async () => {
    const github = wiring({ shadowMode: false });
    await assert.rejects(githubIssueTracker(github), TransientError);
    await assert.rejects(githubDeployReader(github), TransientError);
    assert.equal(tokenReads.length, 2);
    assert.deepEqual(warnings, []);
  });

  test('a function without GITHUB_TOKEN_SECRET_ID fails with a ConfigError naming it', async () => {
    const github = wiring({ shadowMode: false, token: 't', secretId: undefined });
    await assert.rejects(githubCodeHost(github), (e: unknown) => e instanceof ConfigError && /GITHUB_TOKEN_SECRET_ID/.test(e.message));
  });
});

describe('shadow mode', () => {
  test('issues and revert proposals go to the audit trail, and the token is never read', async () => {
    const github = wiring({ shadowMode: true, token: 'test-token' });
    const issue = await (await githubIssueTracker(github)).fileIssue(sampleDraft('lin-1'));
    assert.equal(issue.shadow, true);
    const host = await githubCodeHost(github);
    assert.deepEqual(
      (await host.resolveDeploy(deploy({ prNumbers: [7] }))).prs.map((p) => p.number),
      [7],
    );
    const revert = await host.proposeRevert({ deploy: deploy(), title: 'Revert gha-1', body: 'Why' });
    assert.equal(revert.proposed, false);
    assert.deepEqual(
      audits.map((a) => [a.lineageId, a.action]),
      [
        ['lin-1', 'shadow-issue-filed'],
        ['deploy:gha-1', 'shadow-revert-proposed'],
      ],
    );
    assert.deepEqual(tokenReads, []);
    assert.equal(server.requests.length, 0);
  });

  test('the deploy reader reads GitHub when the token is readable, and is absent with a warning when not', async () => {
    const readable = await githubDeployReader(wiring({ shadowMode: true, token: 'test-token' }));
    assert.equal((await readable?.resolveDeploy(deploy()))?.resolvedBy, 'compare');
    assert.equal(await githubDeployReader(wiring({ shadowMode: true })), undefined);
    assert.equal(await githubDeployReader(wiring({ shadowMode: true, secretId: undefined })), undefined);
    assert.equal(warnings.length, 2);
    assert.match(warnings[0] ?? '', /fix deploys are recognised by service/);
  });
});
