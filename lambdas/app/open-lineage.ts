/**
 * ingest-alarm: a CloudWatch alarm state change (EventBridge, or SNS-wrapped) becomes a lineage.
 * Opening the lineage is a conditional write, and the execution name derives from the lineage and
 * its generation, so a storm of alarms for one problem starts one execution; the opener's start claim
 * (on the lineage, with a lease) makes it one StartExecution call and one "Lineage Opened" too.
 */

import { codePathsFor } from '#domain/config/config';
import { executionSettings } from '#domain/lineage/execution-settings';
import { lineageIdFor } from '#domain/lineage/fingerprint';
import { startClaimed, startPending } from '#domain/lineage/transitions';
import { errorMessage, TransientError } from '#domain/shared/errors';
import { parseAlarmEvent } from '#domain/signals/alarm';
import type { AlarmSignal } from '#domain/signals/signals';
import type { AlarmTags } from '#ports/alarms';
import type { Deps } from '#ports/deps';
import type { Lineages } from '#ports/lineages';

export type IngestOutcome =
  | { readonly outcome: 'started'; readonly lineageId: string; readonly executionName: string }
  | { readonly outcome: 'in-flight'; readonly lineageId: string }
  | { readonly outcome: 'ignored' | 'rejected'; readonly reason: string }
  /** An SNS delivery of several records: each record's outcome, in order. */
  | { readonly outcome: 'records'; readonly records: readonly IngestOutcome[] };

/**
 * The records of an SNS delivery to Lambda, one delivery each, when it carries more than one: SNS
 * may batch notifications, and each alarm in it is its own signal (a bad one is parked alone).
 */
function snsRecordsOf(event: unknown): unknown[] | undefined {
  if (typeof event !== 'object' || event === null || !('Records' in event)) return undefined;
  const records = (event as { Records: unknown }).Records;
  if (!Array.isArray(records) || records.length < 2) return undefined;
  return records.map((record) => ({ ...(event as object), Records: [record] }));
}

export type IngestAlarmDeps = Pick<Deps, 'config' | 'workflow' | 'events' | 'parking' | 'clock' | 'logger'> & {
  readonly store: Lineages;
} & {
  /** Reads alarm tags, for `watchedAlarms.tags`; without it only name prefixes admit an alarm. */
  readonly alarmTags?: AlarmTags;
};

export function makeIngestAlarm(deps: IngestAlarmDeps) {
  const { config, store, workflow, events, parking, clock, logger, alarmTags } = deps;
  const { namePrefixes, tags: wantedTags } = config.watchedAlarms;

  /** Watched by a name prefix, else by a tag (read from CloudWatch: EventBridge cannot filter on tags). */
  async function watched(signal: AlarmSignal): Promise<{ outcome: 'watched' } | { outcome: 'ignored' | 'rejected'; reason: string }> {
    if (namePrefixes.some((p) => signal.alarmName.startsWith(p))) return { outcome: 'watched' };
    const unmatched = `alarm ${signal.alarmName} matches no watched name prefix`;
    if (wantedTags.length === 0) return { outcome: 'ignored', reason: unmatched };
    if (!alarmTags) return { outcome: 'ignored', reason: `${unmatched}, and alarm tags cannot be read here` };
    const arn = signal.alarmArn ?? alarmArnOf(signal);
    if (!arn) return { outcome: 'ignored', reason: `${unmatched}, and the event names no alarm ARN, account or region to read its tags` };
    let tags: Readonly<Record<string, string>> | undefined;
    try {
      tags = await alarmTags.tagsOf(arn);
    } catch (error) {
      if (error instanceof TransientError) throw error;
      return { outcome: 'rejected', reason: errorMessage(error) };
    }
    if (tags === undefined) return { outcome: 'ignored', reason: `${unmatched}, and CloudWatch no longer knows it (deleted?)` };
    const match = wantedTags.find((t) => tags[t.key] === t.value);
    if (match) return { outcome: 'watched' };
    return { outcome: 'ignored', reason: `${unmatched} or tag (${wantedTags.map((t) => `${t.key}=${t.value}`).join(', ')})` };
  }
  const ingest = async (event: unknown): Promise<IngestOutcome> => {
    const records = snsRecordsOf(event);
    if (records) {
      const outcomes: IngestOutcome[] = [];
      // One after another: a transient failure retries the delivery, and the records done before it are idempotent.
      for (const record of records) outcomes.push(await ingestOne(record));
      return { outcome: 'records', records: outcomes };
    }
    return ingestOne(event);
  };
  return ingest;

  async function ingestOne(event: unknown): Promise<IngestOutcome> {
    const parsed = parseAlarmEvent(event, { tenantDimension: config.tenantDimension });
    if (parsed.outcome === 'rejected') {
      logger.warn('alarm event rejected and parked', { reason: parsed.reason });
      await parking.park(event, parsed.reason, 'ingest-alarm');
      return parsed;
    }
    if (parsed.outcome === 'ignored') {
      logger.info('alarm event ignored', { reason: parsed.reason });
      return parsed;
    }
    const signal = parsed.signal;
    if (signal.state !== 'ALARM') {
      const reason = `alarm ${signal.alarmName} went to ${signal.state}; validation reads the metric, not alarm states`;
      logger.info('alarm left ALARM', { reason });
      return { outcome: 'ignored', reason };
    }
    const watch = await watched(signal);
    if (watch.outcome !== 'watched') {
      if (watch.outcome === 'rejected') {
        logger.error('alarm tags unreadable; event parked', { reason: watch.reason });
        await parking.park(event, watch.reason, 'ingest-alarm');
      } else logger.info('alarm not watched', { reason: watch.reason });
      return watch;
    }
    const rule = codePathsFor(config, {
      alarmName: signal.alarmName,
      namespaces: signal.metrics.flatMap((m) => (m.namespace ? [m.namespace] : [])),
    });
    const lineageId = lineageIdFor(signal.fingerprint);
    const opened = await store.openLineage({
      lineageId,
      signal,
      ...(rule ? { service: rule.service } : {}),
      codePaths: rule?.paths ?? [],
      budgetUsd: config.defaultBudgetUsd,
      at: clock.now().toISOString(),
    });
    const lineage = opened.lineage;
    // One caller at a time starts the execution: whoever holds its start claim. The alarm that opens
    // the generation holds it from the open (a conditional write), so the rest of a storm reads the
    // claim in what openLineage returns and calls nothing more. A claimant that fails gives the claim
    // up; one that dies keeps it until it lapses (START_LEASE_SECONDS, ingest-alarm's timeout), and
    // then the next alarm or the failed one's retry takes the start over, by the same name (a repeat
    // with the same name and input is a no-op on AWS), so the start is never lost.
    let claim: { name: string; until: string } | undefined;
    if (opened.started) {
      if (lineage.startingUntil) claim = { name: opened.executionName, until: lineage.startingUntil };
    } else if (startPending(lineage) && !startClaimed(lineage, clock.now().toISOString())) {
      const name = lineage.executionName as string;
      const until = await store.claimStart(lineageId, name, clock.now().toISOString());
      if (until) claim = { name, until };
    }
    if (claim) {
      const { name } = claim;
      try {
        await workflow.start(name, { lineageId, generation: lineage.generation, executionName: name, settings: executionSettings(config) });
        // "Lineage Opened" by the claimant whose start went through, before it confirms the start: only
        // one caller holds the claim, so a storm announces once; a claimant that dies between the two
        // leaves the start unconfirmed, and the one that takes it over announces again (at least once,
        // like every EventBridge event, never lost).
        await events.publish('Lineage Opened', {
          lineageId,
          alarmName: signal.alarmName,
          generation: lineage.generation,
          service: lineage.service,
        });
      } catch (error) {
        try {
          await store.releaseStart(lineageId, name, claim.until, clock.now().toISOString());
        } catch (releaseError) {
          // The claim lapses on its own; the retry takes the start over then.
          logger.warn('start claim not released; it lapses', { lineageId, error: errorMessage(releaseError) });
        }
        throw error;
      }
      await store.confirmStarted(lineageId, name, clock.now().toISOString());
      if (opened.started) {
        logger.info('lineage opened', { lineageId, executionName: name });
        return { outcome: 'started', lineageId, executionName: name };
      }
      logger.info('lineage start taken over', { lineageId, executionName: name });
    }
    logger.info('lineage already in flight; nothing new starts', { lineageId, status: lineage.status });
    return { outcome: 'in-flight', lineageId };
  }
}

/** The alarm's ARN from its account, region and name, when the event carries no ARN (SNS-wrapped alarms may not). */
function alarmArnOf(signal: AlarmSignal): string | undefined {
  if (!signal.account || !signal.region) return undefined;
  return `arn:aws:cloudwatch:${signal.region}:${signal.account}:alarm:${signal.alarmName}`;
}
