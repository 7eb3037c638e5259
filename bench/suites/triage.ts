/**
 * Triage bench: every labeled scenario in scenarios/suite/ run end to end (DynamoDB Local, the real
 * state machine and handlers, replayed signals), scored against its label:
 *
 * - precision and recall of actionable issues (a code-ready issue is the positive class);
 * - accuracy of the decision (actionable / observation / ignore) and of the attribution;
 * - scenarios whose other expectations (issues, tier, priority) were not met.
 *
 *   npm run bench -- --only triage [-- --json] [--suite NAME] [--reseed N]
 *
 * Exits 0 once measured (a missed target is a finding); 1 when a scenario cannot be run.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { dynamoDbClientFor } from '#adapters/dynamodb/table';
import { startDynamoDbLocal } from '../../bin/local/dynamodb-local.ts';
import { runScenario, type ScenarioResult } from '../../bin/local/run.ts';
import { loadScenario, type Scenario } from '../../bin/local/scenario.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const TARGET = { precision: 0.95, recall: 0.95 };

interface Scored {
  readonly scenario: Scenario;
  readonly result: ScenarioResult;
  readonly ms: number;
}

function ratio(n: number, d: number): number {
  return d === 0 ? Number.NaN : n / d;
}

export function score(runs: readonly Scored[]) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  let decisionsRight = 0;
  let decisionsLabeled = 0;
  let attributionRight = 0;
  let attributionLabeled = 0;
  const confusion: Record<string, Record<string, number>> = {};
  const misses: { scenario: string; failures: string[] }[] = [];
  for (const { scenario: s, result: r } of runs) {
    const expected = s.expect.decision;
    const got = r.decision ?? 'none';
    if (expected) {
      decisionsLabeled++;
      if (expected === got) decisionsRight++;
      confusion[expected] ??= {};
      const row = confusion[expected];
      row[got] = (row[got] ?? 0) + 1;
      const positive = expected === 'actionable';
      const predicted = got === 'actionable';
      if (positive && predicted) tp++;
      else if (!positive && predicted) fp++;
      else if (positive && !predicted) fn++;
      else tn++;
    }
    if (s.expect.attribution) {
      attributionLabeled++;
      if (r.attribution === s.expect.attribution) attributionRight++;
    }
    if (!r.expectations.passed) misses.push({ scenario: s.name, failures: r.expectations.failures });
  }
  return {
    scenarios: runs.length,
    actionable: { tp, fp, fn, tn, precision: ratio(tp, tp + fp), recall: ratio(tp, tp + fn) },
    decisionAccuracy: ratio(decisionsRight, decisionsLabeled),
    decisionsLabeled,
    attributionAccuracy: ratio(attributionRight, attributionLabeled),
    attributionLabeled,
    confusion,
    expectationsMet: runs.length - misses.length,
    misses,
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      suite: { type: 'string', default: 'suite' },
      // Another draw of every scenario's noise: how much the figures depend on one draw.
      reseed: { type: 'string', default: '0' },
    },
    strict: true,
  });
  const dir = join(root, 'scenarios', values.suite);
  const scenarios = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => loadScenario(join(dir, f)))
    .map((s) => ({ ...s, series: { ...s.series, seed: s.series.seed + Number(values.reseed) } }));
  const ddb = await startDynamoDbLocal();
  const client = dynamoDbClientFor(ddb.endpoint);
  const outboxRoot = mkdtempSync(join(tmpdir(), 'prodloop-bench-triage-'));
  const runs: Scored[] = [];
  try {
    for (const s of scenarios) {
      const t0 = performance.now();
      const result = await runScenario(s, { client, outboxRoot });
      runs.push({ scenario: s, result, ms: performance.now() - t0 });
      process.stderr.write(`${result.expectations.passed ? '✔' : '✘'} ${s.name} (${Math.round(performance.now() - t0)} ms)\n`);
    }
  } finally {
    client.destroy();
    await ddb.stop();
  }
  const report = score(runs);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ ...report, target: TARGET, outboxRoot }, null, 2)}\n`);
    return;
  }
  const f = (x: number) => (Number.isNaN(x) ? 'n/a' : x.toFixed(3));
  const a = report.actionable;
  const lines = [
    `scenarios: ${report.scenarios} (scenarios/${values.suite}/${values.reseed !== '0' ? `, noise reseeded +${values.reseed}` : ''}), expectations met: ${report.expectationsMet}`,
    `actionable issues: precision ${f(a.precision)}, recall ${f(a.recall)} (target ≥ ${TARGET.precision} and ≥ ${TARGET.recall}); TP ${a.tp}, FP ${a.fp}, FN ${a.fn}, TN ${a.tn}`,
    `decision accuracy: ${f(report.decisionAccuracy)} over ${report.decisionsLabeled} labeled`,
    `attribution accuracy: ${f(report.attributionAccuracy)} over ${report.attributionLabeled} labeled`,
    'confusion (label → decision):',
    ...Object.entries(report.confusion).map(
      ([label, row]) =>
        `  ${label.padEnd(12)} ${Object.entries(row)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ')}`,
    ),
    `mean time per scenario: ${Math.round(runs.reduce((s, r) => s + r.ms, 0) / Math.max(runs.length, 1))} ms`,
  ];
  if (report.misses.length > 0) {
    lines.push('scenarios whose expectations were not met:');
    for (const m of report.misses) lines.push(`  ${m.scenario}: ${m.failures.join('; ')}`);
  }
  const missed = a.precision < TARGET.precision || a.recall < TARGET.recall;
  lines.push(missed ? 'TARGET MISSED' : 'target met');
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
