/** The shared formatters, statistics and seeded generator: the outputs issue bodies, digests and benchmarks print. */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { pct, pctFixed, pctWhole, round, round3, sci, unique } from '#domain/shared/format';
import { fnv1a } from '#domain/shared/hash';
import { boxMuller, mulberry32, mulberry32Bits, normal } from '#domain/shared/random';
import { mean, median, medianOrZero, stddev, variance } from '#domain/shared/stats';

describe('formatters', () => {
  test('a share reads 5.5% in prose, 6% in priority facts and 5.0% in the friction tables', () => {
    assert.deepEqual([pct(0.055), pctWhole(0.055), pctFixed(0.055)], ['5.5%', '6%', '5.5%']);
    assert.deepEqual([pct(0.05), pctWhole(0.05), pctFixed(0.05)], ['5%', '5%', '5.0%']);
    assert.deepEqual([pct(0.123), pctWhole(0.123), pctFixed(0.123)], ['12%', '12%', '12%']);
    assert.deepEqual([pct(0), pctWhole(0), pctFixed(0)], ['0%', '0%', '0%']);
  });

  test('a p-value reads with two significant digits, in exponent form below 0.001, and as a bound at the floor', () => {
    assert.deepEqual(
      [sci(0.0312), sci(0.001), sci(2.14e-9), sci(1e-100), sci(0)],
      ['= 0.031', '= 0.001', '= 2.1e-9', '< 1e-100', '< 1e-100'],
    );
  });

  test('rounding keeps the decimals asked for, halves going up', () => {
    assert.deepEqual([round(0.125), round(1.23456, 3), round3(2.0005), round(-0.125)], [0.13, 1.235, 2.001, -0.12]);
  });

  test('unique keeps the first of each value, in order', () => {
    assert.deepEqual(unique(['b', 'a', 'b', 'c', 'a']), ['b', 'a', 'c']);
  });

  test('FNV-1a is the 32-bit hash of the text, as 8 hex characters', () => {
    assert.equal(fnv1a(''), '811c9dc5');
    assert.equal(fnv1a('a'), 'e40c292c');
    assert.equal(fnv1a('foobar'), 'bf9cf968');
  });
});

describe('statistics', () => {
  test('mean, sample variance and standard deviation', () => {
    assert.equal(mean([1, 2, 3, 6]), 3);
    assert.equal(variance([1, 2, 3, 6]), 14 / 3);
    assert.equal(stddev([1, 2, 3, 6]), Math.sqrt(14 / 3));
    assert.deepEqual([mean([]), variance([5]), stddev([5])], [Number.NaN, 0, 0]);
  });

  test("the median of nothing is NaN for triage and 0 for validation's baseline; of values, the same", () => {
    assert.deepEqual([median([]), medianOrZero([])], [Number.NaN, 0]);
    for (const values of [
      [3, 1, 2],
      [4, 1, 3, 2],
      [-1, 10, 0.5],
    ])
      assert.equal(median(values), medianOrZero(values), String(values));
  });
});

describe('seeded random numbers', () => {
  test('a seed always draws the same uniforms, in [0, 1)', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    const draws = Array.from({ length: 1000 }, () => a());
    assert.deepEqual(
      draws,
      Array.from({ length: 1000 }, () => b()),
    );
    assert.ok(draws.every((u) => u >= 0 && u < 1));
    assert.notDeepEqual(draws.slice(0, 5), Array.from({ length: 5 }, mulberry32(8)));
  });

  test("the stateless draw of a seed is the generator's first draw", () => {
    for (const seed of [0, 1, 7, -5, 123456789]) assert.equal(mulberry32Bits(seed) / 4294967296, mulberry32(seed)());
  });

  test('normal draws have mean 0 and standard deviation 1, and a zero uniform stays finite', () => {
    const u = mulberry32(1);
    const z = Array.from({ length: 20000 }, () => normal(u));
    assert.ok(Math.abs(mean(z)) < 0.03, `mean ${mean(z)}`);
    assert.ok(Math.abs(stddev(z) - 1) < 0.03, `sd ${stddev(z)}`);
    assert.ok(Number.isFinite(boxMuller(0, 0)));
    assert.ok(boxMuller(0, 0, 1e-12) < boxMuller(0, 0), 'a higher floor bounds the tail lower');
  });
});
