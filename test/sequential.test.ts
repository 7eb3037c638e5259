/**
 * The e-processes behind validation (lambdas/domain/validation/sequential.ts), on simulated streams with fixed
 * seeds: the false-alarm bound holds when looking after every point, the tests reduce to the
 * textbook ones, and a reference sample caps the evidence.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { countLogE, countLogLR, levelLogE, levelLogLR, logMix, logThreshold, unitsToThreshold } from '#domain/validation/sequential';
import { WORSE_COMPONENTS } from '#domain/validation/validate';
import { normal, poisson, rng } from './support/random.ts';

/** Share of streams whose e-value ever reaches 1/α, looking after every point. */
function everCrossing(streams: number, looks: number, step: (u: () => number, look: number) => number, seed: number): number {
  let crossed = 0;
  for (let s = 0; s < streams; s++) {
    const u = rng(seed + s * 7919);
    for (let k = 1; k <= looks; k++) {
      if (step(u, k) >= logThreshold(0.01)) {
        crossed++;
        break;
      }
    }
  }
  return crossed / streams;
}

describe('sequential tests', () => {
  test('looking after every point does not inflate false "worse" verdicts: at most 1% of no-change count streams ever cross', () => {
    const components = WORSE_COMPONENTS;
    // A reference of 2000 events against 2 expected events per look, 500 looks: the rate never changes.
    const share = everCrossing(
      1000,
      500,
      (() => {
        let events = 0;
        let refEvents = 0;
        return (u, look) => {
          if (look === 1) {
            events = 0;
            refEvents = poisson(u, 2000);
          }
          events += poisson(u, 2);
          return countLogE(components, 1, { refEvents, refExposure: 2000, events, exposure: 2 * look, dispersion: 1 });
        };
      })(),
      11,
    );
    assert.ok(share <= 0.015, `${(share * 100).toFixed(1)}% of no-change streams crossed`);
    // What it protects against: a one-sided z-test at 1% repeated at every look, on the same streams.
    let peeking = 0;
    for (let s = 0; s < 1000; s++) {
      const u = rng(11 + s * 7919);
      poisson(u, 2000);
      let events = 0;
      for (let k = 1; k <= 500; k++) {
        events += poisson(u, 2);
        if ((events - 2 * k) / Math.sqrt(2 * k) > 2.326) {
          peeking++;
          break;
        }
      }
    }
    assert.ok(peeking / 1000 > 0.1, `a repeated z-test crossed on only ${peeking / 10}% of streams`);
  });

  test('the same test catches a doubled rate on nearly every stream', () => {
    const share = everCrossing(
      300,
      200,
      (() => {
        let events = 0;
        return (u, look) => {
          if (look === 1) events = 0;
          events += poisson(u, 4);
          return countLogE(WORSE_COMPONENTS, 1, { refEvents: 2000, refExposure: 2000, events, exposure: 2 * look, dispersion: 1 });
        };
      })(),
      23,
    );
    assert.ok(share >= 0.99, `only ${(share * 100).toFixed(1)}% caught`);
  });

  test('levels: looking after every point keeps false alarms at most 1% against a reference of 500 points', () => {
    const shifts = [0.1, 0.2, 0.4];
    const weights = [1 / 3, 1 / 3, 1 / 3];
    const share = everCrossing(
      1000,
      400,
      (() => {
        let sum = 0;
        let refMean = 0;
        return (u, look) => {
          if (look === 1) {
            sum = 0;
            let r = 0;
            for (let i = 0; i < 500; i++) r += normal(u);
            refMean = r / 500;
          }
          sum += normal(u);
          return levelLogE(shifts, weights, { refMean, refCount: 500, mean: sum / look, count: look, variance: 1 });
        };
      })(),
      37,
    );
    assert.ok(share <= 0.015, `${(share * 100).toFixed(1)}% of no-change streams crossed`);
  });

  test('with the reference rate known, the count test is the one-sample Poisson likelihood ratio', () => {
    const l = countLogLR(2, 1, { refEvents: 0, refExposure: Number.POSITIVE_INFINITY, events: 30, exposure: 20, dispersion: 1 });
    assert.ok(Math.abs(l - (30 * Math.log(2) - 20)) < 1e-9);
    // A huge reference behaves like a known rate.
    const big = countLogLR(2, 1, { refEvents: 1e9, refExposure: 1e9, events: 30, exposure: 20, dispersion: 1 });
    assert.ok(Math.abs(big - l) < 1e-3);
  });

  test('overdispersion tempers the evidence', () => {
    const s = { refEvents: 1000, refExposure: 1000, events: 40, exposure: 20 };
    assert.ok(Math.abs(countLogLR(2, 1, { ...s, dispersion: 4 }) - countLogLR(2, 1, { ...s, dispersion: 1 }) / 4) < 1e-12);
  });

  test('a post-deploy sample cannot carry more evidence than its reference supports', () => {
    const small = { refMean: 0, refCount: 10, mean: 0.5, variance: 1 };
    const capped = levelLogLR(0.5, { ...small, count: 1e9 });
    // n·N/(n+N) tends to N: the bound is N/σ² · (Δ·d − Δ²/2).
    assert.ok(Math.abs(capped - 10 * (0.25 - 0.125)) < 1e-6);
    assert.ok(levelLogLR(0.5, { ...small, refCount: Number.POSITIVE_INFINITY, count: 1e9 }) > 1e6);
  });

  test('a mixture is a weighted average of likelihood ratios, computed without overflow', () => {
    assert.ok(Math.abs(logMix([Math.log(2), Math.log(4)], [0.5, 0.5]) - Math.log(3)) < 1e-12);
    assert.ok(Number.isFinite(logMix([5000, 4999], [0.5, 0.5])));
  });

  test('time to a verdict: none when no alternative grows, none left when already past the threshold', () => {
    assert.equal(unitsToThreshold([0, 0], [-1, 0], [0.5, 0.5], 5), Number.POSITIVE_INFINITY);
    assert.equal(unitsToThreshold([10, 0], [1, 1], [0.5, 0.5], 5), 0);
    assert.ok(Math.abs(unitsToThreshold([0], [0.5], [1], 5) - 10) < 1e-12);
  });
});
