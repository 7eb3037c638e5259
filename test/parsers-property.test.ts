/**
 * Every parser, on inputs nobody wrote by hand: arbitrary JSON, and real events with one field
 * replaced, removed or nested deeper at random. What must hold for every input: no throw, an answer
 * (accepted, ignored, rejected) with a reason for every rejection, and nothing accepted that a store
 * or a queue would refuse later (an empty name, a name over CloudWatch's length, an item far too large).
 * 10,000 cases per parser and input kind, on fixed seeds so a run is reproducible.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, test } from 'vitest';
import { parseAlarmEvent } from '#domain/signals/alarm';
import { parseCostEvent } from '#domain/signals/cost';
import { parseDeployEvent } from '#domain/signals/deploy';
import { parseGithubEvent } from '#domain/signals/github-event';
import { parseHealthEvent } from '#domain/signals/health';
import { parseEvent } from '#domain/signals/parse-event';
import type { ParseResult } from '#domain/signals/signals';
import { costReportedEvent, deployFinishedEvent } from '../bin/local/events.ts';
import { needRealData, type RealFolder, readReal } from './support/real-data.ts';

const RUNS = 10_000;
const realData = needRealData('cloudwatch-alarms', 'deploy-events', 'github-webhooks');
const real = (folder: RealFolder, file: string): unknown => (realData.skip ? {} : JSON.parse(readReal(folder, file)));

/** What a store or a queue would refuse, looked for in an accepted signal. */
function breaksALimit(signal: unknown): string | undefined {
  const json = JSON.stringify(signal);
  if (Buffer.byteLength(json) > 300 * 1024) return `a signal of ${Buffer.byteLength(json)} bytes`;
  let found: string | undefined;
  JSON.parse(json, (key, value) => {
    if (key === '' || found) return value;
    if (typeof value === 'string' && /^(alarmName|metricName|namespace|service|deployId)$/.test(key)) {
      if (value.trim() === '') found = `a blank ${key}`;
      else if (value.length > 512) found = `a ${key} of ${value.length} characters`;
    }
    if (
      value &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      key === 'dimensions' &&
      Object.keys(value).some((k) => k.trim() === '')
    )
      found = 'an empty dimension name';
    return value;
  });
  return found;
}

function holds(result: ParseResult<unknown>): void {
  assert.ok(['accepted', 'ignored', 'rejected'].includes(result.outcome), `an outcome: ${JSON.stringify(result).slice(0, 200)}`);
  if (result.outcome === 'accepted') {
    const broken = breaksALimit(result.signal);
    assert.equal(broken, undefined, `accepted ${broken}`);
  } else assert.ok(result.reason.trim().length > 0, 'a rejection says why');
}

/** A real event with one value somewhere in it replaced, removed, or wrapped in more nesting. */
function mutated(base: unknown): fc.Arbitrary<unknown> {
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (v && typeof v === 'object') for (const [k, c] of Object.entries(v)) walk(c, [...path, Array.isArray(v) ? Number(k) : k]);
  };
  walk(base, []);
  const odd = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.constantFrom('', ' ', '\u0000', '\uD83D', 'x'.repeat(300_000), '9999-12-31T23:59:59Z', '0001-01-01T00:00:00Z', -1, 1e308, null),
  );
  return fc.tuple(fc.constantFrom(...paths), fc.constantFrom('replace', 'remove', 'nest'), odd).map(([path, how, value]) => {
    const copy = structuredClone(base) as Record<string | number, unknown>;
    if (path.length === 0) return how === 'nest' ? { detail: copy } : value;
    let at: Record<string | number, unknown> = copy;
    for (const p of path.slice(0, -1)) at = at[p] as Record<string | number, unknown>;
    const last = path[path.length - 1] as string | number;
    if (how === 'remove') delete at[last];
    else if (how === 'nest') at[last] = { value: at[last] };
    else at[last] = value;
    return copy;
  });
}

const parsers: [string, (raw: unknown) => ParseResult<unknown>, () => unknown[]][] = [
  [
    'alarm',
    (raw) => parseAlarmEvent(raw, { tenantDimension: 'TenantId' }),
    () => [
      real('cloudwatch-alarms', 'awsdocs-cwug_cloudwatch-and-eventbridge__state-change-for-a-metric-math-alarm.json'),
      real('cloudwatch-alarms', 'rustlambda_example-cloudwatch-alarm-sns-payload-single-metric.json'),
    ],
  ],
  [
    'deploy',
    parseDeployEvent,
    () => [
      real('deploy-events', 'rustlambda_example-codedeploy-deployment-event.json'),
      real('deploy-events', 'awsdocs-ecsdg_ecs_cwe_events__example-service-deployment-completed-event.json'),
      deployFinishedEvent({ id: 'd-1', service: 'checkout', changedPaths: ['a.ts'], prNumbers: [1], at: new Date('2026-03-02T09:00:00Z') }),
    ],
  ],
  ['health', parseHealthEvent, () => []],
  [
    'cost',
    parseCostEvent,
    () => [costReportedEvent({ lineageId: 'lin-0123456789abcdef', amountUsd: 2, costId: 'c-1', at: new Date('2026-03-02T09:00:00Z') })],
  ],
  ['GitHub', (raw) => parseGithubEvent(raw, 'pull_request'), () => [real('github-webhooks', 'octokit_pull_request__opened.payload.json')]],
  ['any event', (raw) => parseEvent(raw, { tenantDimension: 'TenantId' }), () => []],
];

describe('every parser on arbitrary JSON', () => {
  parsers.forEach(([name, parse], i) => {
    test(`the ${name} parser answers every JSON value without throwing, with a reason for each rejection`, () => {
      fc.assert(
        fc.property(fc.jsonValue({ maxDepth: 6 }), (raw) => holds(parse(raw))),
        { numRuns: RUNS, seed: 1_000 + i },
      );
    });
  });
});

describe.skipIf(realData.skip)('every parser on real events with one field gone wrong', () => {
  parsers.forEach(([name, parse, bases], i) => {
    const events = bases();
    if (events.length === 0) return;
    test(`the ${name} parser holds on ${RUNS} mutations of ${events.length} real events`, () => {
      fc.assert(
        fc.property(fc.oneof(...events.map(mutated)), (raw) => holds(parse(raw))),
        { numRuns: RUNS, seed: 2_000 + i },
      );
    });
  });
});
