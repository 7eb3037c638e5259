/**
 * triage: gathers the evidence through ports and returns the decision (pure core in #domain/triage/decide).
 *
 * Around the pure decision it does three things that need the store:
 * - sanitizes every outside text (log samples, alarm names of other services) and pseudonymizes tenant
 *   names before the core, the audit trail or a log line sees them;
 * - folds a storm: the first lineage of a service to reach a decision leads the problem (a conditional
 *   write), and other lineages of that service arriving while it is in flight are folded into it;
 * - caps new issues per UTC day (conditional writes on numbered slots); beyond the cap the decision
 *   becomes an observation for the day's digest.
 */
import * as z from 'zod';
import { type CodePathRule, codePathsFor, type ProdloopConfig } from '#domain/config/config';
import { type Decision, inFlightStatuses, type Lineage, type LineageStatus } from '#domain/lineage/lineage';
import { makeSanitizer, pseudonym, type Sanitizer } from '#domain/privacy/sanitize';
import { NotFoundError } from '#domain/shared/errors';
import { trafficRef, triageSettingsOf } from '#domain/triage/config';
import { decide } from '#domain/triage/decide';
import type { OtherAlarm } from '#domain/triage/evidence';
import { type HistoryWindow, WEEK_MS } from '#domain/triage/seasonality';
import type { Deps } from '#ports/deps';
import type { AlarmDirectory, HealthEventSource, LogSample, LogSource, Point, TenantSeries } from '#ports/ports';

export const triageInput = z.object({ lineageId: z.string().min(1) });

/** Default minutes of metric triage reads (configuration `triage.windowMinutes`). */
export const TRIAGE_WINDOW_MINUTES = 180;
/** Log samples are read from this long before the alarm (the onset is usually inside it). */
const LOG_LOOKBACK_MINUTES = 60;
/** Retries to find the lineage that won a problem's lead, while its record is being written. */
const LEADER_LOOKUPS = 6;

/** Optional evidence sources: without one, triage goes on without that evidence. */
export interface TriageSources {
  readonly alarms?: AlarmDirectory;
  readonly logs?: LogSource;
  readonly health?: HealthEventSource;
  /** Waits between leader look-ups (injected so tests and local runs do not sleep). */
  readonly sleep?: (ms: number) => Promise<void>;
}

type TriageDeps = Pick<Deps, 'config' | 'store' | 'metrics' | 'clock' | 'logger'> & TriageSources;

/** The sanitizer triage and the issue renderer use: the configured key, the tenant dimension as an identifier key. */
export function sanitizerFor(config: Pick<ProdloopConfig, 'privacy' | 'tenantDimension'>, known: readonly string[] = []): Sanitizer {
  return makeSanitizer({
    ...(config.privacy?.hashKey ? { hashKey: config.privacy.hashKey } : {}),
    identifierKeys: [...(config.privacy?.identifierKeys ?? []), config.tenantDimension],
    knownIdentifiers: known.map((value) => ({ kind: 'tenant' as const, value })),
  });
}

export function makeTriage(deps: TriageDeps) {
  const { config, store, metrics, clock, logger } = deps;
  const settings = triageSettingsOf(config);
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
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

    if (decision.kind !== 'ignore') decision = await foldIntoProblem(decision, lineage, now);
    if (decision.kind !== 'ignore') decision = await applyDailyCap(decision, lineage, now);

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

  /** The store key and audit trail that name a problem's leading lineage. */
  function problemOf(decision: Decision, lineage: Lineage): string | undefined {
    const arn = decision.attribution === 'external-dependency' ? decision.evidence.healthEvents?.[0]?.eventArn : undefined;
    if (arn) return `problem#health#${arn}`;
    return lineage.service ? `problem#service#${lineage.service}` : undefined;
  }

  async function currentLeader(problem: string, self: string, now: Date): Promise<Lineage | undefined> {
    const trail = await store.auditTrail(problem);
    for (const e of [...trail].reverse()) {
      if (e.action !== 'problem-leader') continue;
      const id = String(e.detail.lineageId ?? '');
      if (!id || id === self) return undefined;
      const leader = await store.getLineage(id);
      if (!leader) return undefined;
      const recent = now.getTime() - Date.parse(e.at) <= settings.foldWindowMinutes * 60_000;
      const live: readonly LineageStatus[] = [...inFlightStatuses, 'observing'];
      return live.includes(leader.status) && (recent || inFlightStatuses.includes(leader.status)) ? leader : undefined;
    }
    return undefined;
  }

  async function foldIntoProblem(decision: Decision, lineage: Lineage, now: Date): Promise<Decision> {
    const problem = problemOf(decision, lineage);
    if (!problem) return decision;
    const at = now.toISOString();
    let leader = await currentLeader(problem, lineage.lineageId, now);
    if (!leader) {
      const bucket = Math.floor(now.getTime() / (settings.foldWindowMinutes * 60_000));
      const won = await store.claimOnce(`${problem}#${bucket}`, settings.foldWindowMinutes * 60, at);
      if (won) {
        await store.appendAudit({
          lineageId: problem,
          at,
          actor: 'prodloop',
          action: 'problem-leader',
          detail: { lineageId: lineage.lineageId },
        });
        return decision;
      }
      for (let i = 0; i < LEADER_LOOKUPS && !leader; i++) {
        await sleep(50 * 2 ** i);
        leader = await currentLeader(problem, lineage.lineageId, now);
      }
    }
    const reason = leader
      ? `same problem as lineage ${leader.lineageId} (${leader.alarmName}), already ${leader.status}: folded into it, no second issue`
      : `another lineage of this problem (${problem.replace(/^problem#/, '')}) leads it: folded, no second issue`;
    if (leader) {
      await store.appendAudit({
        lineageId: leader.lineageId,
        at,
        actor: 'prodloop',
        action: 'alarm-folded',
        detail: { lineageId: lineage.lineageId, alarmName: lineage.alarmName, kind: decision.kind },
      });
    }
    return {
      ...decision,
      kind: 'ignore',
      ...(leader ? { relatedTo: leader.lineageId } : {}),
      reasons: [...decision.reasons, reason],
    };
  }

  async function applyDailyCap(decision: Decision, lineage: Lineage, now: Date): Promise<Decision> {
    const day = now.toISOString().slice(0, 10);
    const at = now.toISOString();
    // A retried triage reuses the slot (or the digest) it was given the first time.
    const earlier = (await store.auditTrail(lineage.lineageId)).findLast(
      (e) => e.action === 'issue-slot' && e.detail.generation === lineage.generation,
    );
    let slot: number | undefined;
    if (earlier) slot = typeof earlier.detail.slot === 'number' ? earlier.detail.slot : undefined;
    else {
      for (let n = 1; n <= settings.dailyIssueCap && slot === undefined; n++) {
        if (await store.claimOnce(`issues#${day}#${n}`, 2 * 86_400, at)) slot = n;
      }
      await store.appendAudit({
        lineageId: lineage.lineageId,
        at,
        actor: 'prodloop',
        action: 'issue-slot',
        detail: { generation: lineage.generation, day, ...(slot !== undefined ? { slot } : { digest: day }) },
      });
    }
    if (slot !== undefined) return decision;
    return {
      ...decision,
      kind: 'observation',
      digest: day,
      reasons: [
        ...decision.reasons,
        `the daily cap of ${settings.dailyIssueCap} new issues is reached: this ${decision.kind === 'actionable' ? 'issue' : 'observation'} goes into the digest observation of ${day}`,
      ],
    };
  }
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
