/**
 * Runs one scenario end to end on this machine: DynamoDB Local, the real ASL through
 * aws-local-stepfunctions with the real handler cores, the scenario's series replayed on a simulated
 * clock, and GitHub and SNS writes to an outbox folder.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbHealthEvents } from '#adapters/dynamodb/health-events';
import { DynamoDbLineageStore } from '#adapters/dynamodb/store';
import { ensureTable } from '#adapters/dynamodb/table';
import { OutboxIssueTracker, OutboxNotifier } from '#adapters/local/outbox';
import { OutboxCodeHost } from '#adapters/local/outbox-code-host';
import { makeDeployWatch } from '#app/deploy-watch';
import { makeEscalate } from '#app/escalate';
import { liftLock, resetBudget } from '#app/human';
import { makeGithub } from '#app/issues';
import { makeLineage } from '#app/lineage-loop';
import { makeIngestAlarm } from '#app/open-lineage';
import { makeRecordCost } from '#app/record-cost';
import { makeRecordDeploy } from '#app/record-deploy';
import { makeTriage } from '#app/triage';
import { makeValidate } from '#app/validate-fix';
import { parseConfig } from '#domain/config/config';
import type { Decision } from '#domain/lineage/lineage';
import { rulesTouched, signalsToWatch } from '#domain/validation/deploy-watch';
import type { Deps, LoggerLike, ParkingLot } from '#ports/deps';
import type { EventPublisher, ProdloopEventType } from '#ports/events';
import type { Workflow } from '#ports/workflow';
import { alarmEvent, costReportedEvent, deployFinishedEvent, healthEvent } from './events.ts';
import { check, type ScenarioResult, type TimelineEntry } from './expectations.ts';
import { ReplayAlarmDirectory, ReplayLogSource, ReplayMetricSource, SimClock } from './replay.ts';
import { localDefaultConfig, type Scenario } from './scenario.ts';
import { DEPLOY_WATCH_ASL_FILE, type ExecutionRecord, LocalWorkflow } from './state-machine.ts';
import { describeChange, describeTask } from './timeline.ts';

export type { ScenarioResult, TimelineEntry } from './expectations.ts';

const quietLogger: LoggerLike = { info() {}, warn() {}, error() {} };

function mergeConfig(overrides: Record<string, unknown>) {
  const merged: Record<string, unknown> = { ...localDefaultConfig };
  for (const [k, v] of Object.entries(overrides)) {
    const base = merged[k];
    merged[k] =
      base && typeof base === 'object' && !Array.isArray(base) && v && typeof v === 'object' && !Array.isArray(v) ? { ...base, ...v } : v;
  }
  return parseConfig(merged, 'scenario configuration');
}

export interface RunOptions {
  readonly client: DynamoDBClient;
  readonly outboxRoot: string;
  readonly tableName?: string;
}

export async function runScenario(s: Scenario, options: RunOptions): Promise<ScenarioResult> {
  const config = mergeConfig(s.config);
  const tableName = options.tableName ?? `prodloop-local-${s.name}-${randomUUID().slice(0, 8)}`;
  await ensureTable(options.client, tableName);
  const outbox = join(options.outboxRoot, s.name);
  rmSync(outbox, { recursive: true, force: true });
  mkdirSync(outbox, { recursive: true });

  const start = Date.parse(s.series.start);
  const clock = new SimClock(new Date(start + (s.series.onsetMinute + s.alarm.delayMinutes) * 60_000));
  const metrics = new ReplayMetricSource(s, clock);
  const store = new DynamoDbLineageStore({ client: options.client, tableName });
  const tracker = new OutboxIssueTracker(outbox, clock);
  const notifier = new OutboxNotifier(outbox, clock);
  const timeline: TimelineEntry[] = [];
  const note = (kind: string, text: string) => timeline.push({ at: clock.now().toISOString(), kind, text });
  const published: { type: ProdloopEventType; detail: Record<string, unknown> }[] = [];
  const events: EventPublisher = {
    async publish(type, detail) {
      published.push({ type, detail });
    },
  };
  const parking: ParkingLot = {
    async park(event, reason, source) {
      mkdirSync(join(outbox, 'parked'), { recursive: true });
      writeFileSync(
        join(outbox, 'parked', `${Date.now()}-${randomUUID().slice(0, 8)}.json`),
        JSON.stringify({ source, reason, event }, null, 2),
      );
    },
  };
  const codeHost = new OutboxCodeHost(outbox, clock);
  // The lineage loop's functions steer it (resume, fail, continue in a fresh execution): bound late, once it exists.
  const loop: Required<Workflow> = {
    start: (name, input) => workflow.start(name, input),
    resume: (token, output) => workflow.resume(token, output),
    fail: (token, error, cause) => workflow.fail(token, error, cause),
  };
  const deps: Deps = {
    config,
    store,
    tracker,
    notifier,
    metrics,
    workflow: loop,
    events,
    parking,
    clock,
    logger: quietLogger,
    codeHost,
  };

  const decisions = new Map<string, Decision>();
  let awaiting: (() => void) | undefined;
  let awaitingState = '';
  const nextAwait = () => new Promise<void>((resolve) => (awaiting = resolve));
  const validate = makeValidate(deps);
  const workflow = new LocalWorkflow({
    functions: {
      triage: makeTriage({
        ...deps,
        alarms: new ReplayAlarmDirectory(s, metrics, clock),
        health: new DynamoDbHealthEvents(options.client, tableName),
        ...(s.logs.length > 0 ? { logs: new ReplayLogSource(s, metrics) } : {}),
      }),
      github: makeGithub(deps),
      lineage: makeLineage(deps),
      // The Wait before each evaluation takes no real time locally; the simulated clock moves instead.
      validate: async (event) => {
        const seconds = (event as { settings?: { validationIntervalSeconds?: number } }).settings?.validationIntervalSeconds ?? 0;
        clock.advance(seconds);
        return validate(event);
      },
      escalate: makeEscalate(deps),
    },
    onTask: (t) => describeTask(t, note, decisions),
    onAwaitToken: (_token, _execution, state) => {
      awaitingState = state;
      awaiting?.();
    },
  });
  // The deploy watch: its Wait takes no real time either; a look at a deploy the loop does not cover
  // moves the simulated clock to the look's time (a deploy before the alarm is looked at in its past).
  const watchLook = makeDeployWatch({ ...deps, workflow: loop });
  const deployWatch = new LocalWorkflow({
    definitionFile: DEPLOY_WATCH_ASL_FILE,
    name: 'prodloop-deploy-watch',
    functions: {
      ...workflow.functions,
      'deploy-watch': async (event) => {
        const e = event as {
          action?: string;
          deploy?: { at: string };
          covered?: string[];
          files?: string[];
          loop?: { evaluations: number };
          settings?: { intervalSeconds: number };
        };
        if (e.action !== 'evaluate' || !e.deploy || !e.settings || !e.loop) return watchLook(event);
        const lookAt = new Date(Date.parse(e.deploy.at) + (e.loop.evaluations + 1) * e.settings.intervalSeconds * 1000);
        const lineages = await store.listLineages();
        const watched = signalsToWatch({
          config,
          rules: rulesTouched(config, e.deploy as never, e.files ?? []),
          lineages,
          excludeLineages: e.covered ?? [],
        });
        // A validating loop moves the clock itself; the watch then looks at what has happened so far.
        if (watched.length > 0 && !lineages.some((l) => l.status === 'validating')) clock.set(lookAt);
        return makeDeployWatch({ ...deps, workflow: loop, clock: { now: () => (lookAt < clock.now() ? lookAt : clock.now()) } })(event);
      },
    },
    onTask: (t) => describeTask(t, note, decisions),
  });
  const world = { ...deps, workflow };
  const ingest = makeIngestAlarm(world);
  const recordDeploy = makeRecordDeploy({ ...world, codeHost, deployWatch });
  const recordCost = makeRecordCost({ ...world, workflow: loop });

  if (s.locks.length > 0) {
    await store.lockPaths(
      s.locks.map((l) => ({ path: l.path, lineageId: 'lin-earlier', reason: l.reason, lockedAt: new Date(start).toISOString() })),
    );
    const locked = s.locks.map((l) => l.path).join(', ');
    timeline.push({ at: new Date(start).toISOString(), kind: 'lock', text: `already quarantined: ${locked}` });
  }
  for (const [n, h] of s.health.entries()) {
    const at = metrics.atMinute(h.minute);
    await recordDeploy(healthEvent(h, at, n));
    timeline.push({ at: at.toISOString(), kind: 'health', text: `AWS Health: ${h.service} ${h.eventTypeCode} (${h.status})` });
  }
  for (const d of [...s.deploys].sort((a, b) => a.minute - b.minute)) {
    const at = metrics.atMinute(d.minute);
    codeHost.ship(
      d.id,
      (d.prs ?? d.prNumbers.map((number) => ({ number, body: '' }))).map((pr) => ({ title: `PR #${pr.number}`, ...pr })),
    );
    await recordDeploy(deployFinishedEvent({ ...d, at }));
    timeline.push({ at: at.toISOString(), kind: 'deploy', text: `${d.id} of ${d.service} shipped ${describeChange(d)}` });
    await deployWatch.settled();
  }
  timeline.push({
    at: metrics.atMinute(s.series.onsetMinute).toISOString(),
    kind: 'onset',
    text: `${s.alarm.metricName} moves to ${s.series.level}× baseline (${s.series.baseline})`,
  });

  let waitForToken = nextAwait();
  const ingested = await ingest(alarmEvent(s, clock.now()));
  note('alarm', `${s.alarm.name} → ALARM: ${ingested.outcome}${'lineageId' in ingested ? ` (lineage ${ingested.lineageId})` : ''}`);
  const executionName = ingested.outcome === 'started' ? ingested.executionName : undefined;
  let execution: ExecutionRecord | undefined = executionName ? workflow.executions.get(executionName) : undefined;
  const lineageOf = 'lineageId' in ingested ? ingested.lineageId : undefined;
  // Each iteration continues in a fresh execution of the loop: follow them (they share the lineage's name).
  const loopExecutions = () => [...workflow.executions.values()].filter((x) => lineageOf && x.name.startsWith(`${lineageOf}-`));
  if (s.storm) {
    // Every tenant's copy of the alarm, and of the problem's other alarms, at once.
    const alarms = [{ name: s.alarm.name, metricName: s.alarm.metricName }, ...s.storm.alarms];
    const events = alarms.flatMap((a) =>
      Array.from({ length: s.storm?.tenants ?? 0 }, (_, i) =>
        alarmEvent({ ...s, alarm: { ...s.alarm, ...a, dimensions: { ...s.alarm.dimensions, TenantId: `tenant-${i + 1}` } } }, clock.now()),
      ),
    );
    const counts: Record<string, number> = {};
    for (let i = 0; i < events.length; i += 100) {
      for (const o of await Promise.all(events.slice(i, i + 100).map((ev) => ingest(ev)))) counts[o.outcome] = (counts[o.outcome] ?? 0) + 1;
    }
    const summary = Object.entries(counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    note('storm', `${events.length} more alarm events (${alarms.length} alarms × ${s.storm.tenants} tenants): ${summary}`);
  }

  let fixIndex = 0;
  let humanIndex = 0;
  let status: ScenarioResult['status'] = execution ? 'SUCCEEDED' : 'NOT_STARTED';
  while (execution) {
    const settled = await Promise.race([execution.done.then(() => 'done' as const), waitForToken.then(() => 'awaiting' as const)]);
    if (settled === 'done') {
      const following = loopExecutions().at(-1);
      if (following && following !== execution) {
        execution = following;
        continue;
      }
      status = execution.status === 'FAILED' ? 'FAILED' : 'SUCCEEDED';
      break;
    }
    if (awaitingState === 'Wait for a human') {
      const h = s.humans[humanIndex++];
      if (!h) {
        note('wait', 'no human acts in this scenario: the loop stays halted, waiting for a human');
        status = 'HALTED';
        break;
      }
      clock.advance(h.afterMinutes * 60);
      waitForToken = nextAwait();
      const by = { actor: h.by, reason: h.reason, at: clock.now().toISOString() };
      const human = { store, workflow: loop, iterationCap: config.iterationCap };
      if (h.action === 'budget-reset') {
        const { lineage, resumption } = await resetBudget(human, lineageOf as string, {
          ...by,
          ...(h.budgetUsd ? { budgetUsd: h.budgetUsd } : {}),
        });
        note('human', `${h.by}: prodloop budget reset ${lineage.lineageId} --reason "${h.reason}" → ${resumption.note}`);
      } else {
        for (const path of h.path ? [h.path] : (await store.listLocks()).map((l) => l.path)) {
          const { resumptions } = await liftLock(human, path, by);
          note(
            'human',
            `${h.by}: prodloop quarantine lift '${path}' --reason "${h.reason}"${resumptions.length ? ` → ${resumptions.map((r) => r.note).join('; ')}` : ''}`,
          );
        }
      }
      continue;
    }
    const fix = s.fixes[fixIndex++];
    if (!fix) {
      note('wait', 'no further fix deploy in this scenario: the lineage stays awaiting a fix');
      status = 'WAITING';
      break;
    }
    clock.advance(fix.afterMinutes * 60);
    metrics.shipFix(metrics.minuteOf(clock.now()), fix.level);
    waitForToken = nextAwait();
    const lineage = lineageOf ? await store.getLineage(lineageOf) : undefined;
    const service = fix.service ?? lineage?.service ?? 'unknown';
    // The fix's pull requests reference the issue (or the lineage) the way a coding agent's would.
    const fill = (body: string) => body.replaceAll('{issue}', String(lineage?.issue?.number ?? 0)).replaceAll('{lineage}', lineageOf ?? '');
    const prs = (fix.prs ?? fix.prNumbers.map((number) => ({ number, body: 'Fixes #{issue}' }))).map((pr) => ({
      title: `PR #${pr.number}`,
      ...pr,
      body: fill(pr.body),
    }));
    codeHost.ship(fix.id, prs);
    if (fix.reportedCostUsd !== undefined && lineageOf) {
      const cost = await recordCost(
        costReportedEvent({ lineageId: lineageOf, amountUsd: fix.reportedCostUsd, costId: `${fix.id}:agent`, at: clock.now() }),
      );
      note(
        'cost',
        `coding agent and CI report $${fix.reportedCostUsd} for ${fix.id}${cost.outcome === 'charged' ? `: $${cost.costUsd.toFixed(2)} of $${cost.budgetUsd.toFixed(2)} spent${cost.budgetSpent ? ' — budget spent' : ''}` : ''}`,
      );
    }
    const event = deployFinishedEvent({ ...fix, service, at: clock.now() });
    const resumed: string[] = [];
    // Duplicate deliveries of one deploy event arrive at once, as EventBridge may deliver them.
    const outs = await Promise.all(Array.from({ length: fix.deliveries }, () => recordDeploy(event)));
    for (const [index, out] of outs.entries()) {
      const delivery = index + 1;
      if (out.outcome !== 'recorded') continue;
      resumed.push(...out.resumed, ...out.queued);
      note(
        'deploy',
        `${fix.deliveries > 1 ? `delivery ${delivery} of ${fix.deliveries}: ` : ''}${fix.id} of ${service} shipped ${describeChange({ ...fix, prNumbers: prs.map((p) => p.number) })}${out.resumed.length ? ` → resumes ${out.resumed.join(', ')}` : out.queued.length ? ` → kept for the next wait of ${out.queued.join(', ')}` : fix.deliveries > 1 ? ' → a duplicate: resumes nothing' : ' → references no waiting lineage: resumes nothing'}`,
      );
    }
    if (fix.lateOlder) {
      // An older deploy's event arrives late, after the newer one resumed the loop.
      codeHost.ship(fix.lateOlder.id, prs);
      const older = new Date(clock.now().getTime() - fix.lateOlder.minutesEarlier * 60_000);
      const out = await recordDeploy(deployFinishedEvent({ ...fix, id: fix.lateOlder.id, service, at: older }));
      if (out.outcome === 'recorded') {
        resumed.push(...out.resumed);
        note(
          'deploy',
          `late event: ${fix.lateOlder.id}, finished ${fix.lateOlder.minutesEarlier} min before ${fix.id}, arrives now${out.resumed.length ? ` → resumes ${out.resumed.join(', ')}` : ' → older than the deploy that resumed the loop: resumes nothing'}`,
        );
      }
    }
    if (resumed.length === 0) {
      // Nothing resumed the loop: it still waits for a fix, so the next fix (if any) ships.
      await deployWatch.settled();
      const after = lineageOf ? await store.getLineage(lineageOf) : undefined;
      if (after?.status === 'awaiting-fix' && after.taskToken) {
        awaitingState = 'Wait for fix deploy';
        waitForToken = Promise.resolve();
      }
    }
  }

  // Other executions (a storm's other lineages) run to their end or to a parked wait.
  for (let waited = 0; waited < 60_000; waited += 10) {
    const running = [...workflow.executions.values()].filter((x) => x.status === 'RUNNING').length;
    if (running <= workflow.waiting) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const lineageId = 'lineageId' in ingested ? ingested.lineageId : undefined;
  const locks = (await store.listLocks()).map((l) => l.path);
  // In a storm the problem's decision is the leading lineage's, whichever alarm opened it.
  const decision = s.storm
    ? ([...decisions.values()].find((d) => d.kind !== 'ignore') ?? (executionName ? decisions.get(executionName) : undefined))
    : executionName
      ? decisions.get(executionName)
      : undefined;
  const verdicts = timeline.filter((t) => t.kind === 'verdict').map((t) => t.text.split(':')[0] as string);
  const issuesFiled = published
    .filter((e) => e.type === 'Issue Filed')
    .map((e) => ({ number: Number(e.detail.number), kind: String(e.detail.kind), url: String(e.detail.url) }));
  const escalations = published.filter((e) => e.type === 'Escalated').map((e) => String(e.detail.reason));
  const andon = published.some((e) => e.type === 'Andon Pulled');
  const result = {
    scenario: s.name,
    description: s.description,
    ...(lineageId ? { lineageId } : {}),
    ...(executionName ? { executionName } : {}),
    status,
    ...(decision
      ? {
          decision: decision.kind,
          tier: decision.tier,
          priority: decision.priority,
          attribution: decision.attribution,
          confidence: decision.confidence,
          reasons: decision.reasons,
        }
      : { reasons: [] }),
    verdicts,
    issuesFiled,
    andon,
    locks,
    escalations,
    path: loopExecutions().flatMap((x) => x.path),
    timeline: timeline.sort((a, b) => a.at.localeCompare(b.at)),
    outbox,
    ...(decision ? { evidence: decision.evidence, ...(decision.rank ? { rank: decision.rank } : {}) } : {}),
    lineages: [...workflow.executions.keys()].filter((name) => !/-r\d+$/.test(name)).length,
    reverts: existsSync(join(outbox, 'pulls'))
      ? readdirSync(join(outbox, 'pulls')).map((file) => ({ number: Number(file.split('-', 1)[0]), file: join(outbox, 'pulls', file) }))
      : [],
    ...(lineageId ? { finalStatus: (await store.getLineage(lineageId))?.status ?? 'none' } : {}),
  };
  // Nothing is left running: executions still parked (waiting for a fix or a human) are stopped.
  await deployWatch.settled();
  await Promise.all([workflow.stopAll(), deployWatch.stopAll()]);
  return { ...result, expectations: check(s, result) };
}
