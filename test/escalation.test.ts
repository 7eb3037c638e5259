import assert from 'node:assert/strict';
import { test } from 'vitest';
import { renderEscalation, toSnsSubject } from '#domain/issue/escalation';
import type { Decision, Lineage, Verdict } from '#domain/lineage/lineage';
import { sampleLineage as checkoutLineage, sampleDecision } from './support/samples.ts';

/** A lineage two generations in, validating its third fix, with issue #7. */
const sampleLineage = (overrides: Partial<Lineage> = {}): Lineage =>
  checkoutLineage({
    generation: 2,
    status: 'validating',
    updatedAt: '2026-11-22T16:00:00.000Z',
    issue: { number: 7, url: 'https://github.com/acme/shop/issues/7', kind: 'issue', shadow: false },
    iterations: 3,
    costUsd: 15,
    version: 9,
    ...overrides,
  });

const triage: Decision = sampleDecision();

const unchanged: Verdict = {
  kind: 'unchanged',
  at: '2026-11-22T16:00:00.000Z',
  baselineMean: 0.012,
  currentMean: 0.047,
  signalToNoise: 11.7,
  points: 30,
  reason: 'post-deploy mean still 11.7 sd above the baseline',
};

test('the subject fits SNS even for a long alarm name with line breaks', () => {
  const alarmName = `checkout\n${'very-long-alarm-name-'.repeat(12)}`;
  const message = renderEscalation({ lineage: sampleLineage({ alarmName }), reason: 'iteration-cap', actionsTaken: [] });
  assert.ok(message.subject.length < 100, `subject is ${message.subject.length} characters`);
  assert.ok(message.subject.startsWith('[prodloop] fixes not working: checkout very-long'));
  assert.ok(!/[\r\n]/.test(message.subject));
  assert.ok(message.subject.endsWith('...'));
});

test('an iteration-cap page says what happened, gives the numbers and the exact next commands', () => {
  const message = renderEscalation({
    lineage: sampleLineage(),
    reason: 'iteration-cap',
    decision: triage,
    verdict: unchanged,
    actionsTaken: ['Stopped the fix loop: iterations without improvement reached the cap.', 'Issue #7 stays open for a human.'],
  });
  assert.equal(message.lineageId, 'lin-checkout-5xx');
  assert.equal(message.reason, 'iteration-cap');
  const sections = ['WHAT HAPPENED', 'EVIDENCE', 'WHAT PRODLOOP DID', 'NEXT'].map((s) => message.text.indexOf(`${s}\n`));
  assert.ok(
    sections.every((p, i) => p >= 0 && (i === 0 || p > (sections[i - 1] ?? 0))),
    `sections out of order: ${sections}`,
  );
  const happened = message.text.split('\n\n')[0]?.split('\n') ?? [];
  assert.equal(happened.length, 2, 'WHAT HAPPENED is one line');
  for (const expected of [
    '3 fix attempts in a row did not improve checkout-5xx-rate',
    '4.1x baseline, mean 0.0492 vs 0.012 +/- 0.003, 12.4 sd',
    '12 of 40 affected (30%)',
    'Last check: unchanged, mean 0.047 vs baseline 0.012, 11.7 sd, 30 points',
    'Spent: $15.00 of $50.00',
    '- Stopped the fix loop: iterations without improvement reached the cap.',
    'npx prodloop status --lineage lin-checkout-5xx',
    'npx prodloop budget reset lin-checkout-5xx --reason "..."',
    'https://github.com/acme/shop/issues/7',
  ]) {
    assert.ok(message.text.includes(expected), `text lacks ${expected}`);
  }
  assert.ok(!message.text.includes('quarantine lift'), 'no lift command without locks');
});

test('an andon page gives one lift command per locked path and no budget reset', () => {
  const message = renderEscalation({
    lineage: sampleLineage(),
    reason: 'andon',
    verdict: { ...unchanged, kind: 'worse', currentMean: 0.09, signalToNoise: 26 },
    actionsTaken: ['Pulled the andon cord: quarantined the code paths and halted coding-agent work there.'],
    locks: ['services/checkout/**', "services/it's/odd"],
  });
  assert.match(message.subject, /^\[prodloop\] ANDON/);
  assert.ok(message.text.includes(`npx prodloop quarantine lift 'services/checkout/**' --reason "..."`));
  assert.ok(message.text.includes(`npx prodloop quarantine lift 'services/it'\\''s/odd' --reason "..."`));
  assert.ok(message.text.includes('26 sd from baseline'));
  assert.ok(!message.text.includes('budget reset'));
});

test('a lineage id that needs quoting is quoted in the commands', () => {
  const message = renderEscalation({ lineage: sampleLineage({ lineageId: 'lin 1;rm' }), reason: 'budget-spent', actionsTaken: [] });
  assert.ok(message.text.includes(`npx prodloop status --lineage 'lin 1;rm'`));
  assert.ok(message.text.includes(`npx prodloop budget reset 'lin 1;rm' --reason "..."`));
});

test("a page with a flood of actions stays under SNS's 256 KB limit", () => {
  const actionsTaken = Array.from({ length: 5000 }, (_, i) => `action ${i}: ${'é'.repeat(400)}`);
  const locks = Array.from({ length: 5000 }, (_, i) => `services/${'x'.repeat(200)}/${i}/**`);
  const message = renderEscalation({ lineage: sampleLineage({ alarmName: 'é'.repeat(20_000) }), reason: 'andon', actionsTaken, locks });
  assert.ok(Buffer.byteLength(message.text, 'utf8') < 256 * 1024);
  assert.ok(message.text.includes('NEXT\n'), 'the commands survive');
  assert.ok(message.text.includes('more locked paths'));
});

test('toSnsSubject leaves a short subject alone', () => {
  assert.equal(toSnsSubject('[prodloop] budget spent: checkout'), '[prodloop] budget spent: checkout');
});
