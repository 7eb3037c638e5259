/**
 * friction-report: the end of a daily run.
 *
 * - `report`: merges the batches' partials (and the judge's), publishes the day as CloudWatch metrics
 *   (embedded metric format, one rate per kind, which the kind's alarm watches), writes the day's
 *   summary, the digest and its 30-day chart, and files the day's discovery observation (label
 *   `discovery`, for humans; never a coding agent's issue).
 * - `annotate`: some minutes later, once alarms on the rates had their say, comments the day's evidence
 *   (kind, severity, frequency, abstracted examples) on the issue of every friction lineage that has one.
 */
import * as z from 'zod';
import type { ProdloopConfig } from '#domain/config/config';
import { NotFoundError } from '#domain/shared/errors';
import { type DaySummary, dayPartial, daySummary, mergePartials, summarize } from '#friction/domain/aggregate';
import type { FrictionConfig, FrictionKind } from '#friction/domain/config';
import { renderDigest, renderDiscovery, renderEvidence } from '#friction/domain/digest';
import { emfDocuments } from '#friction/domain/metrics';
import type { Sanitize } from '#friction/domain/outbound';
import { DAY, day, digestKey, frictionAlarmName, frictionLineageId, runId, runKeys, SUMMARIES, summaryKey } from '#friction/domain/run';
import type { ObjectStore } from '#friction/ports/objects';
import type { Clock } from '#ports/clock';
import type { LoggerLike } from '#ports/deps';
import type { IssueTracker } from '#ports/issues';
import type { LineageStore } from '#ports/store';
import { mapLimited, readJson, writeJson } from './objects.ts';

export const reportInput = z.object({ action: z.enum(['report', 'annotate']), day, runId });

/** Labels of the discovery observation: prodloop's own label and `discovery`, never the hand-off labels. */
export const DISCOVERY_LABELS = ['prodloop', 'discovery'] as const;
const HISTORY_DAYS = 30;
const EVIDENCE_ONCE_SECONDS = 3 * 86_400;
const READ_CONCURRENCY = 32;

export interface ReportDeps {
  readonly config: Pick<ProdloopConfig, 'watchedAlarms' | 'tenantDimension'>;
  readonly friction: FrictionConfig;
  readonly store: ObjectStore;
  readonly tracker: IssueTracker;
  readonly lineages: Pick<LineageStore, 'getLineage' | 'claimOnce'>;
  readonly clock: Clock;
  readonly logger: LoggerLike;
  /** Writes one line to the function's log: where the embedded metric format documents go. */
  readonly emit: (line: string) => void;
  readonly sanitize?: Sanitize;
}

export type ReportOutcome =
  | {
      readonly action: 'report';
      readonly day: string;
      readonly analysed: number;
      readonly withFriction: number;
      readonly breached: FrictionKind[];
      readonly digest: string;
    }
  | { readonly action: 'annotate'; readonly day: string; readonly annotated: FrictionKind[]; readonly waiting: FrictionKind[] };

export function makeReport(deps: ReportDeps) {
  const { config, friction, store, tracker, lineages, clock, logger } = deps;
  const options = deps.sanitize ? { sanitize: deps.sanitize } : {};

  async function history(d: string): Promise<DaySummary[]> {
    const from = new Date(Date.parse(`${d}T00:00:00Z`) - (HISTORY_DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
    const keys = (await store.list(SUMMARIES))
      .map((o) => o.key)
      .filter((k) => {
        const x = k.slice(SUMMARIES.length, -'.json'.length);
        return DAY.test(x) && x >= from && x < d;
      });
    const read = await mapLimited(keys, READ_CONCURRENCY, (k) =>
      readJson(store, k, daySummary).catch((error: unknown) => {
        logger.warn('unreadable friction summary left out of the chart', { key: k, error: (error as Error).message });
        return undefined;
      }),
    );
    return read.filter((s): s is DaySummary => s !== undefined);
  }

  return async (event: unknown): Promise<ReportOutcome> => {
    const input = reportInput.parse(event);
    const keys = runKeys(input.day, input.runId);
    if (input.action === 'report') {
      // One partial per batch of the map: thousands on a large day, read a few dozen at a time.
      const partials = await mapLimited(await store.list(keys.partials), READ_CONCURRENCY, async (o) =>
        dayPartial.parse(JSON.parse(await store.getText(o.key))),
      );
      const judged = await readJson(store, keys.judgePartial, dayPartial);
      if (judged) partials.push(judged);
      const merged = mergePartials(input.day, partials);
      const summary = summarize(merged, friction);
      for (const doc of emfDocuments(summary, clock.now())) deps.emit(JSON.stringify(doc));
      await writeJson(store, summaryKey(input.day), summary);
      const { markdown, svg } = renderDigest(summary, [...(await history(input.day)), summary], {
        chartFile: `${input.day}.svg`,
        ...options,
      });
      await store.putText(digestKey(input.day, 'md'), markdown, 'text/markdown; charset=utf-8');
      await store.putText(digestKey(input.day, 'svg'), svg, 'image/svg+xml');
      if (merged.analysed > 0) {
        const discovery = renderDiscovery(merged, options);
        await tracker.fileIssue({
          lineageId: `discovery-${input.day}`,
          kind: 'observation',
          title: discovery.title,
          body: discovery.body,
          labels: [...DISCOVERY_LABELS],
          assignees: [],
        });
      }
      const breached = summary.kinds.filter((k) => k.breached).map((k) => k.kind);
      logger.info('friction day reported', { day: input.day, analysed: summary.analysed, withFriction: summary.withFriction, breached });
      return {
        action: 'report',
        day: input.day,
        analysed: summary.analysed,
        withFriction: summary.withFriction,
        breached,
        digest: digestKey(input.day, 'md'),
      };
    }

    const summary = await readJson(store, summaryKey(input.day), daySummary);
    if (!summary) throw new NotFoundError(`no friction summary for ${input.day}: run the report first`);
    const annotated: FrictionKind[] = [];
    const waiting: FrictionKind[] = [];
    for (const k of summary.kinds.filter((x) => x.breached)) {
      const lineageId = frictionLineageId(
        frictionAlarmName(friction, config.watchedAlarms.namePrefixes, k.kind),
        k.kind,
        config.tenantDimension,
      );
      const lineage = await lineages.getLineage(lineageId);
      if (!lineage?.issue) {
        // The alarm has not opened its lineage, or triage has not filed yet: the digest holds the evidence.
        waiting.push(k.kind);
        continue;
      }
      const now = clock.now().toISOString();
      if (!(await lineages.claimOnce(`friction-evidence:${lineageId}:${input.day}`, EVIDENCE_ONCE_SECONDS, now))) continue;
      await tracker.comment(
        lineage.issue,
        renderEvidence(k, summary, { digestLocation: `s3://${store.bucket}/${digestKey(input.day, 'md')}`, ...options }),
      );
      annotated.push(k.kind);
    }
    logger.info('friction evidence commented', { day: input.day, annotated, waiting });
    return { action: 'annotate', day: input.day, annotated, waiting };
  };
}
