/**
 * triage: gathers the evidence through ports and returns the decision (pure core in #domain/triage/decide).
 *
 * Around the pure decision it sanitizes every outside text (log samples, alarm names of other
 * services) and pseudonymizes tenant names before the core, the audit trail or a log line sees them;
 * then the storm is folded (fold-storm.ts) and the daily issue cap applied (daily-cap.ts).
 */
import * as z from 'zod';
import { type CodePathRule, codePathsFor, type ProdloopConfig } from '#domain/config/config';
import type { Decision, Lineage } from '#domain/lineage/lineage';
import { makeSanitizer, pseudonym, type Sanitizer } from '#domain/privacy/sanitize';
import { NotFoundError } from '#domain/shared/errors';
import type { LogSample, Point, TenantSeries } from '#domain/signals/series';
import { trafficRef, triageSettingsOf } from '#domain/triage/config';
import { decide } from '#domain/triage/decide';
import type { OtherAlarm } from '#domain/triage/evidence';
import { type HistoryWindow, WEEK_MS } from '#domain/triage/seasonality';
import type { AlarmDirectory } from '#ports/alarms';
import type { AuditLog } from '#ports/audit';
import type { DeployLog } from '#ports/deploys';
import type { Deps } from '#ports/deps';
import type { HealthEventSource } from '#ports/health';
import type { Lineages } from '#ports/lineages';
import type { Locks } from '#ports/locks';
import type { LogSource } from '#ports/logs';
import type { OnceKeys } from '#ports/once-keys';
import { makeDailyCap } from './daily-cap.ts';
import { makeStormFold } from './fold-storm.ts';

export const triageInput = z.object({ lineageId: z.string().min(1) });

/** Default minutes of metric triage reads (configuration `triage.windowMinutes`). */
export const TRIAGE_WINDOW_MINUTES = 180;
/** Log samples are read from this long before the alarm (the onset is usually inside it). */
const LOG_LOOKBACK_MINUTES = 60;

/** Optional evidence sources: without one, triage goes on without that evidence. */
export interface TriageSources {
  readonly alarms?: AlarmDirectory;
  readonly logs?: LogSource;
  readonly health?: HealthEventSource;
  /** Waits between leader look-ups (injected so tests and local runs do not sleep). */
  readonly sleep?: (ms: number) => Promise<void>;
}

type TriageDeps = Pick<Deps, 'config' | 'metrics' | 'clock' | 'logger'> & {
  readonly store: Lineages & AuditLog & DeployLog & Locks & OnceKeys;
} & TriageSources;

/** The sanitizer triage and the issue renderer use: the configured key, the tenant dimension as an identifier key. */
export function sanitizerFor(config: Pick<ProdloopConfig, 'privacy' | 'tenantDimension'>, known: readonly string[] = []): Sanitizer {
  return makeSanitizer({
    ...(config.privacy?.hashKey ? { hashKey: config.privacy.hashKey } : {}),
    identifierKeys: [...(config.privacy?.identifierKeys ?? []), config.tenantDimension],
    identifierPatterns: config.privacy?.identifierPatterns ?? [],
    knownIdentifiers: known.map((value) => ({ kind: 'tenant' as const, value })),
  });
}

export function makeTriage(deps: TriageDeps) {
  const { config, store, metrics, clock, logger } = deps;
  const settings = triageSettingsOf(config);
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const foldStorm = makeStormFold({ store, settings, sleep });
  const dailyCap = makeDailyCap({ store, settings });
  const warn = (what: string) => (error: unknown) => {
    logger.warn(`triage: ${what} unavailable`, { error: String(error) });
    return undefined;
  };

  return async (event: unknown): Promise<Decision> => {
    const { lineageId } = triageInput.parse(event);
    const stored = await store.getLineage(lineageId);
    if (!stored) throw new NotFoundError(`lineage ${lineageId} does not exist`);
    const now = clock.now();
    const windowMs = (settings.windowMinutes ?? TRIAGE_WINDOW_MINUTES) * 60_000;
    const from = new Date(now.getTime() - windowMs).toISOString();
    const to = now.toISOString();

    // A composite alarm is measured through the child alarm that triggered it.
    const resolved = await resolveMetrics(stored, deps.alarms).catch(warn('composite alarm resolution'));
    const measured = resolved?.lineage ?? stored;
    const rule = ruleFor(config, measured);
    // A composite alarm whose own name maps to no service takes the service of the child it resolved to.
    const lineage = !measured.service && rule ? { ...measured, service: rule.service, codePaths: [...rule.paths] } : measured;
    const signalMetrics = lineage.signal.metrics;
    const lookbackFrom = new Date(now.getTime() - windowMs - config.thresholds.deployLookbackMinutes * 60_000).toISOString();
    const shifted = (iso: string, weeks: number) => new Date(Date.parse(iso) - weeks * WEEK_MS).toISOString();

    const [points, history, tenantSeries, tenants, traffic, deploys, locks, health, inAlarm] = await Promise.all([
      signalMetrics.length > 0 ? metrics.series(signalMetrics, from, to) : Promise.resolve([] as Point[]),
      signalMetrics.length > 0
        ? Promise.all(
            Array.from({ length: settings.seasonalityWeeks }, (_, i) =>
              metrics
                .series(signalMetrics, shifted(from, i + 1), shifted(to, i + 1))
                .then((p): HistoryWindow => ({ weeksAgo: i + 1, points: p }))
                .catch(() => ({ weeksAgo: i + 1, points: [] as Point[] })),
            ),
          )
        : Promise.resolve([] as HistoryWindow[]),
      signalMetrics.length > 0 && metrics.tenantSeries
        ? metrics.tenantSeries(signalMetrics, config.tenantDimension, from, to).catch(warn('per-tenant series'))
        : Promise.resolve(undefined),
      signalMetrics.length > 0
        ? metrics.tenants(signalMetrics, config.tenantDimension, from, to).catch(() => ({ active: 0, affected: 0 }))
        : Promise.resolve({ active: 0, affected: 0 }),
      rule?.trafficMetric
        ? metrics.series([trafficRef(rule.trafficMetric)], from, to).catch(warn('traffic metric'))
        : Promise.resolve(undefined),
      lineage.service ? store.deploysBetween(lineage.service, lookbackFrom, to) : Promise.resolve([]),
      store.listLocks(),
      deps.health && rule && rule.awsServices.length > 0
        ? deps.health
            .between(rule.awsServices, new Date(now.getTime() - windowMs - 6 * 3_600_000).toISOString(), to)
            .catch(warn('AWS Health events'))
        : Promise.resolve(undefined),
      deps.alarms ? deps.alarms.inAlarm().catch(warn('alarms in ALARM')) : Promise.resolve(undefined),
    ]);

    // What validation and the deploy watch will judge: a composite's child, and which way is worse
    // (DescribeAlarms knows the comparison operator that an EventBridge alarm event does not carry).
    const operator =
      lineage.signal.comparisonOperator ?? inAlarm?.find((a) => a.alarmName === lineage.signal.alarmName)?.comparisonOperator;
    if (signalMetrics.length > 0 && (resolved || operator !== stored.signal.comparisonOperator)) {
      const measuredSignal = {
        alarmName: lineage.signal.alarmName,
        metrics: [...signalMetrics],
        ...(operator ? { comparisonOperator: operator } : {}),
      };
      await store.recordMeasured(lineageId, measuredSignal, to).catch(warn('recording the measured signal'));
    }

    // Tenants are pseudonymized before anything else sees them; their raw names are hashed in log samples too.
    const rawTenants = (tenantSeries ?? []).map((s) => s.tenant);
    const sanitizer = sanitizerFor(config, [...rawTenants, ...(lineage.signal.tenant ? [lineage.signal.tenant] : [])]);
    const hashKey = config.privacy?.hashKey;
    const pseudonymous: TenantSeries[] | undefined = tenantSeries?.map((s) => ({
      tenant: pseudonym('tenant', s.tenant, hashKey),
      points: s.points,
    }));

    let logs: { query: string; logGroups: string[]; samples: LogSample[]; error?: string } | undefined;
    if (deps.logs && rule && rule.logGroups.length > 0) {
      const logFrom = new Date(Date.parse(lineage.signal.at) - LOG_LOOKBACK_MINUTES * 60_000).toISOString();
      try {
        const raw = await deps.logs.samples({ logGroups: rule.logGroups, query: settings.logs.query, from: logFrom, to, limit: 50 });
        logs = {
          query: settings.logs.query,
          logGroups: rule.logGroups,
          samples: raw.map((s) => ({ at: s.at, message: sanitizer(s.message) })),
        };
      } catch (error) {
        logs = { query: settings.logs.query, logGroups: rule.logGroups, samples: [], error: sanitizer(String(error)).slice(0, 300) };
      }
    }
    const otherAlarms: OtherAlarm[] | undefined = inAlarm?.map((a) => {
      const namespace = a.metrics.find((m) => m.namespace)?.namespace;
      const service = codePathsFor(config, { alarmName: a.alarmName, namespaces: namespace ? [namespace] : [] })?.service;
      return {
        alarmName: sanitizer(a.alarmName),
        ...(service ? { service } : {}),
        ...(namespace ? { namespace } : {}),
        ...(a.stateSince ? { since: a.stateSince } : {}),
      };
    });

    let decision = decide({
      lineage,
      rule,
      points,
      history,
      tenants,
      ...(pseudonymous ? { tenantSeries: pseudonymous } : {}),
      ...(traffic ? { traffic } : {}),
      deploys,
      locks,
      ...(health ? { health } : {}),
      ...(logs ? { logs } : {}),
      ...(otherAlarms ? { otherAlarms } : {}),
      ...(resolved?.resolvedFrom ? { resolvedFrom: resolved.resolvedFrom } : {}),
      config,
      now,
    });

    if (decision.kind !== 'ignore') decision = await foldStorm(decision, lineage, now);
    if (decision.kind !== 'ignore') decision = await dailyCap(decision, lineage, now);

    await store.appendAudit({
      lineageId,
      at: to,
      actor: 'prodloop',
      action: 'triaged',
      detail: {
        kind: decision.kind,
        tier: decision.tier,
        priority: decision.priority,
        attribution: decision.attribution,
        confidence: decision.confidence,
        reasons: decision.reasons,
        ...(decision.relatedTo ? { relatedTo: decision.relatedTo } : {}),
        ...(decision.digest ? { digest: decision.digest } : {}),
        decision,
      },
    });
    logger.info('triage decision', {
      lineageId,
      kind: decision.kind,
      tier: decision.tier,
      priority: decision.priority,
      attribution: decision.attribution,
      reasons: decision.reasons.map((r) => sanitizer(r)),
    });
    return decision;
  };
}

function ruleFor(config: ProdloopConfig, lineage: Lineage): CodePathRule | undefined {
  return codePathsFor(config, {
    alarmName: lineage.signal.alarmName,
    namespaces: lineage.signal.metrics.flatMap((m) => (m.namespace ? [m.namespace] : [])),
  });
}

/**
 * A composite alarm has no metric: describe the alarms its rule names and measure the one in ALARM
 * (the most recent to enter it). Its service and code paths come from that child when the composite's
 * own name maps to none.
 */
async function resolveMetrics(
  lineage: Lineage,
  alarms: AlarmDirectory | undefined,
): Promise<{ lineage: Lineage; resolvedFrom?: { compositeAlarm: string; childAlarm: string } } | undefined> {
  if (lineage.signal.variant !== 'composite' || !alarms || lineage.signal.childAlarms.length === 0) return undefined;
  const described = await alarms.describe(lineage.signal.childAlarms);
  const child = described
    .filter((a) => a.metrics.length > 0)
    .sort((a, b) => Number(b.state === 'ALARM') - Number(a.state === 'ALARM') || (b.stateSince ?? '').localeCompare(a.stateSince ?? ''))[0];
  if (!child) return undefined;
  return {
    lineage: {
      ...lineage,
      signal: {
        ...lineage.signal,
        metrics: [...child.metrics],
        alarmName: child.alarmName,
        ...(child.comparisonOperator ? { comparisonOperator: child.comparisonOperator } : {}),
      },
    },
    resolvedFrom: { compositeAlarm: lineage.alarmName, childAlarm: child.alarmName },
  };
}
