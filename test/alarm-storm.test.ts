/** A storm of alarms for one problem becomes one lineage, one execution and one issue. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'vitest';
import { OutboxIssueTracker, OutboxNotifier } from '#adapters/local/outbox';
import { makeGithub } from '#app/issues';
import { makeLineage } from '#app/lineage-loop';
import { makeIngestAlarm } from '#app/open-lineage';
import { makeTriage } from '#app/triage';
import { parseConfig } from '#domain/config/config';
import type { Deps } from '#ports/deps';
import { alarmEvent } from '../bin/local/events.ts';
import { ReplayMetricSource, SimClock } from '../bin/local/replay.ts';
import { loadScenario, localDefaultConfig } from '../bin/local/scenario.ts';
import { LocalWorkflow } from '../bin/local/state-machine.ts';
import { testStore } from './support/dynamodb.ts';

const silent = { info() {}, warn() {}, error() {} };

test('fifty concurrent ALARM events for one lineage start one execution and file one issue', async () => {
  const { store, client } = await testStore();
  const scenario = loadScenario(join(import.meta.dirname, '..', 'scenarios', 'fix-works.json'));
  const clock = new SimClock(new Date(Date.parse(scenario.series.start) + 195 * 60_000));
  const outbox = mkdtempSync(join(tmpdir(), 'prodloop-storm-'));
  const config = parseConfig(localDefaultConfig);
  const parked: string[] = [];
  const deps: Deps = {
    config,
    store,
    clock,
    logger: silent,
    tracker: new OutboxIssueTracker(outbox),
    notifier: new OutboxNotifier(outbox),
    metrics: new ReplayMetricSource(scenario, clock),
    events: { async publish() {} },
    parking: {
      async park(_e, reason) {
        parked.push(reason);
      },
    },
    workflow: undefined as never,
  };
  const starts: string[] = [];
  const workflow = new LocalWorkflow({
    functions: {
      triage: makeTriage(deps),
      github: makeGithub(deps),
      lineage: makeLineage(deps),
      validate: async () => ({}),
      escalate: async () => ({}),
    },
  });
  const counting = {
    start: async (name: string, input: unknown) => {
      starts.push(name);
      await workflow.start(name, input);
    },
    resume: workflow.resume.bind(workflow),
  };
  const ingest = makeIngestAlarm({ ...deps, workflow: counting });
  // Tenants of one problem: the same metric, alarm per tenant dimension value.
  const events = Array.from({ length: 50 }, (_, i) => {
    const e = alarmEvent(
      { ...scenario, alarm: { ...scenario.alarm, dimensions: { ...scenario.alarm.dimensions, TenantId: `tenant-${i}` } } },
      clock.now(),
    );
    return e;
  });
  const outcomes = await Promise.all(events.map((e) => ingest(e)));
  assert.equal(outcomes.filter((o) => o.outcome === 'started').length, 1);
  assert.equal(outcomes.filter((o) => o.outcome === 'in-flight').length, 49);
  assert.equal(new Set(outcomes.map((o) => ('lineageId' in o ? o.lineageId : ''))).size, 1, 'tenants of one metric share one lineage');
  assert.equal(workflow.executions.size, 1);
  // No deploy corroborates this storm, so the one execution files one observation and ends.
  const execution = [...workflow.executions.values()][0];
  await execution?.done;
  assert.equal(execution?.status, 'SUCCEEDED');
  assert.equal(execution?.path.at(-1), 'Observed');
  assert.equal(readdirSync(join(outbox, 'issues')).length, 1);
  assert.deepEqual(parked, []);
  client.destroy();
});
