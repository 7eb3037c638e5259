/**
 * One issue per lineage, one digest per day, however many invocations file at the same moment: the
 * issue use case against DynamoDB Local and real Octokit over HTTP to the local GitHub server.
 */
import assert from 'node:assert/strict';
import { afterAll, afterEach, beforeEach, describe, test } from 'vitest';
import { createOctokit, GitHubIssueTracker } from '#adapters/github/github';
import { makeGithub } from '#app/issues';
import { parseConfig } from '#domain/config/config';
import { localDefaultConfig } from '../bin/local/scenario.ts';
import { testStore } from './support/dynamodb.ts';
import { type GitHubServer, startGitHubServer } from './support/github-server.ts';
import { sampleAlarm, sampleDecision } from './support/samples.ts';

const T0 = '2026-03-02T09:15:00.000Z';
const quiet = { info() {}, warn() {}, error() {} };
const clients: { destroy(): void }[] = [];
afterAll(() => {
  for (const c of clients) c.destroy();
});

let server: GitHubServer;
beforeEach(async () => {
  server = await startGitHubServer();
});
afterEach(async () => {
  await server.close();
});

async function world(lineages: number) {
  const t = await testStore();
  clients.push(t.client);
  const ids: string[] = [];
  for (let n = 0; n < lineages; n++) {
    const id = `lin-file${n}${Date.now().toString(36)}`;
    await t.store.openLineage({
      lineageId: id,
      signal: sampleAlarm({ alarmName: `prod-checkout-${n}`, at: T0, fingerprint: `fp-${id}` }),
      service: 'checkout',
      codePaths: ['services/checkout/**'],
      budgetUsd: 50,
      at: T0,
    });
    ids.push(id);
  }
  const octokit = createOctokit({ token: 't', baseUrl: server.baseUrl, retries: 0, spaceWrites: false, logger: quiet });
  const github = makeGithub({
    config: parseConfig(localDefaultConfig),
    store: t.store,
    tracker: new GitHubIssueTracker({ octokit, owner: 'acme', repo: 'shop', retryDelayMs: 5 }),
    events: { async publish() {} },
    clock: { now: () => new Date(T0) },
    logger: quiet,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms / 4)),
  });
  return { github, ids, store: t.store };
}

const created = () => server.requests.filter((r) => r.method === 'POST' && r.path === '/repos/acme/shop/issues');

describe('filing at the same moment', () => {
  test('five invocations filing one lineage at once create one issue, and all five return it', async () => {
    const { github, ids } = await world(1);
    const decision = sampleDecision();
    const results = await Promise.all(Array.from({ length: 5 }, () => github({ action: 'file', lineageId: ids[0] as string, decision })));
    assert.equal(created().length, 1);
    assert.equal(new Set(results.map((r) => (r as { number: number }).number)).size, 1);
  });

  test('four lineages past the daily cap at once share one digest issue, with one comment each', async () => {
    const { github, ids, store } = await world(4);
    const decision = { ...sampleDecision(), kind: 'observation' as const, digest: '2026-03-02' };
    await Promise.all(ids.map((lineageId) => github({ action: 'observe', lineageId, decision })));
    assert.equal(created().length, 1);
    const digest = server.issues.find((i) => i.title.includes('2026-03-02'));
    assert.ok(digest);
    assert.equal(digest.comments.length, 4);
    const numbers = await Promise.all(ids.map(async (id) => (await store.getLineage(id))?.issue?.number));
    assert.deepEqual(new Set(numbers), new Set([digest.number]));
  });
});
