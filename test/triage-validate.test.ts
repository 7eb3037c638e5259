/** The pure cores of triage and validation, on series built in the test. */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import type { Lineage, RecordedDeploy } from '#domain/lineage/lineage';
import { matchesAnyPath, patternsOverlap } from '#domain/shared/glob';
import { changePoint } from '#domain/shared/stats';
import type { Point } from '#domain/signals/series';
import { decide } from '#domain/triage/decide';
import { evaluate } from '#domain/validation/validate';
import { triagingLineage } from './support/samples.ts';

const t0 = Date.parse('2026-03-02T06:00:00Z');
const at = (minute: number) => new Date(t0 + minute * 60_000).toISOString();
/** Deterministic wobble of ±5% around a level. */
const series = (from: number, to: number, level: (m: number) => number): Point[] =>
  Array.from({ length: to - from }, (_, i) => ({ at: at(from + i), value: level(from + i) * (1 + 0.05 * Math.sin((from + i) * 1.7)) }));

const lineage: Lineage = triagingLineage({ lineageId: 'lin-0000000000000001', alarmName: 'prod-checkout-5xx', at: at(195), metrics: [] });
const deploy = (minute: number, paths: string[], deps: RecordedDeploy['dependencyChanges'] = []): RecordedDeploy => ({
  kind: 'deploy',
  source: 'custom',
  deployId: `d-${minute}`,
  service: 'checkout',
  status: 'succeeded',
  at: at(minute),
  prNumbers: [],
  changedPaths: paths,
  dependencyChanges: deps,
  recordedAt: at(minute),
});
const thresholds = { minDurationMinutes: 10, minBreadth: 0.05, minSignalToNoise: 3, deployLookbackMinutes: 120 };
const incident = series(15, 195, (m) => (m >= 180 ? 80 : 20));
const base = {
  lineage,
  rule: undefined,
  points: incident,
  tenants: { active: 200, affected: 80 },
  locks: [],
  config: { thresholds },
  now: new Date(at(195)),
};

describe('triage', () => {
  test('the onset is found by change point, not taken from the alarm time', () => {
    const cp = changePoint(incident);
    assert.equal(incident[cp?.index ?? 0]?.at, at(180));
    const d = decide({ ...base, deploys: [] });
    assert.equal(d.evidence.onset, at(180));
    assert.equal(Math.round(d.evidence.durationMinutes), 15);
  });

  test('a deploy touching the code paths just before the onset makes the issue actionable', () => {
    const d = decide({ ...base, deploys: [deploy(170, ['services/checkout/cart.ts'])] });
    assert.equal(d.kind, 'actionable');
    assert.equal(d.attribution, 'platform-deploy');
    assert.equal(d.evidence.suspectDeploys[0]?.deployId, 'd-170');
  });

  test('a dependency bump with no code path change is attributed to the dependency', () => {
    const d = decide({ ...base, deploys: [deploy(175, ['package-lock.json'], [{ name: 'pg', from: '8.11.0', to: '8.12.0' }])] });
    assert.equal(d.kind, 'actionable');
    assert.equal(d.attribution, 'dependency-change');
  });

  test('one tenant of two hundred is an observation pointing at user configuration', () => {
    const d = decide({ ...base, tenants: { active: 200, affected: 1 }, deploys: [deploy(170, ['services/checkout/cart.ts'])] });
    assert.equal(d.kind, 'observation');
    assert.ok(d.evidence.candidates.some((c) => c.cause === 'user-configuration'));
  });

  test('a quarantined code path never gets a code-ready issue', () => {
    const d = decide({
      ...base,
      deploys: [deploy(170, ['services/checkout/cart.ts'])],
      locks: [{ path: 'services/checkout/**', lineageId: 'lin-x', reason: 'andon', lockedAt: at(0) }],
    });
    assert.equal(d.kind, 'observation');
    assert.deepEqual(d.evidence.quarantinedPaths, ['services/checkout/**']);
  });

  test('noise without a shift is ignored', () => {
    const d = decide({ ...base, points: series(15, 195, () => 20), deploys: [deploy(170, ['services/checkout/cart.ts'])] });
    assert.equal(d.kind, 'ignore');
  });

  test('a broad incident on most tenants is Tier 2 and P0', () => {
    const d = decide({ ...base, tenants: { active: 200, affected: 150 }, deploys: [deploy(170, ['services/checkout/cart.ts'])] });
    assert.equal(d.tier, 2);
    assert.equal(d.priority, 'P0');
  });

  test('globs and concrete paths intersect only when they overlap', () => {
    assert.ok(matchesAnyPath(['services/checkout/**'], ['services/checkout/cart.ts']));
    assert.ok(!matchesAnyPath(['services/checkout/**'], ['services/search/index.ts']));
    assert.ok(patternsOverlap(['services/checkout/**'], ['services/checkout/*.ts']));
  });
});

describe('validation', () => {
  const evidence = decide({ ...base, deploys: [] }).evidence;
  const settings = { validationIntervalSeconds: 300, recoveredEvaluations: 3, maxEvaluations: 6, minPoints: 3 };
  const pre = series(225, 255, () => 80);
  const loop = { evaluations: 0, recoveredStreak: 0 };

  test('recovery is declared only after three consecutive recovered evaluations', () => {
    const post = series(255, 260, () => 20);
    let l = loop;
    const outcomes = [];
    for (let i = 0; i < 3; i++) {
      const e = evaluate({ evidence, post, preDeploy: pre, loop: l, settings, now: new Date(at(260 + i * 5)) });
      outcomes.push(e.outcome);
      l = e.loop;
    }
    assert.deepEqual(outcomes, ['pending', 'pending', 'recovered']);
  });

  test('worse is declared on the first significant look', () => {
    const e = evaluate({ evidence, post: series(255, 260, () => 160), preDeploy: pre, loop, settings, now: new Date(at(260)) });
    assert.equal(e.outcome, 'worse');
  });

  test('a signal still at the incident level is unchanged, not recovered', () => {
    const e = evaluate({
      evidence,
      post: series(255, 270, () => 80),
      preDeploy: pre,
      loop: { evaluations: 2, recoveredStreak: 0 },
      settings,
      now: new Date(at(270)),
    });
    assert.equal(e.outcome, 'unchanged');
  });

  test('too little traffic stays pending, then becomes inconclusive at the deadline instead of success', () => {
    const few = series(255, 257, () => 20);
    assert.equal(evaluate({ evidence, post: few, preDeploy: pre, loop, settings, now: new Date(at(257)) }).outcome, 'pending');
    const last = evaluate({
      evidence,
      post: few,
      preDeploy: pre,
      loop: { evaluations: 5, recoveredStreak: 0 },
      settings,
      now: new Date(at(290)),
    });
    assert.equal(last.outcome, 'inconclusive');
  });
});
