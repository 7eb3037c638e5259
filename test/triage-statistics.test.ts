/** The shift test on series built in the test: onset, trend, weekly seasonality, error rate, tenants. */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { normalCdf, poissonUpperTail, trendShiftScan } from '#domain/shared/stats';
import type { Point } from '#domain/signals/series';
import type { HistoryWindow } from '#domain/triage/seasonality';
import { analyzeShift, countAffected, tenantShifted } from '#domain/triage/shift';

const t0 = Date.parse('2026-03-02T06:00:00Z');
const WEEK = 7 * 86_400_000;
const at = (minute: number) => new Date(t0 + minute * 60_000).toISOString();

/** A small deterministic generator (Park–Miller), so every run sees the same noise. */
function rng(seed: number) {
  let s = seed % 2147483647 || 1;
  const u = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  return {
    u,
    gauss: () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()),
    poisson: (mean: number) => {
      const limit = Math.exp(-mean);
      let k = 0;
      let p = 1;
      do {
        k++;
        p *= u();
      } while (p > limit);
      return k - 1;
    },
  };
}

const series = (from: number, to: number, value: (m: number) => number): Point[] =>
  Array.from({ length: to - from }, (_, i) => ({ at: at(from + i), value: value(from + i) }));
const history = (weeks: number, value: (m: number) => number): HistoryWindow[] =>
  Array.from({ length: weeks }, (_, w) => ({
    weeksAgo: w + 1,
    points: series(15, 195, value).map((p) => ({ at: new Date(Date.parse(p.at) - (w + 1) * WEEK).toISOString(), value: p.value })),
  }));

describe('shift test', () => {
  test('a step is found at its onset, significant, still shifted', () => {
    const r = rng(1);
    const a = analyzeShift(
      series(15, 195, (m) => (m >= 180 ? 80 : 20) * (1 + 0.1 * r.gauss())),
      [],
      { countLike: true },
    );
    assert.equal(a?.onset, at(180));
    assert.equal(a?.significant, true);
    assert.equal(a?.stillShifted, true);
    assert.ok((a?.ratio ?? 0) > 3.5 && (a?.ratio ?? 0) < 4.5);
  });

  test('a pre-existing trend is expected, not a shift', () => {
    const r = rng(2);
    const a = analyzeShift(
      series(15, 195, (m) => 20 * (1 + (0.15 * m) / 60) * (1 + 0.05 * r.gauss())),
      [],
      { countLike: true },
    );
    assert.equal(a?.significant, false);
    assert.equal(a?.model, 'trend');
    assert.ok((a?.trendPerHour ?? 0) > 0.05);
  });

  test('a step on top of a trend is measured against the trend carried forward', () => {
    const r = rng(3);
    const a = analyzeShift(
      series(15, 195, (m) => 20 * (1 + (0.15 * m) / 60) * (m >= 180 ? 2 : 1) * (1 + 0.05 * r.gauss())),
      [],
      { countLike: true },
    );
    assert.equal(a?.significant, true);
    assert.equal(a?.onset, at(180));
    assert.ok((a?.ratio ?? 0) > 1.8 && (a?.ratio ?? 0) < 2.2, `ratio ${a?.ratio}`);
  });

  const ramp = (m: number) => 20 * (1 + 1.5 * Math.max(0, Math.min(1, (m - 120) / 60)));
  test('a weekly peak seen in previous weeks is not a shift; the same peak without history looks like one', () => {
    const r = rng(4);
    const today = series(15, 195, (m) => ramp(m) * (1 + 0.05 * r.gauss()));
    const past = history(4, (m) => ramp(m) * (1 + 0.05 * r.gauss()));
    const seasonal = analyzeShift(today, past, { countLike: true });
    assert.equal(seasonal?.model, 'seasonal');
    assert.equal(seasonal?.seasonalWeeks, 4);
    assert.equal(seasonal?.significant, false);
    assert.equal(
      analyzeShift(today, [], { countLike: true })?.significant,
      true,
      'without history the ramp cannot be told from an incident',
    );
  });

  test('a regression during the weekly peak is measured against the peak', () => {
    const r = rng(5);
    const today = series(15, 195, (m) => ramp(m) * (m >= 180 ? 2 : 1) * (1 + 0.05 * r.gauss()));
    const a = analyzeShift(
      today,
      history(4, (m) => ramp(m) * (1 + 0.05 * r.gauss())),
      { countLike: true },
    );
    assert.equal(a?.significant, true);
    assert.equal(a?.onset, at(180));
    assert.ok((a?.ratio ?? 0) > 1.8 && (a?.ratio ?? 0) < 2.2, `ratio ${a?.ratio}`);
  });

  test("a ramp's onset is where it starts, not its middle", () => {
    const r = rng(6);
    const a = analyzeShift(
      series(15, 200, (m) => 20 * (m < 160 ? 1 : m < 180 ? 1 + (3 * (m - 160)) / 20 : 4) * (1 + 0.1 * r.gauss())),
      [],
      { countLike: true },
    );
    const onset = (Date.parse(a?.onset ?? '') - t0) / 60_000;
    assert.ok(onset >= 158 && onset <= 166, `onset at minute ${onset}`);
    assert.ok((a?.rateOfChangePerHour ?? 0) >= 0);
  });

  test('a blip that is over is not still shifted, and its end is known', () => {
    const r = rng(7);
    const a = analyzeShift(
      series(15, 192, (m) => 20 * (m >= 180 && m < 184 ? 4 : 1) * (1 + 0.1 * r.gauss())),
      [],
      { countLike: true },
    );
    assert.equal(a?.stillShifted, false);
    assert.equal(a?.lastShiftedAt, at(183));
  });

  test('a drop is a shift too: the test is two-sided', () => {
    const r = rng(8);
    const a = analyzeShift(
      series(15, 195, (m) => 1000 * (m >= 180 ? 0.5 : 1) * (1 + 0.03 * r.gauss())),
      [],
    );
    assert.equal(a?.significant, true);
    assert.ok((a?.signalToNoise ?? 0) < -3);
  });

  test('on series without a shift, the test declares one in at most alpha of them (Gaussian and Poisson noise)', () => {
    const r = rng(9);
    const runs = 300;
    let gaussian = 0;
    let poisson = 0;
    let sparse = 0;
    const shifted = (values: () => number, countLike: boolean) =>
      analyzeShift(series(15, 195, values), [], { countLike, alpha: 0.05 })?.significant === true;
    for (let i = 0; i < runs; i++) {
      if (shifted(() => 50 * (1 + 0.1 * r.gauss()), false)) gaussian++;
      if (shifted(() => r.poisson(3), true)) poisson++;
      if (shifted(() => r.poisson(0.3), true)) sparse++;
    }
    // Bonferroni bounds the family-wise rate by alpha; allow the binomial spread of 300 runs (mean ≤ 15, 3 sd ≈ 11).
    assert.ok(gaussian <= 0.05 * runs + 11, `${gaussian} false shifts in ${runs} Gaussian series`);
    assert.ok(poisson <= 0.05 * runs + 11, `${poisson} false shifts in ${runs} Poisson series`);
    assert.ok(sparse <= 0.05 * runs + 11, `${sparse} false shifts in ${runs} sparse Poisson series (the rate is estimated, not known)`);
  });

  test('autocorrelated noise widens the error of a mean: AR(1) noise stays near alpha, not many times it', () => {
    const r = rng(19);
    const runs = 300;
    let shifts = 0;
    for (let i = 0; i < runs; i++) {
      let e = 0;
      const s = series(15, 195, () => {
        e = 0.5 * e + Math.sqrt(0.75) * r.gauss();
        return 50 + 5 * e;
      });
      if (analyzeShift(s, [], { alpha: 0.01 })?.significant) shifts++;
    }
    // About 1.7% at alpha 1% (docs/triage.md): approximate, so the bound is loose, but far below what ignoring it gives.
    assert.ok(shifts <= 12, `${shifts} false shifts in ${runs} AR(1) series`);
  });

  test('low counts are judged by the exact Poisson tail, not the normal approximation', () => {
    const r = rng(10);
    const a = analyzeShift(
      series(15, 195, (m) => r.poisson(m >= 180 ? 0.6 : 0.1)),
      [],
      { countLike: true },
    );
    assert.ok(a, 'analysed');
    assert.ok((a?.excessEvents ?? 0) < 20, 'a handful of events');
    assert.ok((a?.pValue ?? 0) >= Math.min(1, 2 * (1 - normalCdf(Math.abs(a?.z ?? 0)))) - 1e-12);
  });

  test('too few points for a baseline and an onset: no analysis', () => {
    assert.equal(
      analyzeShift(
        series(0, 8, () => 1),
        [],
      ),
      undefined,
    );
  });
});

describe('breadth across tenants', () => {
  const onsetMs = Date.parse(at(180));
  const tenant = (affected: boolean, mean: number, r: ReturnType<typeof rng>) =>
    series(15, 195, (m) => r.poisson(m >= 180 && affected ? mean * 5 : mean));

  test('one tenant far off its baseline is confirmed; healthy tenants are not', () => {
    const r = rng(11);
    const tests = [tenant(true, 2, r), ...Array.from({ length: 199 }, () => tenant(false, 2, r))].map((s) =>
      tenantShifted(s, onsetMs, 1, { countLike: true, alpha: 0.001 }),
    );
    const c = countAffected(tests);
    assert.equal(c.active, 200);
    assert.ok(c.confirmed >= 1 && c.confirmed <= 2, `confirmed ${c.confirmed}`);
    assert.equal(c.estimated, 0, 'noise alone never widens a narrow pattern');
  });

  test('a broad incident over tenants with few events each is estimated from the p-values, not missed', () => {
    const r = rng(12);
    const tests = Array.from({ length: 500 }, (_, i) => tenant(i < 450, 0.04, r)).map((s) =>
      tenantShifted(s, onsetMs, 1, { countLike: true, alpha: 0.001 }),
    );
    const c = countAffected(tests);
    assert.ok(c.confirmed < 225, `per-tenant tests lack power here (${c.confirmed} of 450 confirmed)`);
    assert.ok(c.estimated > c.confirmed, `the estimate (${c.estimated}) sees more than the confirmed (${c.confirmed})`);
    assert.ok(c.affected >= 300 && c.affected <= 470, `estimated ${c.affected} of 450 affected`);
  });
});

describe('building blocks', () => {
  test('the trend-plus-step scan finds a step and reports how many splits it tried', () => {
    const values = Array.from({ length: 60 }, (_, i) => (i >= 40 ? 10 : 0) + (i % 3));
    const s = trendShiftScan(values, 10, 3);
    assert.equal(s?.index, 40);
    assert.equal(s?.tried, 60 - 10 - 3 + 1);
  });

  test('Poisson tails match known values', () => {
    assert.ok(Math.abs(poissonUpperTail(3, 1) - 0.0803014) < 1e-6);
    assert.ok(Math.abs(poissonUpperTail(1, 2) - (1 - Math.exp(-2))) < 1e-9);
    assert.equal(poissonUpperTail(0, 5), 1);
  });
});
