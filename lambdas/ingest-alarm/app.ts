/**
 * ingest-alarm: a CloudWatch alarm state change (EventBridge, or SNS-wrapped) becomes a lineage.
 * Opening the lineage is a conditional write, and the execution name derives from the lineage and
 * its generation, so a storm of alarms for one problem starts one execution.
 */
import { parseAlarmEvent } from '#core/alarm';
import { codePathsFor } from '#core/config';
import { type Deps, executionSettings } from '#core/deps';
import { lineageIdFor } from '#core/fingerprint';

export type IngestOutcome =
  | { readonly outcome: 'started'; readonly lineageId: string; readonly executionName: string }
  | { readonly outcome: 'in-flight'; readonly lineageId: string }
  | { readonly outcome: 'ignored' | 'rejected'; readonly reason: string };

export function makeIngestAlarm(deps: Pick<Deps, 'config' | 'store' | 'workflow' | 'events' | 'parking' | 'clock' | 'logger'>) {
  const { config, store, workflow, events, parking, clock, logger } = deps;
  return async (event: unknown): Promise<IngestOutcome> => {
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
    const watchedByName = config.watchedAlarms.namePrefixes.some((p) => signal.alarmName.startsWith(p));
    // Tag-based watching needs the alarm's tags (ListTagsForResource), which is not built yet: until
    // then only name prefixes admit an alarm, so configuring tags never widens what is watched.
    if (!watchedByName) {
      const reason = `alarm ${signal.alarmName} matches no watched name prefix`;
      logger.info('alarm not watched', { reason });
      return { outcome: 'ignored', reason };
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
    const executionName = opened.started ? opened.executionName : lineage.executionName;
    // A retry after a failed start finds the lineage triaging with its start unconfirmed: starting again
    // by name is a no-op on AWS. Once the start is confirmed, the rest of a storm calls nothing.
    const unconfirmed = lineage.status === 'triaging' && executionName !== undefined && lineage.startedExecution !== executionName;
    if (opened.started || unconfirmed) {
      const name = executionName as string;
      await workflow.start(name, { lineageId, generation: lineage.generation, executionName: name, settings: executionSettings(config) });
      // "Lineage Opened" by the alarm that opened the execution; when that one failed before confirming
      // the start, by the alarm (its retry, or the storm's next) that confirms it. At least once, like
      // every EventBridge event, and not once per alarm of a storm.
      const publish = () =>
        events.publish('Lineage Opened', {
          lineageId,
          alarmName: signal.alarmName,
          generation: lineage.generation,
          service: lineage.service,
        });
      if (opened.started) await publish();
      const confirmed = await store.confirmStarted(lineageId, name, clock.now().toISOString());
      if (confirmed && !opened.started) await publish();
      if (opened.started) {
        logger.info('lineage opened', { lineageId, executionName: name });
        return { outcome: 'started', lineageId, executionName: name };
      }
    }
    logger.info('lineage already in flight; nothing new starts', { lineageId, status: lineage.status });
    return { outcome: 'in-flight', lineageId };
  };
}
