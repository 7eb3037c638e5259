/** The outbox: issues and pages as Markdown files, for shadow mode and local runs. */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'vitest';
import { OutboxIssueTracker, OutboxNotifier } from '#adapters/local/outbox';
import type { IssueDraft } from '#domain/issue/messages';
import { lineageMarker } from '#domain/issue/metadata';
import { NotFoundError } from '#domain/shared/errors';
import type { Clock } from '#ports/clock';
import { sampleDraft } from './support/samples.ts';

let dir: string;
const clock: Clock = { now: () => new Date('2026-11-22T14:40:00.000Z') };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'prodloop-outbox-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A draft as the outbox files it: titled without the lineage, summarised in one word. */
const draft = (lineageId: string, generation = 1): IssueDraft =>
  sampleDraft(lineageId, {
    generation,
    title: '[prodloop] checkout-5xx-rate: ErrorRate 4.1× baseline since 14:02 UTC',
    summary: 'Summary.',
  });

test('filing twice for one lineage returns the first outbox issue', async () => {
  const outbox = new OutboxIssueTracker(dir, clock);
  const first = await outbox.fileIssue(draft('lin-1'));
  const second = await outbox.fileIssue(draft('lin-1'));
  assert.deepEqual(first, { number: 1, url: 'outbox://issues/1', kind: 'issue', shadow: true });
  assert.deepEqual(second, first);
  assert.deepEqual(await readdir(join(dir, 'issues')), ['lin-1.md']);
  const content = await readFile(join(dir, 'issues', 'lin-1.md'), 'utf8');
  assert.match(content, /^---\nnumber: 1\n/);
  assert.ok(content.includes('# [prodloop] checkout-5xx-rate'));
  assert.ok(content.includes(lineageMarker('lin-1')));
});

test('outbox issues are numbered 1, 2, ... across instances', async () => {
  assert.equal((await new OutboxIssueTracker(dir, clock).fileIssue(draft('lin-a'))).number, 1);
  assert.equal((await new OutboxIssueTracker(dir, clock).fileIssue(draft('lin-b'))).number, 2);
  assert.equal((await new OutboxIssueTracker(dir, clock).fileIssue(draft('lin-a'))).number, 1);
  assert.equal((await new OutboxIssueTracker(dir, clock).fileIssue(draft('lin-c'))).number, 3);
});

test('concurrent filings for one lineage produce one outbox issue', async () => {
  const refs = await Promise.all(Array.from({ length: 5 }, () => new OutboxIssueTracker(dir, clock).fileIssue(draft('lin-race'))));
  assert.deepEqual(new Set(refs.map((r) => r.number)), new Set([1]));
  assert.equal((await readdir(join(dir, 'issues'))).length, 1);
});

test('a new generation of a lineage gets its own outbox issue', async () => {
  const outbox = new OutboxIssueTracker(dir, clock);
  assert.equal((await outbox.fileIssue(draft('lin-gen', 1))).number, 1);
  assert.equal((await outbox.fileIssue(draft('lin-gen', 2))).number, 2);
  assert.equal((await outbox.fileIssue(draft('lin-gen', 2))).number, 2);
  assert.deepEqual((await readdir(join(dir, 'issues'))).sort(), ['lin-gen.gen-2.md', 'lin-gen.md']);
});

test('comments, updates and the close record are appended to the lineage file', async () => {
  const outbox = new OutboxIssueTracker(dir, clock);
  const issue = await outbox.fileIssue(draft('lin-log'));
  await outbox.comment(issue, 'Iteration 1: unchanged.');
  await outbox.update(issue, { labels: ['prodloop', 'priority:P0'] });
  await outbox.close(issue, 'Validated: back at baseline.');
  const content = await readFile(join(dir, 'issues', 'lin-log.md'), 'utf8');
  const order = [
    'Summary.',
    'Iteration 1: unchanged.',
    'labels: ["prodloop","priority:P0"]',
    'Validated: back at baseline.',
    '## Closed as completed, 2026-11-22T14:40:00.000Z',
  ];
  const positions = order.map((text) => content.indexOf(text));
  assert.ok(
    positions.every((p) => p >= 0),
    `missing: ${order.filter((_, i) => (positions[i] ?? -1) < 0)}`,
  );
  assert.deepEqual(
    [...positions].sort((a, b) => a - b),
    positions,
  );
});

test('commenting on an issue the outbox never filed is a NotFoundError', async () => {
  await assert.rejects(
    new OutboxIssueTracker(dir, clock).comment({ number: 9, url: 'outbox://issues/9', kind: 'issue', shadow: true }, 'x'),
    NotFoundError,
  );
});

test('a lineage id with slashes stays inside the outbox folder', async () => {
  await new OutboxIssueTracker(dir, clock).fileIssue(draft('../../escape/me'));
  assert.deepEqual(await readdir(join(dir, 'issues')), ['..%2F..%2Fescape%2Fme.md']);
  assert.deepEqual((await readdir(dir)).sort(), ['issues']);
});

test('each escalation is its own file, named by time and lineage', async () => {
  const notifier = new OutboxNotifier(dir, clock);
  const message = {
    lineageId: 'lin-1',
    subject: '[prodloop] budget spent: checkout',
    text: 'WHAT HAPPENED\nBudget spent.\n',
    reason: 'budget-spent' as const,
  };
  await notifier.escalate(message);
  await notifier.escalate(message);
  const files = (await readdir(join(dir, 'escalations'))).sort();
  assert.deepEqual(files, ['2026-11-22T14-40-00-000Z-lin-1-2.md', '2026-11-22T14-40-00-000Z-lin-1.md']);
  const content = await readFile(join(dir, 'escalations', '2026-11-22T14-40-00-000Z-lin-1.md'), 'utf8');
  assert.ok(content.startsWith('# [prodloop] budget spent: checkout\n'));
  assert.ok(content.includes('- Reason: budget-spent'));
  assert.ok(content.includes('WHAT HAPPENED\nBudget spent.'));
});
