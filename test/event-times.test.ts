/** Which event times prodloop believes, against its own clock: a few minutes of skew ahead, up to a year back. */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { decision as decisionSchema } from '#domain/lineage/lineage';
import { MAX_AHEAD_MS, MAX_BEHIND_MS, untrustedTime } from '#domain/signals/parsing';
import { sampleDecision } from './support/samples.ts';

const now = new Date('2026-03-02T09:15:00Z');
const at = (offsetMs: number) => new Date(now.getTime() + offsetMs).toISOString();

describe('event times against prodloop clock', () => {
  test('a time within the allowed clock skew ahead is believed; one past it is not, with why', () => {
    assert.equal(untrustedTime(at(MAX_AHEAD_MS), now), undefined);
    assert.match(untrustedTime(at(MAX_AHEAD_MS + 1000), now) ?? '', /more than 5 minutes ahead of prodloop's clock/);
  });

  test('a time up to a year back is believed (a replay from an archive); an older one is not', () => {
    assert.equal(untrustedTime(at(-MAX_BEHIND_MS), now), undefined);
    assert.match(untrustedTime(at(-MAX_BEHIND_MS - 1000), now) ?? '', /more than a year before prodloop's clock/);
  });
});

describe("prodloop's own instants", () => {
  test('a decision made without metric data keeps its empty windows at the epoch: only incoming events are held to the years 2000 to 2099', () => {
    const epoch = new Date(0).toISOString();
    const d = sampleDecision();
    const empty = { ...d, evidence: { ...d.evidence, baseline: { ...d.evidence.baseline, from: epoch, to: epoch } } };
    assert.equal(decisionSchema.parse(empty).evidence.baseline.from, epoch);
  });
});
