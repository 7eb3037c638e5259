/**
 * Storm bench: 10,000 alarm events (500 tenants × 20 alarms of one problem on one service) through the
 * real ingest-alarm handler against DynamoDB Local, then triage and filing for every execution started.
 *
 * Checks: zero duplicate executions (one per lineage, whatever the concurrency), zero lost events (every
 * event has an outcome, none throws), and one issue for the problem (triage folds the other alarms'
 * lineages into the leading one). Reports events per second and handler CPU per event (this process's
 * user + system CPU while ingesting, divided by the events; DynamoDB Local runs in its own process).
 *
 *   npm run bench -- --only storm [-- --tenants N --alarms N --concurrency N --json]
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDbLineageStore } from '#adapters/dynamodb/store';
import { dynamoDbClientFor, ensureTable } from '#adapters/dynamodb/table';
import { OutboxIssueTracker } from '#adapters/local/outbox';
import { makeGithub } from '#app/issues';
import { makeIngestAlarm } from '#app/open-lineage';
import { makeRecordDeploy } from '#app/record-deploy';
import { makeTriage } from '#app/triage';
import { parseConfig } from '#domain/config/config';
import type { Decision } from '#domain/lineage/lineage';
import { startDynamoDbLocal } from '../../bin/local/dynamodb-local.ts';
import { alarmEvent, deployFinishedEvent } from '../../bin/local/events.ts';
import { ReplayMetricSource, SimClock } from '../../bin/local/replay.ts';
import { localDefaultConfig, type Scenario, scenarioSchema } from '../../bin/local/scenario.ts';

const silent = { info() {}, warn() {}, error() {} };

function options() {
  const { values } = parseArgs({
    options: {
      tenants: { type: 'string', default: '500' },
      alarms: { type: 'string', default: '20' },
      concurrency: { type: 'string', default: '64' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  return { tenants: Number(values.tenants), alarms: Number(values.alarms), concurrency: Number(values.concurrency), json: values.json };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function main() {
  const o = options();
  const scenario: Scenario = scenarioSchema.parse({
    name: 'storm',
    description: 'A checkout deploy breaks every tenant; each of its 20 alarms fires for each tenant.',
    alarm: { name: 'prod-checkout-a00', namespace: 'Shop/Checkout', metricName: 'M00', dimensions: { Service: 'checkout' } },
    series: { baseline: 20, noise: 0.1, onsetMinute: 180, level: 4 },
    tenants: { active: o.tenants, affected: o.tenants },
  });
  const ddb = await startDynamoDbLocal();
  const client = dynamoDbClientFor(ddb.endpoint);
  const tableName = `bench-storm-${Date.now()}`;
  try {
    await ensureTable(client, tableName);
    const store = new DynamoDbLineageStore({ client, tableName });
    const config = parseConfig(localDefaultConfig);
    const clock = new SimClock(new Date(Date.parse(scenario.series.start) + 195 * 60_000));
    const outbox = mkdtempSync(join(tmpdir(), 'prodloop-bench-storm-'));
    // Step Functions semantics: a start with an existing name and the same input is a no-op (the same
    // execution); with a different input it is refused. An execution is created once per name.
    const starts = new Map<string, { input: string; calls: number }>();
    let conflictingStarts = 0;
    const workflow = {
      async start(name: string, input: unknown) {
        const seen = starts.get(name);
        if (!seen) starts.set(name, { input: JSON.stringify(input), calls: 1 });
        else {
          seen.calls++;
          if (seen.input !== JSON.stringify(input)) conflictingStarts++;
        }
      },
      async resume() {},
    };
    const common = { config, store, clock, logger: silent, events: { async publish() {} }, parking: { async park() {} } };
    const ingest = makeIngestAlarm({ ...common, workflow });
    await makeRecordDeploy({ ...common, workflow })(
      deployFinishedEvent({
        id: 'deploy-storm',
        service: 'checkout',
        changedPaths: ['services/checkout/api/orders.ts'],
        prNumbers: [1],
        at: new Date(Date.parse(scenario.series.start) + 171 * 60_000),
      }),
    );

    const alarms = Array.from({ length: o.alarms }, (_, a) => ({
      name: `prod-checkout-a${String(a).padStart(2, '0')}`,
      metric: `M${String(a).padStart(2, '0')}`,
    }));
    const events = alarms.flatMap((a) =>
      Array.from({ length: o.tenants }, (_, t) =>
        alarmEvent(
          {
            ...scenario,
            alarm: {
              ...scenario.alarm,
              name: a.name,
              metricName: a.metric,
              dimensions: { Service: 'checkout', TenantId: `tenant-${t + 1}` },
            },
          },
          clock.now(),
        ),
      ),
    );
    // Interleave alarms and tenants, as a storm arrives.
    events.sort((x, y) => String(x.id).localeCompare(String(y.id)));

    const outcomes: Record<string, number> = {};
    const latencies: number[] = [];
    let errors = 0;
    let next = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: o.concurrency }, async () => {
        while (next < events.length) {
          const event = events[next++];
          const s = performance.now();
          try {
            const r = await ingest(event);
            outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
          } catch {
            errors++;
          }
          latencies.push(performance.now() - s);
        }
      }),
    );
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const accounted = Object.values(outcomes).reduce((a, b) => a + b, 0);

    // Every started execution triages; the one that leads files the problem's issue.
    const tracker = new OutboxIssueTracker(outbox, clock);
    const triage = makeTriage({ config, store, clock, logger: silent, metrics: new ReplayMetricSource(scenario, clock) });
    const github = makeGithub({ ...common, tracker } as never);
    const lineages = await store.listLineages();
    const decisions: Decision[] = await Promise.all(lineages.map((l) => triage({ lineageId: l.lineageId })));
    await Promise.all(
      decisions.map((d, i) => {
        const lineageId = lineages[i]?.lineageId as string;
        if (d.kind === 'actionable') return github({ action: 'file', lineageId, decision: d });
        if (d.kind === 'observation') return github({ action: 'observe', lineageId, decision: d });
        return Promise.resolve();
      }),
    );
    const issues = readdirSync(join(outbox, 'issues')).length;
    // A duplicate execution: a lineage with more than one execution, or a start that would have made a second one.
    const executionsPerLineage = new Map<string, number>();
    for (const name of starts.keys()) {
      const lineageId = name.replace(/-g\d+$/, '');
      executionsPerLineage.set(lineageId, (executionsPerLineage.get(lineageId) ?? 0) + 1);
    }
    const duplicateStarts = [...executionsPerLineage.values()].filter((n) => n > 1).length + conflictingStarts;
    const startCalls = [...starts.values()].reduce((sum, x) => sum + x.calls, 0);
    latencies.sort((a, b) => a - b);
    const report = {
      events: events.length,
      tenants: o.tenants,
      alarms: o.alarms,
      concurrency: o.concurrency,
      wallMs: Math.round(wallMs),
      eventsPerSecond: Math.round((events.length / wallMs) * 1000),
      cpuMicrosPerEvent: Math.round((cpu.user + cpu.system) / events.length),
      ingestLatencyMs: { p50: Number(percentile(latencies, 50).toFixed(1)), p99: Number(percentile(latencies, 99).toFixed(1)) },
      outcomes,
      lostEvents: events.length - accounted,
      errors,
      lineages: lineages.length,
      executionsStarted: starts.size,
      startCalls,
      duplicateExecutions: duplicateStarts,
      decisions: decisions.reduce<Record<string, number>>((c, d) => {
        c[d.kind] = (c[d.kind] ?? 0) + 1;
        return c;
      }, {}),
      issuesFiled: issues,
    };
    const ok = report.lostEvents === 0 && errors === 0 && duplicateStarts === 0 && issues === 1 && starts.size === lineages.length;
    if (o.json) process.stdout.write(`${JSON.stringify({ ...report, ok }, null, 2)}\n`);
    else {
      process.stdout.write(
        `${[
          `${report.events} alarm events (${o.tenants} tenants × ${o.alarms} alarms), ${o.concurrency} in flight, DynamoDB Local`,
          `throughput: ${report.eventsPerSecond} events/s (${report.wallMs} ms); handler CPU ${report.cpuMicrosPerEvent} µs/event; ingest latency p50 ${report.ingestLatencyMs.p50} ms, p99 ${report.ingestLatencyMs.p99} ms`,
          `outcomes: ${Object.entries(outcomes)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}; lost ${report.lostEvents}; errors ${errors}`,
          `lineages ${report.lineages}, executions ${report.executionsStarted} (${startCalls} StartExecution calls, the repeats idempotent by name), duplicate executions ${duplicateStarts}`,
          `triage: ${Object.entries(report.decisions)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}; issues filed ${issues}`,
          ok ? 'storm handled: no duplicate execution or issue, no lost event' : 'STORM CHECK FAILED',
        ].join('\n')}\n`,
      );
    }
    if (!ok) process.exitCode = 1;
  } finally {
    client.destroy();
    await ddb.stop();
  }
}

await main();
