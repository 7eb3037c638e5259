/**
 * The GitHub code host through real Octokit over HTTP: a deploy resolved to the pull requests it ships
 * (compare of the two commits, then each pull request read for its body), and a revert pull request
 * built with the Git data API. The local GitHub answers compare, pulls and issues; the Git data calls
 * (refs, commits, trees) and listing pull requests by head are answered by a small layer in front of
 * it, over the same commits, that forwards everything else.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { createOctokit, GitHubCodeHost } from '#adapters/github/github';
import { fixReason, referencesOf } from '#domain/lineage/loop';
import { TransientError } from '#domain/shared/errors';
import type { DeploySignal } from '#domain/signals/signals';
import { type GitHubServer, startGitHubServer } from './support/github-server.ts';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

interface TreeEntry {
  path: string;
  mode: string;
  type: 'blob';
  sha: string;
}

/** Git objects over the local GitHub's linear history: each commit's tree holds every file touched so far. */
class GitData {
  readonly trees = new Map<string, TreeEntry[]>();
  readonly commitTree = new Map<string, string>();
  readonly parents = new Map<string, string[]>();
  readonly refs = new Map<string, string>();
  private next = 0;

  constructor(private readonly upstream: GitHubServer) {}

  /** Records the upstream commits that are not known yet; `main` points at the last. */
  sync(): void {
    let files = new Map<string, TreeEntry>();
    let previous: string | undefined;
    for (const c of this.upstream.commits) {
      if (!this.commitTree.has(c.sha)) {
        files = new Map(files);
        for (const path of c.files ?? []) files.set(path, { path, mode: '100644', type: 'blob', sha: `blob-${c.sha}-${path}` });
        const tree = `tree-${c.sha}`;
        this.trees.set(tree, [...files.values()]);
        this.commitTree.set(c.sha, tree);
        this.parents.set(c.sha, previous ? [previous] : []);
      } else {
        files = new Map((this.trees.get(this.commitTree.get(c.sha) as string) ?? []).map((e) => [e.path, e]));
      }
      previous = c.sha;
    }
    if (previous) this.refs.set('heads/main', previous);
  }

  newSha(kind: string): string {
    return `${kind}-new-${++this.next}`;
  }
}

async function startFront(upstream: GitHubServer, git: GitData): Promise<{ baseUrl: string; close: () => Promise<void> }> {
  const prefix = `/repos/${upstream.owner}/${upstream.repo}`;
  const send = (res: ServerResponse, status: number, json: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(json));
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    const path = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : '';
    git.sync();
    const route = (method: string, pattern: RegExp) => (req.method === method ? pattern.exec(path) : null);
    const getRef = route('GET', /^\/git\/ref\/(.+)$/);
    if (getRef) {
      const sha = git.refs.get(decodeURIComponent(getRef[1] as string));
      return sha ? send(res, 200, { ref: `refs/${getRef[1]}`, object: { sha, type: 'commit' } }) : send(res, 404, { message: 'Not Found' });
    }
    const getCommit = route('GET', /^\/git\/commits\/(.+)$/);
    if (getCommit) {
      const tree = git.commitTree.get(getCommit[1] as string);
      return tree
        ? send(res, 200, {
            sha: getCommit[1],
            tree: { sha: tree },
            parents: (git.parents.get(getCommit[1] as string) ?? []).map((sha) => ({ sha })),
            message: '',
          })
        : send(res, 404, { message: 'Not Found' });
    }
    const getTree = route('GET', /^\/git\/trees\/(.+)$/);
    if (getTree) {
      const tree = git.trees.get(getTree[1] as string);
      return tree ? send(res, 200, { sha: getTree[1], tree, truncated: false }) : send(res, 404, { message: 'Not Found' });
    }
    if (req.method === 'POST' && path === '/git/trees') {
      const files = new Map((git.trees.get(String(body.base_tree)) ?? []).map((e) => [e.path, e]));
      for (const e of body.tree as { path: string; mode: string; sha: string | null }[]) {
        if (e.sha === null) files.delete(e.path);
        else files.set(e.path, { path: e.path, mode: e.mode, type: 'blob', sha: e.sha });
      }
      const sha = git.newSha('tree');
      git.trees.set(sha, [...files.values()]);
      return send(res, 201, { sha, tree: [...files.values()] });
    }
    if (req.method === 'POST' && path === '/git/commits') {
      const sha = git.newSha('commit');
      git.commitTree.set(sha, String(body.tree));
      git.parents.set(sha, body.parents as string[]);
      return send(res, 201, { sha, tree: { sha: body.tree }, message: body.message });
    }
    if (req.method === 'POST' && path === '/git/refs') {
      const ref = String(body.ref).replace(/^refs\//, '');
      if (git.refs.has(ref)) return send(res, 422, { message: 'Reference already exists' });
      git.refs.set(ref, String(body.sha));
      return send(res, 201, { ref: body.ref, object: { sha: body.sha } });
    }
    const patchRef = route('PATCH', /^\/git\/refs\/(.+)$/);
    if (patchRef) {
      git.refs.set(decodeURIComponent(patchRef[1] as string), String(body.sha));
      return send(res, 200, { ref: `refs/${patchRef[1]}`, object: { sha: body.sha } });
    }
    if (req.method === 'GET' && path === '/pulls') {
      const head = (url.searchParams.get('head') ?? '').split(':').at(-1);
      const pulls = upstream.issues.filter((i) => i.pull_request && i.pull_request.head === head);
      return send(
        res,
        200,
        pulls.map((p) => ({ number: p.number, html_url: `https://github.com/${upstream.owner}/${upstream.repo}/pull/${p.number}` })),
      );
    }
    // Everything else: the local GitHub.
    const forwarded = await fetch(`${upstream.baseUrl}${url.pathname}${url.search}`, {
      method: req.method ?? 'GET',
      headers: { 'content-type': 'application/json', authorization: String(req.headers.authorization ?? '') },
      ...(raw ? { body: raw } : {}),
    });
    res.writeHead(forwarded.status, { 'content-type': 'application/json' });
    res.end(await forwarded.text());
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { message: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function deploy(overrides: Partial<DeploySignal> = {}): DeploySignal {
  return {
    kind: 'deploy',
    source: 'custom',
    deployId: 'gha-1001',
    service: 'checkout',
    status: 'succeeded',
    at: '2026-03-02T10:00:00.000Z',
    commitSha: 'c3',
    previousSha: 'c1',
    prNumbers: [],
    changedPaths: [],
    dependencyChanges: [],
    ...overrides,
  };
}

let upstream: GitHubServer;
let front: Awaited<ReturnType<typeof startFront>>;
let git: GitData;
let host: GitHubCodeHost;

beforeAll(async () => {
  upstream = await startGitHubServer();
  git = new GitData(upstream);
  front = await startFront(upstream, git);
  const octokit = createOctokit({ token: 't', baseUrl: front.baseUrl, retries: 0, retryAfterBaseMs: 1, spaceWrites: false, logger: quiet });
  host = new GitHubCodeHost({ octokit, owner: 'acme', repo: 'shop', baseBranch: 'main' });
  // Issue #1 is the lineage's; #2 and #3 are pull requests merged by squash and by merge commit.
  upstream.addIssue({ title: 'prod-checkout-5xx: 5xx at 4x baseline', labels: ['prodloop'] });
  upstream.addIssue({
    title: 'Round cart totals once',
    body: 'Rounding twice produced totals payments refused.\n\nFixes #1',
    pull_request: { head: 'fix/round', base: 'main', draft: false, merged: true },
  });
  upstream.addIssue({
    title: 'Log the cart id',
    body: 'Observability only.',
    pull_request: { head: 'obs/cart-id', base: 'main', draft: false, merged: true },
  });
  upstream.commits.push(
    { sha: 'c0', message: 'Initial', files: ['services/checkout/cart.ts', 'services/checkout/pay.ts', 'README.md'] },
    { sha: 'c1', message: 'Checkout v1', files: ['services/checkout/cart.ts'] },
    { sha: 'c2', message: 'Round cart totals once (#2)', files: ['services/checkout/cart.ts', 'services/checkout/round.ts'] },
    { sha: 'c3', message: 'Merge pull request #3 from acme/obs/cart-id\n\nLog the cart id', files: ['services/checkout/pay.ts'] },
  );
});

afterAll(async () => {
  await front.close();
  await upstream.close();
});

describe('resolving a deploy to its pull requests', () => {
  test('compare of the previous and the new commit finds the squash-merged and the merge-committed pull requests, with their bodies', async () => {
    const contents = await host.resolveDeploy(deploy());
    assert.equal(contents.resolvedBy, 'compare');
    assert.deepEqual(
      contents.prs.map((p) => [p.number, p.title]),
      [
        [2, 'Round cart totals once'],
        [3, 'Log the cart id'],
      ],
    );
    assert.deepEqual([...contents.files].sort(), ['services/checkout/cart.ts', 'services/checkout/pay.ts', 'services/checkout/round.ts']);
    const refs = referencesOf(contents, 'acme/shop');
    assert.deepEqual(refs.issues, [1]);
    assert.match(
      fixReason({ lineageId: 'lin-1', issue: { number: 1, url: 'u', kind: 'issue', shadow: false } }, refs) ?? '',
      /closes issue #1/,
    );
    assert.equal(fixReason({ lineageId: 'lin-2', issue: { number: 7, url: 'u', kind: 'issue', shadow: false } }, refs), undefined);
  });

  test('an event without a previous commit is compared with the one the last deploy ran; an unknown commit falls back to the event', async () => {
    const viaPrevious = await host.resolveDeploy(deploy({ previousSha: undefined }), 'c2');
    assert.deepEqual(
      viaPrevious.prs.map((p) => p.number),
      [3],
    );
    const unknown = await host.resolveDeploy(deploy({ commitSha: 'ffffff0', prNumbers: [2, 1] }));
    assert.equal(unknown.resolvedBy, 'event');
    assert.match(unknown.note ?? '', /does not know c1\.\.\.ffffff0/);
    assert.deepEqual(
      unknown.prs.map((p) => p.number),
      [2],
      'issue #1 is not a pull request',
    );
  });

  test('a GitHub outage is transient, for the caller to retry', async () => {
    upstream.failNext(1, 502, {}, { path: /\/compare\// });
    await assert.rejects(host.resolveDeploy(deploy()), TransientError);
  });
});

describe('proposing a revert', () => {
  test('a pull request from prodloop/revert-<deploy> restores every file the deploy changed, with the evidence in its body; asked again, it is found, not duplicated', async () => {
    const result = await host.proposeRevert({
      deploy: deploy(),
      title: 'Revert deploy gha-1001 of checkout (prodloop andon)',
      body: 'EVIDENCE: 2.1x',
    });
    assert.equal(result.proposed, true);
    assert.ok(result.proposed);
    assert.equal(result.branch, 'prodloop/revert-gha-1001');
    assert.equal(result.existing, false);
    const pull = upstream.issues.find((i) => i.number === result.number);
    assert.equal(pull?.pull_request?.head, 'prodloop/revert-gha-1001');
    assert.equal(pull?.pull_request?.base, 'main');
    assert.equal(pull?.body, 'EVIDENCE: 2.1x');
    // The branch's commit sits on main and puts the files back as they were at c1.
    const branchHead = git.refs.get('heads/prodloop/revert-gha-1001') as string;
    assert.deepEqual(git.parents.get(branchHead), ['c3']);
    const files = Object.fromEntries((git.trees.get(git.commitTree.get(branchHead) as string) ?? []).map((e) => [e.path, e.sha]));
    assert.equal(files['services/checkout/cart.ts'], 'blob-c1-services/checkout/cart.ts');
    assert.equal(files['services/checkout/pay.ts'], 'blob-c0-services/checkout/pay.ts');
    assert.equal(files['services/checkout/round.ts'], undefined, 'a file the deploy added is removed');
    assert.equal(files['README.md'], 'blob-c0-README.md', 'files the deploy did not touch stay');

    const pullsBefore = upstream.issues.filter((i) => i.pull_request).length;
    const again = await host.proposeRevert({
      deploy: deploy(),
      title: 'Revert deploy gha-1001 of checkout (prodloop andon)',
      body: 'EVIDENCE: 2.1x',
    });
    assert.ok(again.proposed && again.existing && again.number === result.number);
    assert.equal(upstream.issues.filter((i) => i.pull_request).length, pullsBefore);
  });

  test('when main moved on and touched the same files, the pull request says so', async () => {
    upstream.commits.push({ sha: 'c4', message: 'Tune payment retries (#9)', files: ['services/checkout/pay.ts'] });
    const result = await host.proposeRevert({ deploy: deploy({ deployId: 'gha-1002' }), title: 'Revert deploy gha-1002', body: 'numbers' });
    assert.ok(result.proposed);
    const pull = upstream.issues.find((i) => i.number === result.number);
    assert.match(pull?.body ?? '', /Review with care:.*`services\/checkout\/pay\.ts`/);
    assert.deepEqual(git.parents.get(git.refs.get('heads/prodloop/revert-gha-1002') as string), ['c4']);
  });

  test('without the commit before the deploy there is nothing to revert to: no pull request, and why', async () => {
    const result = await host.proposeRevert({ deploy: deploy({ deployId: 'gha-1003', previousSha: undefined }), title: 't', body: 'b' });
    assert.equal(result.proposed, false);
    assert.match(result.proposed ? '' : result.reason, /no commit pair/);
  });
});
