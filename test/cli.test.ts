/** The prodloop command as a user runs it: parse-event on real and malformed files, local's refusals, status. `local --json` runs in cli-local.test.ts. */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'vitest';
import type { Lineage } from '#domain/lineage/lineage';
import { main } from '../bin/cli.ts';
import { renderStatus } from '../bin/local/render.ts';
import { needRealData, realPath } from './support/real-data.ts';
import { sampleLineage } from './support/samples.ts';

const root = join(import.meta.dirname, '..');
const fixtures = join(root, 'test', 'fixtures');
const realData = needRealData('cloudwatch-alarms', 'github-webhooks');

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    argv,
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('prodloop parse-event', () => {
  test.skipIf(realData.skip)('a real metric math alarm prints its normalized signal', async () => {
    const file = realPath('cloudwatch-alarms', 'awsdocs-cwug_cloudwatch-and-eventbridge__state-change-for-a-metric-math-alarm.json');
    const r = await run(['parse-event', file]);
    assert.equal(r.code, 0);
    const signal = JSON.parse(r.out);
    assert.equal(signal.kind, 'alarm');
    assert.equal(signal.variant, 'metric-math');
  });

  test('every malformed file exits 2 with one line saying why', async () => {
    for (const f of readdirSync(join(fixtures, 'malformed')).filter((x) => x.endsWith('.json'))) {
      const r = await run(['parse-event', join(fixtures, 'malformed', f)]);
      assert.equal(r.code, 2, f);
      assert.match(r.err, /^rejected: \S/, f);
      assert.equal(r.err.split('\n').length, 1, f);
    }
  });

  test.skipIf(realData.skip)('a GitHub webhook is parsed when its event name is given', async () => {
    const r = await run(['parse-event', realPath('github-webhooks', 'octokit_issues__opened.payload.json'), '--github-event', 'issues']);
    assert.equal(r.code, 0);
    assert.equal(JSON.parse(r.out).kind, 'github');
  });

  test('an unknown command prints the usage and exits 2', async () => {
    const r = await run(['frobnicate']);
    assert.equal(r.code, 2);
    assert.match(r.err, /usage: prodloop/);
  });
});

describe('prodloop local', () => {
  test('a scenario file that is not valid is refused with the problems listed', async () => {
    const r = await run(['local', '--scenario', join(fixtures, 'malformed', 'not-an-object.json')]);
    assert.equal(r.code, 1);
    assert.match(r.err, /not a valid scenario/);
  });
});

describe('prodloop status', () => {
  const halted = (overrides: Partial<Lineage>) =>
    sampleLineage({
      status: 'halted',
      updatedAt: '2026-11-22T16:00:00.000Z',
      iterations: 1,
      costUsd: 21,
      budgetUsd: 20,
      version: 4,
      ...overrides,
    });
  const haltedAt = (lineageId: string, reason: string) =>
    new Map([[lineageId, { lineageId, at: '2026-11-22T16:00:00.000Z', actor: 'prodloop', action: 'loop-halted', detail: { reason } }]]);

  test('a loop halted by its budget says what it spent and the reset command for the same table', () => {
    const text = renderStatus('prodloop-lineages', [halted({ haltReason: 'budget-spent' })], [], [], {
      tableArgs: '--table prodloop-lineages',
      iterationCap: 3,
      haltEvents: haltedAt('lin-checkout-5xx', 'budget-spent'),
    });
    assert.match(text, /why: cost budget spent since 2026-11-22T16:00:00.000Z: \$21.00 of \$20.00/);
    assert.match(text, /next: npx prodloop budget reset lin-checkout-5xx --reason "\.\.\." --table prodloop-lineages/);
  });

  test('a loop halted at the iteration cap names the cap', () => {
    const text = renderStatus('t', [halted({ haltReason: 'iteration-cap', iterations: 3, costUsd: 4 })], [], [], {
      tableArgs: '--table t',
      iterationCap: 3,
      haltEvents: new Map(),
    });
    assert.match(text, /why: iteration cap: 3 iterations without improvement \(cap 3\)/);
    assert.match(text, /next: npx prodloop budget reset lin-checkout-5xx/);
  });

  test('a loop halted by the andon cord names the lock on its code path, the deploy, and how to lift it', () => {
    const lock = {
      path: "services/checkout/it's/**",
      lineageId: 'deploy:d-42',
      deployId: 'd-42',
      reason: 'deploy d-42 made checkout-5xx-rate worse',
      lockedAt: '2026-11-22T16:00:00.000Z',
    };
    const text = renderStatus('t', [halted({ haltReason: 'andon', codePaths: ["services/checkout/it's/**"] })], [lock], [], {
      tableArgs: '--table t',
      iterationCap: 3,
      haltEvents: new Map(),
    });
    assert.match(text, /why: andon cord pulled: services\/checkout\/it's\/\*\* quarantined after deploy d-42: deploy d-42 made/);
    assert.match(text, /next: npx prodloop quarantine lift 'services\/checkout\/it'\\''s\/\*\*' --reason "\.\.\." --table t/);
  });

  test('a loop that is not halted gets no why or next line', () => {
    const text = renderStatus('t', [halted({ status: 'awaiting-fix' })], [], [], { tableArgs: '', iterationCap: 3, haltEvents: new Map() });
    assert.doesNotMatch(text, /why:|next:/);
  });
});
