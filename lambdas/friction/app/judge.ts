/**
 * friction-judge: the optional model judge of a daily run (off by default).
 *
 * - `start`: gathers the day's judge records (at most `judge.maxRecords`). Fewer than
 *   `judge.minBatchRecords` are judged at once with direct model calls; more go to one Bedrock batch
 *   inference job, whose input is written next to them.
 * - `poll`: the job's status; the workflow waits between polls.
 * - `collect`: reads the job's output and writes the judge's partial of the day.
 *
 * Every answer is validated (zod) and every citation checked against the user's text, through the
 * fingerprint the batch wrote beside the record; a citation that repeats the user is dropped and counted.
 */
import * as z from 'zod';
import type { FrictionConfig } from '#friction/domain/config';
import {
  acceptJudgement,
  type JudgeManifestEntry,
  type JudgeRecord,
  type JudgeVerdict,
  judgeManifestEntry,
  judgePartial,
  parseBatchOutputLine,
  parseJudgeText,
} from '#friction/domain/judge';
import { day, runId, runKeys } from '#friction/domain/run';
import type { BatchJobs, ModelInvoker } from '#friction/ports/model';
import type { ObjectStore } from '#friction/ports/objects';
import type { LoggerLike } from '#ports/deps';
import { mapLimited, writeJson } from './objects.ts';

export const judgeInput = z.discriminatedUnion('action', [
  z.object({ action: z.literal('start'), day, runId }),
  z.object({ action: z.literal('poll'), day, runId, jobArn: z.string().min(1), polls: z.number().int().min(0) }),
  z.object({ action: z.literal('collect'), day, runId, jobArn: z.string().min(1) }),
]);

export type JudgeOutcome =
  | { readonly mode: 'none' }
  | { readonly mode: 'done'; readonly judged: number; readonly invalid: number; readonly citationsDropped: number }
  | {
      readonly mode: 'batch';
      readonly jobArn: string;
      readonly polls: number;
      readonly status: string;
      readonly done: boolean;
      readonly failed: boolean;
    };

export interface JudgeDeps {
  readonly friction: FrictionConfig;
  readonly store: ObjectStore;
  readonly invoker: ModelInvoker;
  readonly jobs: BatchJobs;
  /** The service role Bedrock assumes to read the job's input and write its output. */
  readonly batchRoleArn?: string;
  readonly logger: LoggerLike;
}

const jsonLinesOf = (text: string) => text.split('\n').filter((l) => l.trim() !== '');
const READ_CONCURRENCY = 32;

export function makeJudge(deps: JudgeDeps) {
  const { friction, store, invoker, jobs, logger } = deps;

  const manifestOf = (text: string) => {
    const entries = new Map<string, JudgeManifestEntry>();
    for (const l of jsonLinesOf(text)) {
      const e = judgeManifestEntry.parse(JSON.parse(l));
      entries.set(e.recordId, e);
    }
    return entries;
  };

  /**
   * The day's records, batch by batch, up to `judge.maxRecords`, with their manifest entries (a batch's
   * manifest has the batch's name). Files are read a few dozen at a time; reading stops at the cap.
   */
  async function gather(d: string, run: string): Promise<{ lines: string[]; manifest: Map<string, JudgeManifestEntry> }> {
    const keys = runKeys(d, run);
    const files = await store.list(keys.judgeInput);
    const lines: string[] = [];
    const manifest = new Map<string, JudgeManifestEntry>();
    for (let i = 0; i < files.length && lines.length < friction.judge.maxRecords; i += READ_CONCURRENCY) {
      const chunk = await mapLimited(files.slice(i, i + READ_CONCURRENCY), READ_CONCURRENCY, async (o) => {
        const batch = o.key.slice(keys.judgeInput.length);
        return { input: await store.getText(o.key), manifest: (await store.findText(`${keys.judgeManifest}${batch}`)) ?? '' };
      });
      for (const c of chunk) {
        const kept = jsonLinesOf(c.input).slice(0, friction.judge.maxRecords - lines.length);
        lines.push(...kept);
        const entries = manifestOf(c.manifest);
        for (const l of kept) {
          const id = (JSON.parse(l) as JudgeRecord).recordId;
          const e = entries.get(id);
          if (e) manifest.set(id, e);
        }
      }
    }
    return { lines, manifest };
  }

  function verdictOf(text: string | undefined, error: string | undefined, entry: JudgeManifestEntry | undefined): JudgeVerdict {
    if (!entry) return { invalid: 'answer for a record the run did not write' };
    if (text === undefined) return { invalid: error ?? 'no answer' };
    const parsed = parseJudgeText(text);
    if (!parsed.ok) return { invalid: parsed.reason };
    return { result: acceptJudgement(parsed.output, entry.fingerprint, entry.detectorKinds), detectorKinds: entry.detectorKinds };
  }

  async function finish(d: string, run: string, verdicts: JudgeVerdict[]): Promise<JudgeOutcome> {
    const partial = judgePartial(d, verdicts);
    await writeJson(store, runKeys(d, run).judgePartial, partial);
    const j = partial.judge as NonNullable<typeof partial.judge>;
    logger.info('friction judge done', { day: d, judged: j.sessions, invalid: j.invalidOutputs, citationsDropped: j.citationsDropped });
    return { mode: 'done', judged: j.sessions, invalid: j.invalidOutputs, citationsDropped: j.citationsDropped };
  }

  return async (event: unknown): Promise<JudgeOutcome> => {
    const input = judgeInput.parse(event);
    const keys = runKeys(input.day, input.runId);
    switch (input.action) {
      case 'start': {
        const { lines, manifest } = await gather(input.day, input.runId);
        if (lines.length === 0) return { mode: 'none' };
        if (lines.length < friction.judge.minBatchRecords) {
          const verdicts: JudgeVerdict[] = [];
          for (const l of lines) {
            const record = JSON.parse(l) as JudgeRecord;
            let text: string | undefined;
            let error: string | undefined;
            try {
              text = await invoker.invoke(record);
            } catch (e) {
              error = (e as Error).message;
              logger.warn('judge call failed', { recordId: record.recordId, error });
            }
            verdicts.push(verdictOf(text, error, manifest.get(record.recordId)));
          }
          return finish(input.day, input.runId, verdicts);
        }
        if (!deps.batchRoleArn) throw new Error('the judge needs its batch service role (FRICTION_JUDGE_ROLE_ARN) to start a batch job');
        await store.putText(keys.judgeJobInput, `${lines.join('\n')}\n`, 'application/jsonl');
        await store.putText(
          keys.judgeJobManifest,
          `${[...manifest.values()].map((e) => JSON.stringify(e)).join('\n')}\n`,
          'application/jsonl',
        );
        const jobName = `prodloop-friction-${input.day}-${input.runId}`
          .replace(/[^a-zA-Z0-9-]/g, '-')
          .slice(0, 63)
          .replace(/-+$/, '');
        const jobArn = await jobs.start({
          jobName,
          modelId: friction.judge.modelId,
          roleArn: deps.batchRoleArn,
          inputUri: `s3://${store.bucket}/${keys.judgeJobInput}`,
          outputUri: `s3://${store.bucket}/${keys.judgeOutput}`,
        });
        logger.info('friction judge batch job started', { day: input.day, jobArn, records: lines.length });
        return { mode: 'batch', jobArn, polls: 0, status: 'Submitted', done: false, failed: false };
      }
      case 'poll': {
        const { status, message } = await jobs.status(input.jobArn);
        const polls = input.polls + 1;
        const done = status === 'Completed' || status === 'PartiallyCompleted';
        const failed = !done && (['Failed', 'Stopped', 'Expired'].includes(status) || polls >= friction.judge.maxPolls);
        if (failed)
          logger.warn('friction judge batch job did not complete; the day is reported without it', {
            jobArn: input.jobArn,
            status,
            message,
            polls,
          });
        return { mode: 'batch', jobArn: input.jobArn, polls, status, done, failed };
      }
      case 'collect': {
        const manifest = manifestOf((await store.findText(keys.judgeJobManifest)) ?? '');
        const verdicts: JudgeVerdict[] = [];
        for (const o of await store.list(keys.judgeOutput)) {
          if (!o.key.endsWith('.jsonl.out')) continue; // manifest.json.out and the like
          for (const l of jsonLinesOf(await store.getText(o.key))) {
            const row = parseBatchOutputLine(l);
            if (!row) {
              verdicts.push({ invalid: 'unreadable output line' });
              continue;
            }
            verdicts.push(verdictOf(row.text, row.error, manifest.get(row.recordId)));
          }
        }
        return finish(input.day, input.runId, verdicts);
      }
    }
  };
}
