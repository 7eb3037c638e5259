/**
 * friction-analyze: one batch of the daily Distributed Map. Reads each transcript, analyses its sessions,
 * and writes the batch's partial (and, with the judge on, its judge records). A transcript that cannot
 * be read is counted as skipped with its reason; the batch goes on. A retried batch writes the same
 * keys, so nothing counts twice.
 */
import * as z from 'zod';
import { NotFoundError } from '#domain/shared/errors';
import { addSkip, emptyPartial } from '#friction/domain/aggregate';
import type { FrictionConfig } from '#friction/domain/config';
import { judgeRecord, recordIdFor } from '#friction/domain/judge';
import { outbound, type Sanitize } from '#friction/domain/outbound';
import { analyseTranscript, foldInto } from '#friction/domain/pipeline';
import { day, runId, runKeys } from '#friction/domain/run';
import type { ObjectStore } from '#friction/ports/objects';
import type { LoggerLike } from '#ports/deps';
import { writeJson } from './objects.ts';

/** Larger transcripts are skipped (a Lambda holds the text in memory). */
export const MAX_TRANSCRIPT_BYTES = 100 * 1024 * 1024;

export const analyzeInput = z.object({
  /** The map's batch: S3 objects as ListObjectsV2 lists them. */
  items: z.array(z.object({ Key: z.string().min(1), Size: z.number().optional() }).passthrough()).min(1),
  day,
  runId,
});

export interface AnalyzeOutput {
  readonly batch: string;
  readonly transcripts: number;
  readonly skipped: number;
  readonly sessions: number;
  readonly analysed: number;
  readonly withFriction: number;
  readonly judgeRecords: number;
}

export function makeAnalyze(deps: { friction: FrictionConfig; store: ObjectStore; logger: LoggerLike; sanitize?: Sanitize }) {
  const { friction, store, logger } = deps;
  const sanitize = deps.sanitize ?? outbound;
  return async (event: unknown): Promise<AnalyzeOutput> => {
    const input = analyzeInput.parse(event);
    const keys = runKeys(input.day, input.runId);
    const partial = emptyPartial(input.day);
    const records: string[] = [];
    const manifest: string[] = [];
    for (const item of input.items) {
      if ((item.Size ?? 0) > MAX_TRANSCRIPT_BYTES) {
        addSkip(partial, item.Key, `too large: ${item.Size} bytes, more than ${MAX_TRANSCRIPT_BYTES}`);
        continue;
      }
      let text: string;
      try {
        text = await store.getText(item.Key);
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
        addSkip(partial, item.Key, 'gone: deleted before it was read');
        continue;
      }
      const result = analyseTranscript({ name: item.Key, text }, friction, { sanitize });
      foldInto(partial, result);
      if (!result.ok) logger.warn('transcript skipped', { transcript: item.Key, reason: result.reason });
      if (!friction.judge.enabled) continue;
      for (const { session, analysed } of result.sessions) {
        if (!analysed.analysis.analysed) continue;
        const recordId = recordIdFor(`${item.Key}#${session.id}`);
        records.push(JSON.stringify(judgeRecord(recordId, session, sanitize)));
        manifest.push(
          JSON.stringify({
            recordId,
            fingerprint: analysed.fingerprint,
            detectorKinds: [...new Set(analysed.analysis.moments.map((m) => m.kind))],
          }),
        );
      }
    }
    const batch = recordIdFor(input.items.map((i) => i.Key).join('\n'));
    await writeJson(store, keys.partial(batch), partial);
    if (records.length > 0) {
      await store.putText(`${keys.judgeInput}${batch}.jsonl`, `${records.join('\n')}\n`, 'application/jsonl');
      await store.putText(`${keys.judgeManifest}${batch}.jsonl`, `${manifest.join('\n')}\n`, 'application/jsonl');
    }
    const out = {
      batch,
      transcripts: partial.transcripts,
      skipped: partial.skipped,
      sessions: partial.sessions,
      analysed: partial.analysed,
      withFriction: partial.withFriction,
      judgeRecords: records.length,
    };
    logger.info('friction batch analysed', { day: input.day, ...out });
    return out;
  };
}
