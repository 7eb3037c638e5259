/**
 * The friction workflow's handlers, run in the order the state machine runs them, against S3 and
 * Bedrock mocked at the SDK client boundary. The Distributed Map itself (listing the day's objects and
 * batching them) is done here the way its ItemReader and ItemBatcher do it; test/friction-workflow.test.ts
 * runs the definition itself.
 *
 * It stays one file over 400 lines: the daily run and the model judge share the fake S3 and the
 * Distributed Map stand-in built at the top.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateModelInvocationJobCommand, GetModelInvocationJobCommand } from '@aws-sdk/client-bedrock';
import { InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand } from '@aws-sdk/client-s3';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, test } from 'vitest';
import type { IssueDraft } from '#domain/issue/messages';
import { lineageIdFor } from '#domain/lineage/fingerprint';
import type { IssueRef, Lineage } from '#domain/lineage/lineage';
import { parseAlarmEvent } from '#domain/signals/alarm';
import { BedrockBatchJobs, BedrockModelInvoker } from '#friction/adapters/bedrock';
import { frictionEnv } from '#friction/adapters/env';
import { S3ObjectStore } from '#friction/adapters/s3';
import { makeAnalyze } from '#friction/app/analyze';
import { makeJudge } from '#friction/app/judge';
import { makePlan } from '#friction/app/plan';
import { DISCOVERY_LABELS, makeReport } from '#friction/app/report';
import { dayPartial, daySummary } from '#friction/domain/aggregate';
import { FRICTION_KINDS, type FrictionKind, frictionSettings } from '#friction/domain/config';
import { frictionAlarmName, frictionLineageId, planRun, runKeys } from '#friction/domain/run';
import type { LoggerLike } from '#ports/deps';
import type { IssueTracker } from '#ports/issues';
import { needRealData, readReal, realFiles } from './support/real-data.ts';

const fixtures = join(import.meta.dirname, 'fixtures', 'agent-sessions');
const realData = needRealData('agent-sessions', 'cloudwatch-alarms');
const quiet: LoggerLike = { info: () => {}, warn: () => {}, error: () => {} };

/** An S3 client that keeps objects in memory and answers the three commands the adapter sends. */
function fakeS3() {
  const objects = new Map<string, string>();
  const sent: string[] = [];
  const client = {
    send: async (command: unknown) => {
      if (command instanceof GetObjectCommand) {
        sent.push(`get ${command.input.Key}`);
        const body = objects.get(command.input.Key as string);
        if (body === undefined) throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } });
        return { Body: { transformToString: async () => body } };
      }
      if (command instanceof PutObjectCommand) {
        sent.push(`put ${command.input.Key}`);
        objects.set(command.input.Key as string, String(command.input.Body));
        return {};
      }
      if (command instanceof ListObjectsV2Command) {
        const prefix = command.input.Prefix ?? '';
        const keys = [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
        // Two pages when there is more than one object, to exercise the continuation.
        const start = command.input.ContinuationToken ? Number(command.input.ContinuationToken) : 0;
        const page = keys.slice(start, start + 2);
        const next = start + 2 < keys.length ? String(start + 2) : undefined;
        return { Contents: page.map((Key) => ({ Key, Size: Buffer.byteLength(objects.get(Key) as string) })), NextContinuationToken: next };
      }
      throw new Error(`unexpected S3 command ${(command as object).constructor.name}`);
    },
  };
  return { objects, sent, client };
}

class RecordingTracker implements IssueTracker {
  readonly filed: IssueDraft[] = [];
  readonly comments: { issue: IssueRef; body: string }[] = [];
  async fileIssue(draft: IssueDraft): Promise<IssueRef> {
    this.filed.push(draft);
    return { number: this.filed.length, url: `outbox://issues/${this.filed.length}`, kind: draft.kind, shadow: true };
  }
  async comment(issue: IssueRef, body: string) {
    this.comments.push({ issue, body });
  }
  async close() {}
  async update() {}
}

const prodloop = { watchedAlarms: { namePrefixes: ['prod-'], tags: [] }, tenantDimension: 'TenantId' };
const friction = frictionSettings({ batchSize: 2 });
const DAY = '2026-03-01';

/** Puts the fixture transcripts under the day's prefix, as coding-agent hosts would upload them. */
function upload(objects: Map<string, string>) {
  for (const f of realFiles('agent-sessions')) objects.set(`transcripts/${DAY}/real/${f}`, readReal('agent-sessions', f));
  for (const f of readdirSync(join(fixtures, 'synthetic')).filter((x) => x !== 'README.md'))
    objects.set(`transcripts/${DAY}/synthetic/${f}`, readFileSync(join(fixtures, 'synthetic', f), 'utf8'));
}

/** What the Distributed Map does: list the prefix (ItemReader) and cut it into batches (ItemBatcher). */
async function mapOver(s3: ReturnType<typeof fakeS3>, prefix: string, batchSize: number) {
  const items = (await new S3ObjectStore(s3.client as never, 'bucket').list(prefix)).map((o) => ({
    Key: o.key,
    Size: o.size,
    Etag: '"x"',
  }));
  const batches = [];
  for (let i = 0; i < items.length; i += batchSize) batches.push(items.slice(i, i + batchSize));
  return batches;
}

async function runDay(options: { minSteps?: number } = {}) {
  const s3 = fakeS3();
  upload(s3.objects);
  const settings = frictionSettings({ batchSize: 2, minSteps: options.minSteps ?? 0 });
  const store = new S3ObjectStore(s3.client as never, 'friction-bucket');
  const plan = await makePlan({ friction: settings })({ input: {}, startedAt: '2026-03-02T03:00:00.123Z', executionName: 'run-1' });
  const analyze = makeAnalyze({ friction: settings, store, logger: quiet });
  const outputs = [];
  for (const items of await mapOver(s3, plan.prefix, plan.batchSize))
    outputs.push(await analyze({ items, day: plan.day, runId: plan.runId }));
  const tracker = new RecordingTracker();
  const emitted: string[] = [];
  const lineages = new Map<string, Lineage>();
  const claimed = new Set<string>();
  const report = makeReport({
    config: prodloop,
    friction: settings,
    store,
    tracker,
    lineages: {
      getLineage: async (id: string) => lineages.get(id),
      claimOnce: async (key: string) => {
        if (claimed.has(key)) return false;
        claimed.add(key);
        return true;
      },
    },
    clock: { now: () => new Date('2026-03-02T03:10:00Z') },
    logger: quiet,
    emit: (l) => emitted.push(l),
  });
  const reported = await report({ action: 'report', day: plan.day, runId: plan.runId });
  return { s3, plan, outputs, reported, report, tracker, emitted, lineages, settings };
}

describe('a daily run, handler by handler', () => {
  test('the plan analyses the previous UTC day, or the day asked for', () => {
    const plan = planRun({ input: {}, startedAt: '2026-03-02T00:30:00Z', executionName: 'abc' }, friction);
    assert.deepEqual(
      [plan.day, plan.prefix, plan.runId, plan.mapResultsPrefix],
      ['2026-03-01', 'transcripts/2026-03-01/', 'abc', 'runs/2026-03-01/abc/map/'],
    );
    assert.equal(
      planRun({ input: { day: '2025-12-24' }, startedAt: '2026-03-02T00:30:00Z', executionName: 'rerun' }, friction).day,
      '2025-12-24',
    );
    assert.throws(() => planRun({ input: { day: '24/12/2025' }, startedAt: '2026-03-02T00:30:00Z', executionName: 'x' }, friction));
  });

  test.skipIf(realData.skip)(
    'each batch writes its partial; unreadable transcripts are skipped with their reason and the batch goes on',
    async () => {
      const { s3, outputs } = await runDay();
      assert.equal(outputs.length, 7); // 13 transcripts in batches of 2
      const partials = [...s3.objects.keys()].filter((k) => k.startsWith(`runs/${DAY}/run-1/partials/`));
      assert.equal(partials.length, 7);
      const merged = partials.map((k) => dayPartial.parse(JSON.parse(s3.objects.get(k) as string)));
      assert.equal(
        merged.reduce((n, p) => n + p.transcripts, 0),
        13,
      );
      assert.equal(
        merged.reduce((n, p) => n + p.skipped, 0),
        5,
      );
      const reasons = merged.flatMap((p) => p.skippedExamples.map((e) => e.reason));
      assert.ok(reasons.some((r) => r.startsWith('corrupt transcript')));
      assert.ok(reasons.some((r) => r === 'empty transcript'));
    },
  );

  test.skipIf(realData.skip)('a retried batch writes the same keys: nothing counts twice', async () => {
    const { s3, plan, settings } = await runDay();
    const before = [...s3.objects.keys()].filter((k) => k.includes('/partials/')).sort();
    const store = new S3ObjectStore(s3.client as never, 'friction-bucket');
    const [items] = await mapOver(s3, plan.prefix, plan.batchSize);
    await makeAnalyze({ friction: settings, store, logger: quiet })({ items, day: plan.day, runId: plan.runId });
    assert.deepEqual([...s3.objects.keys()].filter((k) => k.includes('/partials/')).sort(), before);
  });

  test.skipIf(realData.skip)(
    'the report publishes the rates as EMF, writes summary, digest and chart, and files discovery for humans only',
    async () => {
      const { s3, reported, tracker, emitted } = await runDay();
      assert.equal(reported.action, 'report');
      const summary = daySummary.parse(JSON.parse(s3.objects.get(`summaries/${DAY}.json`) as string));
      assert.equal(summary.sessions, 429 + 4 + 3);
      assert.equal(summary.skipped, 5);
      assert.ok(reported.action === 'report' && reported.breached.includes('abandoned-tool-flow'));
      const docs = emitted.map((l) => JSON.parse(l));
      const rates = docs.filter((d) => d.Kind && d.FrictionRate !== undefined);
      assert.deepEqual(rates.map((d) => d.Kind).sort(), [...FRICTION_KINDS].sort());
      assert.equal(docs[0]._aws.Timestamp, Date.parse('2026-03-02T03:10:00Z'));
      assert.match(s3.objects.get(`digests/${DAY}.md`) as string, /^# Coding-agent friction, 2026-03-01$/m);
      assert.match(s3.objects.get(`digests/${DAY}.svg`) as string, /^<svg /);
      assert.equal(tracker.filed.length, 1);
      const [discovery] = tracker.filed;
      assert.equal(discovery?.kind, 'observation');
      assert.deepEqual(discovery?.labels, [...DISCOVERY_LABELS]);
      assert.ok(!((discovery?.labels ?? []) as readonly string[]).includes('agent-ready'));
      assert.equal(discovery?.lineageId, `discovery-${DAY}`);
    },
  );

  test.skipIf(realData.skip)('the report draws the chart from earlier summaries in the bucket', async () => {
    const { s3, report } = await runDay();
    const earlier = JSON.parse(s3.objects.get(`summaries/${DAY}.json`) as string);
    for (const d of ['2026-02-27', '2026-02-28', '2025-12-01'])
      s3.objects.set(
        `summaries/${d}.json`,
        JSON.stringify({ ...earlier, day: d, kinds: earlier.kinds.map((k: { rate: number }) => ({ ...k, rate: k.rate / 2 })) }),
      );
    await report({ action: 'report', day: DAY, runId: 'run-1' });
    const svg = s3.objects.get(`digests/${DAY}.svg`) as string;
    // Three days in a row in the 30-day window (two earlier plus this one), the third earlier day is too old.
    const points = /<polyline points="([^"]+)"/.exec(svg)?.[1]?.split(' ') ?? [];
    assert.equal(points.length, 3);
  });

  test.skipIf(realData.skip)("after the alarms, the day's evidence is commented once on each friction lineage's issue", async () => {
    const { report, tracker, lineages, reported, settings } = await runDay();
    assert.ok(reported.action === 'report');
    const kind = reported.breached[0] as FrictionKind;
    const lineageId = frictionLineageId(frictionAlarmName(settings, ['prod-'], kind), kind, 'TenantId');
    lineages.set(lineageId, {
      lineageId,
      issue: { number: 7, url: 'https://github.com/acme/shop/issues/7', kind: 'issue', shadow: false },
    } as unknown as Lineage);
    const first = await report({ action: 'annotate', day: DAY, runId: 'run-1' });
    assert.deepEqual(first.action === 'annotate' && first.annotated, [kind]);
    assert.equal(tracker.comments.length, 1);
    assert.equal(tracker.comments[0]?.issue.number, 7);
    assert.match(tracker.comments[0]?.body ?? '', /Frequency: \d+ of \d+ analysed sessions/);
    assert.match(tracker.comments[0]?.body ?? '', /Daily digest: s3:\/\/friction-bucket\/digests\/2026-03-01\.md/);
    const again = await report({ action: 'annotate', day: DAY, runId: 'run-1' });
    assert.equal(tracker.comments.length, 1, 'a retried annotation comments nothing new');
    assert.deepEqual(again.action === 'annotate' && again.annotated, []);
  });

  test.skipIf(realData.skip)('a kind whose alarm has not opened a lineage yet waits; the digest holds its evidence', async () => {
    const { report, reported } = await runDay();
    const out = await report({ action: 'annotate', day: DAY, runId: 'run-1' });
    assert.ok(out.action === 'annotate' && reported.action === 'report');
    assert.deepEqual(out.waiting, reported.breached);
  });

  test.skipIf(realData.skip)('the lineage a friction alarm opens is the one the run comments on (same fingerprint as ingestion)', () => {
    const fixture = JSON.parse(
      readReal('cloudwatch-alarms', 'awsdocs-cwug_cloudwatch-and-eventbridge__state-change-for-a-single-metric-alarm.json'),
    );
    for (const kind of FRICTION_KINDS) {
      const alarmName = frictionAlarmName(friction, ['prod-'], kind);
      const event = structuredClone(fixture);
      event.detail.alarmName = alarmName;
      event.resources = [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${alarmName}`];
      event.detail.configuration.metrics[0].metricStat = {
        metric: { namespace: 'Prodloop/Friction', name: 'FrictionRate', dimensions: { Kind: kind } },
        period: 86400,
        stat: 'Maximum',
      };
      const parsed = parseAlarmEvent(event, { tenantDimension: 'TenantId' });
      assert.equal(parsed.outcome, 'accepted');
      assert.ok(parsed.outcome === 'accepted');
      assert.equal(lineageIdFor(parsed.signal.fingerprint), frictionLineageId(alarmName, kind, 'TenantId'), kind);
    }
  });

  test('the definition validates as Amazon States Language, Distributed Map included', () => {
    const text = readFileSync(join(import.meta.dirname, '..', 'statemachines', 'friction.asl.json'), 'utf8')
      .replace(/\$\{(\w+)FunctionArn\}/g, (_m, n) => `arn:aws:lambda:us-east-1:123456789012:function:${n}`)
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an ASL placeholder that CDK substitutes, not a template literal
      .replaceAll('${TranscriptBucketName}', 'friction-bucket');
    const definition = JSON.parse(text);
    assert.doesNotThrow(() => new StateMachine(definition, { validationOptions: { checkPaths: true, checkArn: true } }));
    const walk = (states: Record<string, { Comment?: string; ItemProcessor?: { States: Record<string, never> } }>) => {
      for (const [name, s] of Object.entries(states)) {
        assert.ok(s.Comment && s.Comment.length > 10, `${name} has no comment`);
        if (s.ItemProcessor) walk(s.ItemProcessor.States);
      }
    };
    walk(definition.States);
  });

  test('a handler without its bucket fails its invocation with a ConfigError naming the variable', async () => {
    const saved = { ...process.env };
    try {
      process.env.PRODLOOP_CONFIG = JSON.stringify({ githubRepository: 'acme/shop', watchedAlarms: { namePrefixes: ['prod-'] } });
      delete process.env.FRICTION_BUCKET;
      const { handler } = await import('../lambdas/friction-plan/handler.ts');
      await assert.rejects(handler({ input: {}, startedAt: '2026-03-02T03:00:00Z', executionName: 'x' }), /FRICTION_BUCKET/);
      process.env.FRICTION_BUCKET = 'friction-bucket';
      assert.equal((await handler({ input: {}, startedAt: '2026-03-02T03:00:00Z', executionName: 'x' })).day, '2026-03-01');
    } finally {
      process.env = saved;
    }
  });

  test('the environment names the bucket; a missing one fails the cold start', () => {
    const config = JSON.stringify({ githubRepository: 'acme/shop', watchedAlarms: { namePrefixes: ['prod-'] }, friction: { minSteps: 5 } });
    const env = frictionEnv({ PRODLOOP_CONFIG: config, FRICTION_BUCKET: 'b-1' });
    assert.deepEqual([env.bucket, env.friction.minSteps, env.friction.judge.enabled], ['b-1', 5, false]);
    assert.throws(() => frictionEnv({ PRODLOOP_CONFIG: config }), /FRICTION_BUCKET/);
  });
});

describe('the model judge, at the Bedrock SDK boundary', () => {
  /** A runtime client that answers each InvokeModel with the next canned text. */
  function fakeRuntime(answers: string[]) {
    const calls: { modelId: string; body: Record<string, unknown> }[] = [];
    return {
      calls,
      client: {
        send: async (command: unknown) => {
          assert.ok(command instanceof InvokeModelCommand);
          calls.push({
            modelId: command.input.modelId as string,
            body: JSON.parse(new TextDecoder().decode(command.input.body as Uint8Array)),
          });
          const text = answers[(calls.length - 1) % answers.length] as string;
          return { body: new TextEncoder().encode(JSON.stringify({ content: [{ type: 'text', text }] })) };
        },
      },
    };
  }

  async function judgeDay(settings: ReturnType<typeof frictionSettings>) {
    const s3 = fakeS3();
    s3.objects.set(`transcripts/${DAY}/claude.jsonl`, readFileSync(join(fixtures, 'synthetic', 'claude-code-frustrated.jsonl'), 'utf8'));
    s3.objects.set(`transcripts/${DAY}/codex.jsonl`, readFileSync(join(fixtures, 'synthetic', 'codex-declined.jsonl'), 'utf8'));
    const store = new S3ObjectStore(s3.client as never, 'friction-bucket');
    const [items] = await mapOver(s3, `transcripts/${DAY}/`, 10);
    await makeAnalyze({ friction: settings, store, logger: quiet })({ items, day: DAY, runId: 'run-1' });
    return { s3, store };
  }

  const leaking = JSON.stringify({
    moments: [
      { kind: 'escalation-tone', severity: 'high', citation: 'The user wrote that the toggle goes in the header after being ignored.' },
      { kind: 'platform-confusion', severity: 'medium', citation: 'The user was unsure whether the assistant could view an attachment.' },
    ],
  });

  test('small days are judged by direct calls: zod-validated answers, citations repeating the user dropped and counted', async () => {
    const settings = frictionSettings({ minSteps: 0, judge: { enabled: true } });
    const { s3, store } = await judgeDay(settings);
    const records = [...s3.objects.keys()].filter((k) => k.startsWith(runKeys(DAY, 'run-1').judgeInput));
    assert.equal(records.length, 1);
    // What the model is shown: the session as events, user text sanitized, no assistant text.
    const shown = s3.objects.get(records[0] as string) as string;
    assert.doesNotMatch(shown, /The toggle is now in the header/);
    const runtime = fakeRuntime([leaking, 'Sorry, I cannot help with that.']);
    const judge = makeJudge({
      friction: settings,
      store,
      invoker: new BedrockModelInvoker(runtime.client as never, settings.judge.modelId),
      jobs: new BedrockBatchJobs({ send: async () => assert.fail('no batch job for two sessions') } as never),
      logger: quiet,
    });
    const out = await judge({ action: 'start', day: DAY, runId: 'run-1' });
    assert.deepEqual(out, { mode: 'done', judged: 2, invalid: 1, citationsDropped: 1 });
    assert.equal(runtime.calls.length, 2);
    assert.equal(runtime.calls[0]?.modelId, 'anthropic.claude-3-5-haiku-20241022-v1:0');
    assert.equal(runtime.calls[0]?.body.anthropic_version, 'bedrock-2023-05-31');
    const partial = dayPartial.parse(JSON.parse(s3.objects.get(runKeys(DAY, 'run-1').judgePartial) as string));
    assert.equal(partial.byKind['platform-confusion'].medium, 1);
    assert.equal(partial.byKind['escalation-tone'].high, 0, 'the leaking citation is gone');
    assert.deepEqual([partial.judge?.citationsDropped, partial.judge?.invalidOutputs], [1, 1]);
  });

  test('at most judge.maxRecords sessions a day go to the judge', async () => {
    const settings = frictionSettings({ minSteps: 0, judge: { enabled: true, maxRecords: 1 } });
    const { store } = await judgeDay(settings);
    const runtime = fakeRuntime(['{"moments":[]}']);
    const judge = makeJudge({
      friction: settings,
      store,
      invoker: new BedrockModelInvoker(runtime.client as never, settings.judge.modelId),
      jobs: new BedrockBatchJobs({ send: async () => assert.fail('no batch job') } as never),
      logger: quiet,
    });
    assert.deepEqual(await judge({ action: 'start', day: DAY, runId: 'run-1' }), {
      mode: 'done',
      judged: 1,
      invalid: 0,
      citationsDropped: 0,
    });
    assert.equal(runtime.calls.length, 1);
  });

  test('large days go to one batch inference job: started with the run prefix, polled, collected', async () => {
    const settings = frictionSettings({ minSteps: 0, judge: { enabled: true, minBatchRecords: 1 } });
    const { s3, store } = await judgeDay(settings);
    const sent: unknown[] = [];
    const statuses = ['InProgress', 'Completed'];
    const control = {
      send: async (command: unknown) => {
        sent.push(command);
        if (command instanceof CreateModelInvocationJobCommand)
          return { jobArn: 'arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/abc123' };
        if (command instanceof GetModelInvocationJobCommand) return { status: statuses.shift() };
        throw new Error('unexpected');
      },
    };
    const judge = makeJudge({
      friction: settings,
      store,
      invoker: { invoke: async () => assert.fail('no direct call for a batch day') },
      jobs: new BedrockBatchJobs(control as never),
      batchRoleArn: 'arn:aws:iam::123456789012:role/judge-batch',
      logger: quiet,
    });
    const started = await judge({ action: 'start', day: DAY, runId: 'run-1' });
    assert.ok(started.mode === 'batch');
    const create = sent[0] as CreateModelInvocationJobCommand;
    assert.equal(create.input.roleArn, 'arn:aws:iam::123456789012:role/judge-batch');
    assert.equal(create.input.inputDataConfig?.s3InputDataConfig?.s3Uri, `s3://friction-bucket/runs/${DAY}/run-1/judge/job/input.jsonl`);
    assert.equal(create.input.outputDataConfig?.s3OutputDataConfig?.s3Uri, `s3://friction-bucket/runs/${DAY}/run-1/judge/output/`);
    assert.match(create.input.jobName ?? '', /^prodloop-friction-2026-03-01-run-1$/);
    const input = (s3.objects.get(`runs/${DAY}/run-1/judge/job/input.jsonl`) as string)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(input.length, 2);
    for (const r of input) assert.deepEqual(Object.keys(r).sort(), ['modelInput', 'recordId']);

    const first = await judge({ action: 'poll', day: DAY, runId: 'run-1', jobArn: started.jobArn, polls: 0 });
    assert.ok(first.mode === 'batch' && !first.done && !first.failed);
    const second = await judge({ action: 'poll', day: DAY, runId: 'run-1', jobArn: started.jobArn, polls: first.polls });
    assert.ok(second.mode === 'batch' && second.done);

    // Bedrock writes <output>/<job id>/<input file>.out: one line per record.
    const out = input.map((r, i) =>
      JSON.stringify(
        i === 0
          ? { recordId: r.recordId, modelInput: r.modelInput, modelOutput: { content: [{ type: 'text', text: leaking }] } }
          : { recordId: r.recordId, modelInput: r.modelInput, error: { errorCode: 400, errorMessage: 'record too long' } },
      ),
    );
    s3.objects.set(`runs/${DAY}/run-1/judge/output/abc123/input.jsonl.out`, `${out.join('\n')}\n`);
    s3.objects.set(`runs/${DAY}/run-1/judge/output/abc123/manifest.json.out`, '{"totalRecordCount":2}');
    const collected = await judge({ action: 'collect', day: DAY, runId: 'run-1', jobArn: started.jobArn });
    assert.deepEqual(collected, { mode: 'done', judged: 2, invalid: 1, citationsDropped: 1 });
  });

  test('a job still running after the last poll is given up: the day is reported without the judge', async () => {
    const settings = frictionSettings({ judge: { enabled: true, maxPolls: 2 } });
    const judge = makeJudge({
      friction: settings,
      store: new S3ObjectStore(fakeS3().client as never, 'b'),
      invoker: { invoke: async () => '' },
      jobs: new BedrockBatchJobs({ send: async () => ({ status: 'InProgress' }) } as never),
      logger: quiet,
    });
    const out = await judge({ action: 'poll', day: DAY, runId: 'r', jobArn: 'arn:x', polls: 1 });
    assert.ok(out.mode === 'batch' && out.failed && !out.done);
  });
});
