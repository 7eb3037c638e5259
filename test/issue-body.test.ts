import assert from 'node:assert/strict';
import { test } from 'vitest';
import { renderClosingComment, renderVerdictComment } from '#domain/issue/comments';
import { renderIssue } from '#domain/issue/issue-body';
import { type IssueMetadata, lineageMarker, parseIssueMetadata } from '#domain/issue/metadata';
import type { Verdict } from '#domain/lineage/lineage';
import { sampleDecision, sampleLineage, sampleMetadata } from './support/samples.ts';

const config = {
  githubRepository: 'acme/shop',
  handoff: { labels: ['prodloop', 'agent-ready'], assignees: ['octo-fixer'] },
};

const verdict: Verdict = {
  kind: 'unchanged',
  at: '2026-11-22T16:00:00.000Z',
  baselineMean: 0.012,
  currentMean: 0.047,
  signalToNoise: 11.7,
  points: 30,
  reason: 'post-deploy mean still 11.7 sd above the baseline',
};

test('the title names the alarm, the metric, the shift and the onset', () => {
  const draft = renderIssue({ lineage: sampleLineage(), decision: sampleDecision(), config });
  assert.equal(draft.title, '[prodloop] checkout-5xx-rate: ErrorRate 4.1× baseline since 14:02 UTC');
});

test('the body opens with a human summary and ends with the machine-readable block', () => {
  const { body } = renderIssue({ lineage: sampleLineage(), decision: sampleDecision(), config });
  const firstLine = body.split('\n')[0] ?? '';
  assert.match(firstLine, /checkout-5xx-rate/);
  assert.match(firstLine, /4\.1×/);
  const order = [
    '## Timeline',
    '## Evidence',
    '## Suspect deploys',
    '## Code paths',
    '## Attribution',
    '## Why prodloop decided this',
    '## What done looks like',
    '## For the coding agent',
    lineageMarker('lin-checkout-5xx'),
    '```json prodloop-metadata',
  ];
  const positions = order.map((heading) => body.indexOf(heading));
  assert.ok(
    positions.every((p) => p > 0),
    `missing section: ${order.filter((_, i) => (positions[i] ?? -1) < 0).join(', ')}`,
  );
  assert.deepEqual(
    [...positions].sort((a, b) => a - b),
    positions,
  );
  assert.ok(body.trimEnd().endsWith('```'), 'the metadata block is the last thing in the body');
});

test('the evidence is numbers: baseline, current, signal-to-noise, ratio, breadth, duration, deploys', () => {
  const { body } = renderIssue({ lineage: sampleLineage(), decision: sampleDecision(), config });
  for (const expected of [
    'mean 0.012 ± 0.003 (sd), 115 points',
    'mean 0.0492 ± 0.006 (sd), 35 points',
    'Signal-to-noise: 12.4 baseline standard deviations',
    'Ratio: 4.1× the baseline mean',
    'Breadth: 12 of 40 active tenants (30%)',
    'Duration: 35 min since onset',
    '`d-42`',
    `\`${'a'.repeat(40)}\``,
    '#118, #121',
    '`services/checkout/src/pay.ts`',
    '`services/checkout/**`',
    '| platform-deploy | 82% | `d-42` |',
    '- deploy d-42 finished 22 min before the onset',
  ]) {
    assert.ok(body.includes(expected), `body lacks ${expected}`);
  }
  assert.ok(body.indexOf('| platform-deploy |') < body.indexOf('| external-dependency |'), 'candidates are ranked by confidence');
});

test('the metadata block round-trips through the body', () => {
  const { body } = renderIssue({ lineage: sampleLineage({ generation: 3 }), decision: sampleDecision(), config });
  const expected: IssueMetadata = sampleMetadata('lin-checkout-5xx', { generation: 3 });
  assert.deepEqual(parseIssueMetadata(body), expected);
});

test("the metadata block still parses after GitHub's editor turned line endings into CRLF", () => {
  const { body } = renderIssue({ lineage: sampleLineage(), decision: sampleDecision(), config });
  assert.equal(parseIssueMetadata(body.replaceAll('\n', '\r\n'))?.lineageId, 'lin-checkout-5xx');
});

test('a body without a valid metadata block has no metadata', () => {
  const { body } = renderIssue({ lineage: sampleLineage(), decision: sampleDecision(), config });
  assert.equal(parseIssueMetadata(''), undefined);
  assert.equal(parseIssueMetadata('Just a human issue.'), undefined);
  assert.equal(parseIssueMetadata(body.replace('"prodloopVersion": 1', '"prodloopVersion": 2')), undefined);
  assert.equal(parseIssueMetadata(body.replace('"lineageId": ', '"lineageId": {')), undefined);
});

test('an issue carries the hand-off labels, the priority and the tier, and the assignees', () => {
  const draft = renderIssue({ lineage: sampleLineage(), decision: sampleDecision({ tier: 2, priority: 'P0' }), config });
  assert.equal(draft.kind, 'issue');
  assert.equal(draft.lineageId, 'lin-checkout-5xx');
  assert.deepEqual(draft.labels, ['prodloop', 'agent-ready', 'priority:P0', 'tier:2']);
  assert.deepEqual(draft.assignees, ['octo-fixer']);
});

test('an observation is labelled for triage instead of hand-off and says why it is not code-ready', () => {
  const observation = sampleDecision({
    kind: 'observation',
    priority: 'P3',
    confidence: 0.3,
    reasons: ['breadth 2% is below the 5% needed for a code-ready issue'],
  });
  const draft = renderIssue({ lineage: sampleLineage(), decision: observation, config });
  assert.equal(draft.kind, 'observation');
  assert.deepEqual(draft.labels, ['prodloop', 'needs-triage', 'priority:P3', 'tier:1']);
  assert.deepEqual(draft.assignees, []);
  assert.match(draft.body, /not a code-ready issue/);
  assert.match(draft.body, /breadth 2% is below the 5% needed/);
  assert.ok(!draft.body.includes('## For the coding agent'));
  assert.equal(parseIssueMetadata(draft.body)?.kind, 'observation');
});

test('the coding agent is told how to link its fix and what done looks like', () => {
  const { body } = renderIssue({ lineage: sampleLineage(), decision: sampleDecision(), config });
  assert.ok(body.includes('`Fixes #'));
  assert.ok(body.includes('Prodloop-Lineage: lin-checkout-5xx'));
  assert.ok(body.includes(`git diff ${'b'.repeat(40)}..${'a'.repeat(40)}`));
  assert.match(body, /back at its baseline: mean near 0\.012/);
  assert.match(body, /closes this issue/);
});

test('an ignore decision files nothing', () => {
  assert.throws(() => renderIssue({ lineage: sampleLineage(), decision: sampleDecision({ kind: 'ignore' }), config }), /files no issue/);
});

test('text from the alarm cannot forge another lineage marker', () => {
  const forged = 'x <!-- prodloop:lineage=someone-else --> y';
  const draft = renderIssue({ lineage: sampleLineage({ alarmName: forged }), decision: sampleDecision(), config });
  assert.ok(!draft.body.includes(lineageMarker('someone-else')));
  assert.ok(!draft.title.includes('<!--'));
  assert.equal(draft.body.split(lineageMarker('lin-checkout-5xx')).length, 2, 'exactly one marker');
  assert.equal(parseIssueMetadata(draft.body)?.alarmName, forged, 'the metadata keeps the name as it is');
});

test("an enormous explanation stays under GitHub's body limit and keeps the metadata", () => {
  const huge = sampleDecision();
  const candidates = [{ cause: 'unknown' as const, confidence: 0.5, why: 'x'.repeat(200_000) }];
  const draft = renderIssue({ lineage: sampleLineage(), decision: { ...huge, evidence: { ...huge.evidence, candidates } }, config });
  assert.ok(draft.body.length < 65_536, `body is ${draft.body.length} characters`);
  assert.equal(parseIssueMetadata(draft.body)?.lineageId, 'lin-checkout-5xx');
  assert.ok(draft.body.startsWith('`ErrorRate`'), 'the summary is kept');
});

test('a verdict comment gives the iteration and the numbers', () => {
  const text = renderVerdictComment(verdict, 2);
  assert.match(text, /iteration 2: unchanged/);
  assert.match(text, /Post-deploy mean: 0\.047 \(baseline 0\.012\)/);
  assert.match(text, /11\.7 baseline standard deviations, over 30 points/);
  assert.match(text, /2026-11-22 16:00 UTC/);
});

test('the closing comment says the fix was validated, with the numbers', () => {
  const text = renderClosingComment({ ...verdict, kind: 'recovered', currentMean: 0.0121, signalToNoise: 0.03 });
  assert.match(text, /validated the fix/);
  assert.match(text, /Post-deploy mean: 0\.0121 \(baseline 0\.012\)/);
  assert.match(text, /0\.03 baseline standard deviations/);
});

test('the lineage marker is an HTML comment naming the lineage', () => {
  assert.equal(lineageMarker('lin-1'), '<!-- prodloop:lineage=lin-1 -->');
});
