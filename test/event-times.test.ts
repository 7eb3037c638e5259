/** Which event times prodloop believes, against its own clock: a few minutes of skew ahead, up to a year back. */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { MAX_AHEAD_MS, MAX_BEHIND_MS, untrustedTime } from '#domain/signals/parsing';

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
