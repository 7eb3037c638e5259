/** Attribution and the decision gates of the triage core, and priority and tier, on evidence built in the test. */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { codePathRule } from '#domain/config/config';
import type { Lineage, RecordedDeploy } from '#domain/lineage/lineage';
import type { Point, TenantSeries } from '#domain/signals/series';
import { attribute } from '#domain/triage/attribution';
import { decide, type TriageInput } from '#domain/triage/decide';
import { logEvidence } from '#domain/triage/log-evidence';
import { priorityOf, tierOf } from '#domain/triage/priority';
import { reprioritize } from '#domain/triage/reprioritize';
import { triagingLineage } from './support/samples.ts';

const t0 = Date.parse('2026-03-02T06:00:00Z');
const at = (minute: number) => new Date(t0 + minute * 60_000).toISOString();
const wobble = (m: number) => 1 + 0.05 * Math.sin(m * 1.7);
const series = (level: (m: number) => number, from = 15, to = 195): Point[] =>
  Array.from({ length: to - from }, (_, i) => ({ at: at(from + i), value: Math.round(level(from + i) * wobble(from + i)) }));
const incident = series((m) => (m >= 180 ? 80 : 20));

const lineage: Lineage = triagingLineage({
  lineageId: 'lin-0000000000000002',
  alarmName: 'prod-checkout-5xx',
  at: at(195),
  metrics: [{ id: 'm1', namespace: 'Shop/Checkout', metricName: 'Errors5xx', dimensions: {}, stat: 'Sum', periodSeconds: 60 }],
});
const deploy = (minute: number, changedPaths: string[], extra: Partial<RecordedDeploy> = {}): RecordedDeploy => ({
  kind: 'deploy',
  source: 'custom',
  deployId: `d-${minute}`,
  service: 'checkout',
  status: 'succeeded',
  at: at(minute),
  prNumbers: [7],
  changedPaths,
  dependencyChanges: [],
  recordedAt: at(minute),
  ...extra,
});
const thresholds = { minDurationMinutes: 10, minBreadth: 0.05, minSignalToNoise: 3, deployLookbackMinutes: 120 };
const errorCodes = [
  { code: 'E_CART_TOTAL', origin: 'platform' as const, codePaths: ['services/checkout/cart/**'] },
  { code: 'E_WEBHOOK_CONFIG', origin: 'user' as const, codePaths: [] },
];
const base: TriageInput = {
  lineage,
  rule: undefined,
  points: incident,
  tenants: { active: 200, affected: 80 },
  deploys: [],
  locks: [],
  config: { thresholds, triage: { errorCodes } },
  now: new Date(at(195)),
};
const logs = (messages: string[]) => ({
  query: 'fields @message',
  logGroups: ['/shop/checkout'],
  samples: messages.map((message, i) => ({ at: at(194 - i), message })),
});
const STACK = "TypeError: Cannot read properties of undefined (reading 'amount') at total (services/checkout/cart/total.ts:8:1)";

describe('attribution', () => {
  test('a deploy that changed the code the logged errors come from is the top candidate, and every cause is listed', () => {
    const d = decide({
      ...base,
      deploys: [deploy(170, ['services/checkout/cart/total.ts'])],
      logs: logs(Array.from({ length: 6 }, () => `E_CART_TOTAL ${STACK}`)),
    });
    assert.equal(d.kind, 'actionable');
    assert.equal(d.attribution, 'platform-deploy');
    assert.deepEqual(d.evidence.signalPaths, ['services/checkout/cart/**']);
    assert.deepEqual(
      new Set(d.evidence.candidates.map((c) => c.cause)),
      new Set(['platform-deploy', 'dependency-change', 'external-dependency', 'user-configuration', 'unknown']),
    );
    assert.ok(d.confidence >= 0.9, `confidence ${d.confidence}`);
    assert.match(d.evidence.hypothesis ?? '', /regression introduced by d-170/);
  });

  test('a lockfile-only deploy is a dependency change, not a code change', () => {
    const d = decide({
      ...base,
      deploys: [deploy(172, ['package-lock.json'], { dependencyChanges: [{ name: 'pg', from: '8.11.0', to: '8.12.0' }] })],
    });
    assert.equal(d.attribution, 'dependency-change');
    assert.equal(d.kind, 'actionable');
  });

  test('an AWS Health event and unrelated services alarming outweigh a coincident deploy: external, an observation', () => {
    const d = decide({
      ...base,
      rule: codePathRule.parse({ service: 'checkout', paths: ['services/checkout/**'], awsServices: ['DYNAMODB'] }),
      deploys: [deploy(160, ['services/checkout/api.ts'])],
      health: [
        {
          kind: 'health',
          service: 'DYNAMODB',
          eventTypeCode: 'AWS_DYNAMODB_OPERATIONAL_ISSUE',
          status: 'open',
          at: at(177),
          eventArn: 'arn:h',
        },
      ],
      otherAlarms: [
        { alarmName: 'prod-payments-errors', service: 'payments', since: at(182) },
        { alarmName: 'prod-search-5xx', service: 'search', since: at(183) },
      ],
    });
    assert.equal(d.attribution, 'external-dependency');
    assert.equal(d.kind, 'observation');
    assert.equal(d.tier, 2, 'several services at once is Tier 2');
  });

  test('one tenant with configuration errors in its logs is tenant configuration, never a code-ready issue', () => {
    const d = decide({
      ...base,
      tenants: { active: 200, affected: 1 },
      deploys: [deploy(170, ['services/checkout/webhooks/send.ts'])],
      logs: logs(Array.from({ length: 6 }, () => 'E_WEBHOOK_CONFIG webhook URL not configured')),
    });
    assert.equal(d.attribution, 'user-configuration');
    assert.equal(d.kind, 'observation');
  });

  test('stack traces from the changed code for one tenant: a platform bug, but too narrow to hand over', () => {
    const d = decide({
      ...base,
      tenants: { active: 200, affected: 1 },
      deploys: [deploy(170, ['services/checkout/cart/total.ts'])],
      logs: logs(Array.from({ length: 6 }, () => `E_CART_TOTAL ${STACK}`)),
    });
    assert.equal(d.attribution, 'platform-deploy');
    assert.equal(d.kind, 'observation');
    assert.ok(d.reasons.some((r) => /breadth 1\/200/.test(r)));
  });

  test('a deploy after the onset cannot have caused it', () => {
    const candidates = attribute({
      onsetMs: Date.parse(at(180)),
      deploys: [deploy(190, ['services/checkout/api.ts'])],
      codePaths: ['services/checkout/**'],
      signalPaths: [],
      narrowTenants: 3,
      health: [],
      healthServicesConfigured: false,
      otherAlarms: [],
      crossServiceAlarms: 2,
    });
    assert.equal(candidates.find((c) => c.cause === 'platform-deploy')?.confidence, 0.05);
    assert.equal(candidates[0]?.cause, 'unknown');
  });

  test('logs pointing upstream make a deploy regression an observation', () => {
    const d = decide({
      ...base,
      deploys: [deploy(170, ['services/checkout/api.ts'])],
      logs: logs(Array.from({ length: 8 }, () => 'Error: read ECONNRESET calling the tax upstream')),
    });
    assert.equal(d.kind, 'observation');
    assert.equal(d.evidence.logs?.consistentWithPlatform, false);
  });
});

describe('decision gates', () => {
  test('a handful of extra events is too thin for a code-ready issue, even after a deploy', () => {
    const few = series((m) => (m >= 180 ? 1.2 : 0.1), 15, 195).map((p) => ({ ...p, value: Math.round(p.value) }));
    const d = decide({ ...base, points: few, tenants: { active: 0, affected: 0 }, deploys: [deploy(170, ['services/checkout/api.ts'])] });
    assert.notEqual(d.kind, 'actionable');
  });

  test('a quarantined signal path (narrower than the service) blocks a code-ready issue', () => {
    const d = decide({
      ...base,
      deploys: [deploy(170, ['services/checkout/cart/total.ts'])],
      logs: logs(Array.from({ length: 6 }, () => `E_CART_TOTAL ${STACK}`)),
      locks: [{ path: 'services/checkout/cart/**', lineageId: 'lin-x', reason: 'andon', lockedAt: at(0) }],
    });
    assert.equal(d.kind, 'observation');
    assert.deepEqual(d.evidence.quarantinedPaths, ['services/checkout/cart/**']);
  });

  test('a shift small in aggregate but concentrated in one tenant is an observation, not ignored', () => {
    const tenantSeries: TenantSeries[] = Array.from({ length: 200 }, (_, i) => ({
      tenant: `[tenant:${i.toString(16).padStart(10, '0')}]`,
      points: series((m) => (i === 0 && m >= 180 ? 12 : 0.1)),
    }));
    const d = decide({ ...base, points: series((m) => (m >= 180 ? 32 : 20)), tenantSeries, deploys: [] });
    assert.equal(d.kind, 'observation');
    assert.equal(d.evidence.tenantsAffected, 1);
    assert.equal(d.evidence.tenants?.source, 'per-tenant');
  });

  test('every decision carries its statistics: model, p-values, the multiplicity it corrected for', () => {
    const d = decide({ ...base, deploys: [deploy(170, ['services/checkout/api.ts'])] });
    const s = d.evidence.statistics;
    assert.equal(s?.model, 'flat');
    assert.ok((s?.pAdjusted ?? 1) < 0.01);
    assert.ok((s?.onsetsTried ?? 0) > 100);
    assert.ok(d.rank?.priority.startsWith('P1'));
  });
});

describe('priority and tier', () => {
  test('priority follows breadth, depth and magnitude; duration or fast growth raise it one level', () => {
    assert.equal(priorityOf({ breadth: 0.75, ratio: 4, durationMinutes: 15 }).priority, 'P0');
    assert.equal(priorityOf({ breadth: 0.3, ratio: 1.3, durationMinutes: 15 }).priority, 'P1');
    assert.equal(priorityOf({ breadth: 0.06, ratio: 1.3, durationMinutes: 15 }).priority, 'P2');
    assert.equal(priorityOf({ breadth: 0.06, ratio: 1.3, durationMinutes: 180 }).priority, 'P1');
    assert.equal(priorityOf({ breadth: 0.01, ratio: 1.2, durationMinutes: 15 }).priority, 'P3');
    assert.equal(priorityOf({ depth: 0.6, ratio: 2, durationMinutes: 15 }).priority, 'P0');
    assert.equal(priorityOf({ ratio: 4, durationMinutes: 15 }).priority, 'P1', 'no breadth or depth known: never P0 on magnitude alone');
    assert.equal(priorityOf({ breadth: 0.3, ratio: 3, durationMinutes: 15, rateOfChangePerHour: 2 }).priority, 'P0');
  });

  test('tier 2 for high blast radius, broad, multi-service or architectural changes', () => {
    const t = { highBlastRadius: false, otherServices: 0, crossServiceAlarms: 2, architecturalChanges: [] };
    assert.equal(tierOf(t).tier, 1);
    assert.equal(tierOf({ ...t, highBlastRadius: true }).tier, 2);
    assert.equal(tierOf({ ...t, breadth: 0.6 }).tier, 2);
    assert.equal(tierOf({ ...t, otherServices: 2 }).tier, 2);
    assert.equal(tierOf({ ...t, architecturalChanges: ['db/migrations/1.sql'] }).tier, 2);
  });

  test('re-prioritizing from a verdict: a signal twice as bad moves up, a fading one moves down', () => {
    const d = decide({ ...base, tenants: { active: 200, affected: 30 }, deploys: [deploy(170, ['services/checkout/api.ts'])] });
    assert.equal(d.priority, 'P2');
    const verdict = {
      kind: 'unchanged' as const,
      at: at(260),
      baselineMean: 20,
      currentMean: 20 * 12,
      signalToNoise: 40,
      points: 15,
      reason: 'x',
    };
    const worse = reprioritize(d, verdict);
    assert.equal(worse.changed, true);
    assert.equal(worse.decision.priority, 'P1');
    assert.equal(worse.decision.reevaluation?.previousPriority, 'P2');
    const fading = reprioritize({ ...d, priority: 'P1' }, { ...verdict, currentMean: 24 });
    assert.equal(fading.decision.priority, 'P2');
  });
});

describe('log evidence', () => {
  test('registered codes map to code paths and origins; unregistered ones are guessed from their wording', () => {
    const e = logEvidence({
      query: 'q',
      logGroups: [],
      samples: [
        { at: at(1), message: `E_CART_TOTAL ${STACK}` },
        { at: at(2), message: 'ThrottlingException: Rate exceeded' },
        { at: at(3), message: 'all good' },
      ],
      registry: errorCodes,
      keep: 10,
    });
    const cart = e.codes.find((c) => c.code === 'E_CART_TOTAL');
    assert.deepEqual(cart?.codePaths, ['services/checkout/cart/**']);
    assert.equal(cart?.registered, true);
    assert.equal(e.codes.find((c) => c.code === 'ThrottlingException')?.origin, 'external');
    assert.deepEqual(e.origins, { platform: 1, external: 1, unknown: 1 });
  });
});
