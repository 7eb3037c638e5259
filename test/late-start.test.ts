/**
 * The "worse" e-detector (lambdas/domain/validation/late-start.ts) on simulated error rates with fixed seeds: a
 * regression that starts hours after the deploy is caught sooner than by the comparison since the
 * deploy alone, one that starts at the deploy costs little more time, and no-change series stay
 * within the false-andon bound when looked at every five minutes for a day.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { bestReference, fitBaseline, type Observation } from '#domain/validation/baseline';
import { compare } from '#domain/validation/comparison';
import { sinceDeployOrAnyHour } from '#domain/validation/late-start';
import { logThreshold } from '#domain/validation/sequential';
import { ALPHA, WORSE_COMPONENTS } from '#domain/validation/validate';
import { poisson, rng } from './support/random.ts';

const MIN = 60_000;
const DEPLOY = Date.parse('2026-03-05T00:00:00Z');
const HISTORY_MIN = 3 * 1440;
const HORIZON_MIN = 24 * 60;

/** Error counts over traffic, one per minute: `requests` a minute at a 1 % error rate, × `effect(minute after the deploy)`. */
function series(seed: number, requests: number, effect: (m: number) => number) {
  const u = rng(seed);
  const draw = (m: number): Observation => {
    const traffic = poisson(u, requests);
    return { t: DEPLOY + m * MIN, value: poisson(u, traffic * 0.01 * (m >= 0 ? effect(m) : 1)), traffic };
  };
  const history: Observation[] = [];
  for (let m = -HISTORY_MIN; m < 0; m++) history.push(draw(m));
  const post: Observation[] = [];
  for (let m = 0; m < HORIZON_MIN; m++) post.push(draw(m));
  return { history, post };
}

/** Minutes after the deploy to a "worse" verdict, looking every `every` minutes; Infinity when none within the day. */
function minutesToWorse(s: ReturnType<typeof series>, every: number, lateStarts: boolean): number {
  const model = fitBaseline('rate', s.history);
  const reference = bestReference(model, s.history);
  const make = () => compare(model, reference, { theta0: 1, components: WORSE_COMPONENTS });
  const worse = lateStarts ? sinceDeployOrAnyHour(make, DEPLOY, HORIZON_MIN) : make();
  for (const [i, o] of s.post.entries()) {
    worse.add(o);
    if ((i + 1) % every === 0 && worse.logE() >= logThreshold(ALPHA.worse)) return i + 1;
  }
  return Number.POSITIVE_INFINITY;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

describe('worse since the deploy or since any later hour', () => {
  test('an error rate that doubles six hours after the deploy is caught well before the comparison since the deploy alone catches it', () => {
    const late: number[] = [];
    const sinceDeploy: number[] = [];
    for (let i = 0; i < 12; i++) {
      const s = series(100 + i, 100, (m) => (m >= 360 ? 2 : 1));
      late.push(minutesToWorse(s, 5, true));
      sinceDeploy.push(minutesToWorse(s, 5, false));
    }
    assert.ok(
      late.every((m) => m > 360),
      `no verdict before the regression starts: ${late.join(', ')}`,
    );
    assert.ok(
      median(late) - 360 < 0.6 * (median(sinceDeploy) - 360),
      `late starts ${median(late)} vs since the deploy ${median(sinceDeploy)}`,
    );
  });

  test('an error rate that doubles at the deploy is caught within a few percent of the time the comparison since the deploy alone needs', () => {
    let late = 0;
    let sinceDeploy = 0;
    for (let i = 0; i < 12; i++) {
      const s = series(200 + i, 100, () => 2);
      late += minutesToWorse(s, 1, true);
      sinceDeploy += minutesToWorse(s, 1, false);
    }
    assert.ok(Number.isFinite(late));
    assert.ok(late <= sinceDeploy * 1.1, `late starts ${late} vs since the deploy ${sinceDeploy} minutes in all`);
  });

  test('no change: at most the false-andon bound of series cross "worse" within a day of looks every five minutes', () => {
    let crossed = 0;
    const n = 60;
    for (let i = 0; i < n; i++)
      if (
        Number.isFinite(
          minutesToWorse(
            series(300 + i, 100, () => 1),
            5,
            true,
          ),
        )
      )
        crossed++;
    assert.ok(crossed / n <= 0.034, `${crossed} of ${n} no-change series crossed`);
  });
});
