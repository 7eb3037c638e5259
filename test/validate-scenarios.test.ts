/**
 * Validation end to end: the bundled scenarios that prove it, run through the real state machine
 * (statemachines/lineage.asl.json by aws-local-stepfunctions) with the real handlers against
 * DynamoDB Local, as `npx prodloop local` runs them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, test } from 'vitest';
import { dynamoDbClientFor } from '#adapters/dynamodb/table';
import { runScenario } from '../bin/local/run.ts';
import { loadScenario, type Scenario } from '../bin/local/scenario.ts';
import { dynamoDbLocalEndpoint } from './support/dynamodb.ts';

const client = dynamoDbClientFor(dynamoDbLocalEndpoint());
const outboxRoot = mkdtempSync(join(tmpdir(), 'prodloop-validate-'));
afterAll(() => client.destroy());

const bundled = (name: string): Scenario => loadScenario(join(import.meta.dirname, '..', 'scenarios', `${name}.json`));

describe('validation scenarios', () => {
  test('a falling trend is not credited to a fix that does nothing: the error count is back at its morning level, the rate per request is not, and the fix is unchanged', async () => {
    const s = bundled('falling-trend-not-credited');
    const r = await runScenario(s, { client, outboxRoot });
    assert.deepEqual(r.verdicts, ['unchanged']);
    assert.ok(!r.path.includes('Close issue'), 'the issue stays open');
    const verdict = r.timeline.find((t) => t.kind === 'verdict')?.text ?? '';
    assert.match(verdict, /error rate \(events per request\) is still [12]\.\d\d× the trend-adjusted baseline/);
    // What a point-in-time comparison sees: as many errors a minute after the fix as in the morning.
    const fixMinute = s.series.onsetMinute + s.alarm.delayMinutes + (s.fixes[0]?.afterMinutes ?? 0);
    const expected = (m: number) => s.series.baseline * (1 + (s.series.trendPerHour * m) / 60);
    assert.ok(expected(fixMinute) * s.series.level <= expected(0) * 1.05, 'the scenario must fool a snapshot comparison');
  });

  test('too little traffic to confirm a working fix: each look says how long it would take, and on-call is paged for insufficient traffic at the deadline instead of the issue being closed', async () => {
    const r = await runScenario(bundled('low-traffic-inconclusive'), { client, outboxRoot });
    assert.deepEqual(r.verdicts, ['inconclusive']);
    assert.deepEqual(r.escalations, ['inconclusive']);
    assert.ok(!r.path.includes('Close issue'), 'success is never declared without the evidence');
    const looks = r.timeline.filter((t) => t.kind === 'look');
    assert.ok(looks.length >= 20, `${looks.length} looks before the deadline`);
    assert.match(looks[0]?.text ?? '', /insufficient traffic: at [\d.]+ requests\/min even a full recovery needs about \d+ h/);
    assert.match(r.timeline.find((t) => t.kind === 'verdict')?.text ?? '', /^inconclusive: insufficient traffic/);
    const pages = readdirSync(join(r.outbox, 'escalations'));
    assert.equal(pages.length, 1);
    assert.match(readFileSync(join(r.outbox, 'escalations', pages[0] as string), 'utf8'), /insufficient traffic/);
  });
});
