/**
 * statemachines/friction.asl.json executed by aws-local-stepfunctions with the real handler cores, S3
 * and Bedrock mocked at their SDK clients. aws-local-stepfunctions cannot run a Distributed Map's
 * ItemReader, so the map state is swapped for a Task of the same name, links and Catch: it lists the
 * day's prefix and calls the analyze handler per batch, as the map's reader, batcher and child
 * workflows do on AWS. Every other state runs as written, with its Choice rules, Catches and Waits.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateModelInvocationJobCommand, GetModelInvocationJobCommand } from '@aws-sdk/client-bedrock';
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand } from '@aws-sdk/client-s3';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, test } from 'vitest';
import type { IssueDraft } from '#domain/issue/messages';
import type { IssueRef, Lineage } from '#domain/lineage/lineage';
import { BedrockBatchJobs } from '#friction/adapters/bedrock';
import { S3ObjectStore } from '#friction/adapters/s3';
import { makeAnalyze } from '#friction/app/analyze';
import { makeJudge } from '#friction/app/judge';
import { makePlan } from '#friction/app/plan';
import { makeReport } from '#friction/app/report';
import { type FrictionConfigInput, frictionSettings } from '#friction/domain/config';
import { frictionAlarmName, frictionLineageId, runKeys } from '#friction/domain/run';
import type { LoggerLike } from '#ports/deps';
import type { IssueTracker } from '#ports/issues';
import { needRealData, readReal, realFiles } from './support/real-data.ts';

const root = join(import.meta.dirname, '..');
const realData = needRealData('agent-sessions');
const quiet: LoggerLike = { info: () => {}, warn: () => {}, error: () => {} };
const MAP = "Analyse the day's transcripts";
const DAY = '2026-03-01';

function fakeS3() {
  const objects = new Map<string, string>();
  const client = {
    send: async (command: unknown) => {
      if (command instanceof GetObjectCommand) {
        const body = objects.get(command.input.Key as string);
        if (body === undefined) throw new NoSuchKey({ message: 'no such key', $metadata: { httpStatusCode: 404 } });
        return { Body: { transformToString: async () => body } };
      }
      if (command instanceof PutObjectCommand) {
        objects.set(command.input.Key as string, String(command.input.Body));
        return {};
      }
      if (command instanceof ListObjectsV2Command) {
        const keys = [...objects.keys()].filter((k) => k.startsWith(command.input.Prefix ?? '')).sort();
        return { Contents: keys.map((Key) => ({ Key, Size: (objects.get(Key) as string).length })) };
      }
      throw new Error('unexpected S3 command');
    },
  };
  return { objects, client };
}

class Tracker implements IssueTracker {
  readonly filed: IssueDraft[] = [];
  readonly comments: string[] = [];
  async fileIssue(draft: IssueDraft): Promise<IssueRef> {
    this.filed.push(draft);
    return { number: 1, url: 'outbox://issues/1', kind: draft.kind, shadow: true };
  }
  async comment(_issue: IssueRef, body: string) {
    this.comments.push(body);
  }
  async close() {}
  async update() {}
}

interface Harness {
  readonly friction?: FrictionConfigInput;
  /** Bedrock control plane: answers CreateModelInvocationJob and GetModelInvocationJob. */
  readonly bedrock?: { send: (command: unknown) => Promise<unknown> };
  readonly batchRoleArn?: string;
  readonly failReport?: boolean;
}

async function execute(h: Harness = {}) {
  const s3 = fakeS3();
  for (const f of realFiles('agent-sessions')) s3.objects.set(`transcripts/${DAY}/${f}`, readReal('agent-sessions', f));
  s3.objects.set(`transcripts/${DAY}/broken.jsonl`, '{"type":"user"\n');
  const friction = frictionSettings({ minSteps: 0, batchSize: 2, annotateAfterMinutes: 15, ...h.friction });
  const store = new S3ObjectStore(s3.client as never, 'friction-bucket');
  const tracker = new Tracker();
  const prodloop = { watchedAlarms: { namePrefixes: ['prod-'], tags: [] }, tenantDimension: 'TenantId' };
  const kind = 'abandoned-tool-flow' as const;
  const lineageId = frictionLineageId(frictionAlarmName(friction, ['prod-'], kind), kind, 'TenantId');
  const lineages = new Map<string, Lineage>([
    [
      lineageId,
      { lineageId, issue: { number: 9, url: 'https://github.com/acme/shop/issues/9', kind: 'issue', shadow: false } } as unknown as Lineage,
    ],
  ]);
  const claimed = new Set<string>();
  const plan = makePlan({ friction });
  const analyze = makeAnalyze({ friction, store, logger: quiet });
  const judge = makeJudge({
    friction,
    store,
    invoker: { invoke: async () => '{"moments":[]}' },
    jobs: new BedrockBatchJobs((h.bedrock ?? { send: async () => assert.fail('no batch job expected') }) as never),
    ...(h.batchRoleArn ? { batchRoleArn: h.batchRoleArn } : {}),
    logger: quiet,
  });
  const report = makeReport({
    config: prodloop,
    friction,
    store,
    tracker,
    lineages: {
      getLineage: async (id) => lineages.get(id),
      claimOnce: async (key) => !claimed.has(key) && Boolean(claimed.add(key)),
    },
    clock: { now: () => new Date('2026-03-02T03:20:00Z') },
    logger: quiet,
    emit: () => {},
  });

  const text = readFileSync(join(root, 'statemachines', 'friction.asl.json'), 'utf8')
    .replace(/\$\{(\w+)FunctionArn\}/g, (_m, n) => `arn:aws:lambda:us-east-1:123456789012:function:${n}`)
    .replaceAll('$' + '{TranscriptBucketName}', 'friction-bucket');
  const definition = JSON.parse(text);
  const map = definition.States[MAP];
  definition.States[MAP] = {
    Type: 'Task',
    Comment: map.Comment,
    Resource: 'arn:aws:lambda:us-east-1:123456789012:function:LocalDistributedMap',
    Parameters: { 'prefix.$': '$.plan.prefix', 'batchSize.$': '$.plan.batchSize', 'day.$': '$.plan.day', 'runId.$': '$.plan.runId' },
    ResultPath: map.ResultPath,
    Catch: map.Catch,
    Next: map.Next,
  };
  const handlers: Record<string, (input: never) => Promise<unknown>> = {
    'Plan the day': plan,
    [MAP]: async (input: { prefix: string; batchSize: number; day: string; runId: string }) => {
      const items = (await store.list(input.prefix)).map((o) => ({ Key: o.key, Size: o.size }));
      const results = [];
      for (let i = 0; i < items.length; i += input.batchSize)
        results.push(await analyze({ items: items.slice(i, i + input.batchSize), day: input.day, runId: input.runId }));
      return { batches: results.length };
    },
    'Start the judge': judge,
    'Poll the judge batch': judge,
    'Collect the judgements': judge,
    'Report the day': async (input: never) => {
      if (h.failReport) throw Object.assign(new Error('S3 is down'), { name: 'Error' });
      return report(input);
    },
    'Comment the evidence on friction issues': report,
  };
  const waits = Object.fromEntries(
    Object.entries(definition.States)
      .filter(([, s]) => (s as { Type: string }).Type === 'Wait')
      .map(([n]) => [n, 0]),
  );
  const machine = new StateMachine(definition, { validationOptions: { checkPaths: true, checkArn: true } });
  // The day given in the input, as a rerun gives it (the schedule's `{}` means the day before the start).
  const execution = machine.run(
    { day: DAY },
    {
      overrides: { taskResourceLocalHandlers: handlers as never, waitTimeOverrides: waits },
      context: { Execution: { Name: 'run-1' } } as never,
    },
  );
  const path: string[] = [];
  const logs = (async () => {
    for await (const e of execution.eventLogs) {
      const event = e as { type: string; state?: { name: string } };
      if (event.type === 'StateEntered' && event.state) path.push(event.state.name);
    }
  })();
  let output: Record<string, unknown> | undefined;
  let error: string | undefined;
  try {
    output = (await execution.result) as Record<string, unknown>;
  } catch (e) {
    error = `${(e as Error).name}: ${(e as Error).message}`;
  }
  await logs.catch(() => undefined);
  return { path, output, error, s3, tracker };
}

describe.skipIf(realData.skip)('the friction workflow, run locally', () => {
  test('judge off: plan, map, report, and the evidence on the friction issue after the alarms had their time', async () => {
    const { path, output, error, s3, tracker } = await execute();
    assert.equal(error, undefined);
    assert.deepEqual(path, [
      'Plan the day',
      MAP,
      'Judge on?',
      'Report the day',
      'Any kind above its threshold?',
      'Wait for the alarms',
      'Comment the evidence on friction issues',
      'Reported',
    ]);
    assert.equal((output?.plan as { day: string } | undefined)?.day, DAY);
    assert.ok(s3.objects.has(`summaries/${DAY}.json`));
    assert.ok(s3.objects.has(`digests/${DAY}.md`));
    assert.equal(tracker.comments.length, 1);
    assert.equal(tracker.filed[0]?.labels.includes('discovery'), true);
  });

  test('judge on, a batch day: the job is polled until it completes, then collected, then the day is reported', async () => {
    const statuses = ['InProgress', 'Completed'];
    const bedrock = {
      send: async (command: unknown) => {
        if (command instanceof CreateModelInvocationJobCommand)
          return { jobArn: 'arn:aws:bedrock:us-east-1:123456789012:model-invocation-job/j1' };
        if (command instanceof GetModelInvocationJobCommand) return { status: statuses.shift() ?? 'Completed' };
        throw new Error('unexpected');
      },
    };
    const run = await execute({
      friction: { judge: { enabled: true, minBatchRecords: 1 } },
      bedrock,
      batchRoleArn: 'arn:aws:iam::123456789012:role/b',
    });
    assert.equal(run.error, undefined);
    assert.deepEqual(run.path.slice(0, 10), [
      'Plan the day',
      MAP,
      'Judge on?',
      'Start the judge',
      'Judge batch running?',
      'Wait for the judge batch',
      'Poll the judge batch',
      'Judge batch running?',
      'Wait for the judge batch',
      'Poll the judge batch',
    ]);
    assert.deepEqual(run.path.slice(10, 13), ['Judge batch running?', 'Collect the judgements', 'Report the day']);
    assert.ok(run.s3.objects.has(runKeys(DAY, 'run-1').judgePartial));
  });

  test('a judge that cannot start is caught: the day is reported with the deterministic detectors alone', async () => {
    const run = await execute({ friction: { judge: { enabled: true, minBatchRecords: 1 } } });
    assert.equal(run.error, undefined);
    assert.deepEqual(run.path.slice(2, 5), ['Judge on?', 'Start the judge', 'Report the day']);
    assert.match(JSON.stringify(run.output?.judgeError), /batch service role/);
  });

  test('a report that fails (not a transient error, so not retried) fails the run, which the failed-runs alarm pages on', async () => {
    const run = await execute({ failReport: true });
    assert.match(run.error ?? '', /A step of the daily friction run failed after its retries/);
    assert.deepEqual(run.path.slice(-2), ['Report the day', 'Run failed']);
  });
});
