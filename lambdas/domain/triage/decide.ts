/**
 * Triage: from the alarm's metric (against a baseline that respects trend and weekly seasonality), its
 * breadth across tenants and depth across operations, the deploys and AWS Health events near the onset,
 * the log samples and the quarantine locks, decide whether the problem deserves a code-ready issue, an
 * observation for a human, or nothing. Every decision carries its evidence and its reasons.
 * Pure: the handler gathers every input through ports (and sanitizes text before it gets here).
 *
 * It stays one file over 400 lines: `gather` and `decide` are the two halves of one triage (the evidence
 * the one assembles is what the other's rules read), and the parts they use already live beside it.
 */

import type { CodePathRule, ProdloopConfig } from '#domain/config/config';
import type { Candidate, Decision, Evidence, Lineage, QuarantineLock, RecordedDeploy, WindowStats } from '#domain/lineage/lineage';
import { P_FLOOR, round, sci } from '#domain/shared/format';
import { matchesPath, patternsOverlap } from '#domain/shared/glob';
import { mean, stddev } from '#domain/shared/stats';
import type { LogSample, Point, TenantSeries } from '#domain/signals/series';
import type { HealthSignal } from '#domain/signals/signals';
import { attribute } from './attribution.ts';
import { type TriageSettings, triageSettingsOf } from './config.ts';
import type { LogEvidence, OtherAlarm, TenantEvidence } from './evidence.ts';
import { logEvidence, signalPathsOf } from './log-evidence.ts';
import { priorityOf, tierOf } from './priority.ts';
import type { HistoryWindow } from './seasonality.ts';
import { analyzeShift, countAffected, type ShiftAnalysis, tenantShifted } from './shift.ts';

export interface TriageInput {
  readonly lineage: Lineage;
  readonly rule: CodePathRule | undefined;
  /** The metric over the triage window, oldest first. */
  readonly points: readonly Point[];
  /** The same hours of previous weeks (weekly seasonality). */
  readonly history?: readonly HistoryWindow[];
  /** Aggregate breadth, used when there is no per-tenant series. */
  readonly tenants: { readonly active: number; readonly affected: number };
  /** The metric per tenant, tenant names already pseudonymized. */
  readonly tenantSeries?: readonly TenantSeries[];
  /** All operations of the service over the window (the rule's traffic metric), for depth. */
  readonly traffic?: readonly Point[];
  /** Deploys of the lineage's service in the look-back window before (and just after) the onset. */
  readonly deploys: readonly RecordedDeploy[];
  readonly locks: readonly QuarantineLock[];
  /** AWS Health events of the services the rule depends on (or of any service), around the onset. */
  readonly health?: readonly HealthSignal[];
  /** Sanitized log samples and the query that produced them. */
  readonly logs?: {
    readonly query: string;
    readonly logGroups: readonly string[];
    readonly samples: readonly LogSample[];
    readonly error?: string;
  };
  /** Alarms of other services in ALARM now. */
  readonly otherAlarms?: readonly OtherAlarm[];
  /** A composite alarm measured through its triggering child. */
  readonly resolvedFrom?: { readonly compositeAlarm: string; readonly childAlarm: string };
  readonly config: Pick<ProdloopConfig, 'thresholds'> & { readonly triage?: Partial<TriageSettings> };
  readonly now: Date;
}

const EPOCH = new Date(0).toISOString();

function windowStats(points: readonly Point[]): WindowStats {
  const values = points.map((p) => p.value);
  return {
    from: points[0]?.at ?? EPOCH,
    to: points.at(-1)?.at ?? EPOCH,
    mean: values.length ? mean(values) : 0,
    stddev: stddev(values),
    points: values.length,
  };
}

const COUNT_STATS = new Set(['sum', 'samplecount']);

/** Count metrics (Sum, SampleCount) report nothing for a period without events: those periods are zeros. */
export function fillCountGaps(points: readonly Point[], periodMs: number): Point[] {
  if (points.length < 2) return [...points];
  const out: Point[] = [];
  let expected = Date.parse((points[0] as Point).at);
  for (const p of points) {
    const t = Date.parse(p.at);
    while (t - expected >= periodMs * 1.5) {
      out.push({ at: new Date(expected).toISOString(), value: 0 });
      expected += periodMs;
    }
    out.push(p);
    expected = t + periodMs;
  }
  return out;
}

interface Gathered {
  readonly evidence: Evidence;
  readonly analysis: ShiftAnalysis | undefined;
  readonly settings: TriageSettings;
  readonly breadthKnown: boolean;
  readonly depth: number | undefined;
}

function gather(input: TriageInput): Gathered {
  const { lineage, config } = input;
  const settings = triageSettingsOf(config);
  const metric = lineage.signal.metrics.find((m) => m.returnData !== false) ?? lineage.signal.metrics[0];
  const periodMs = (metric?.periodSeconds ?? 60) * 1000;
  const countLike = COUNT_STATS.has((metric?.stat ?? '').toLowerCase()) && !metric?.expression;
  const points = countLike ? fillCountGaps(input.points, periodMs) : [...input.points];
  const analysis = analyzeShift(points, input.history ?? [], { countLike, alpha: settings.alpha, periodMs });

  const onsetIndex = analysis?.onsetIndex ?? points.length;
  const before = points.slice(0, onsetIndex);
  const after = points.slice(onsetIndex);
  const onset = analysis?.onset ?? lineage.signal.at;
  const onsetMs = Date.parse(onset);
  const nowMs = input.now.getTime();
  const durationMinutes = analysis
    ? Math.max(0, ((analysis.stillShifted ? nowMs : Date.parse(analysis.lastShiftedAt) + periodMs) - onsetMs) / 60_000)
    : 0;

  // Breadth: each tenant tested at the onset, or the adapter's aggregate.
  let active = input.tenants.active;
  let affected = input.tenants.affected;
  let tenants: TenantEvidence = { source: active > 0 ? 'aggregate' : 'none', top: [] };
  if (analysis && input.tenantSeries && input.tenantSeries.length > 0) {
    const direction = analysis.observedMean >= analysis.expectedMean ? 1 : -1;
    const tested = input.tenantSeries.map((s) => ({
      tenant: s.tenant,
      ...tenantShifted(s.points, onsetMs, direction, { countLike, alpha: settings.tenantAlpha }),
    }));
    const counted = countAffected(tested);
    active = counted.active;
    affected = counted.affected;
    tenants = {
      source: 'per-tenant',
      confirmed: counted.confirmed,
      estimated: counted.estimated,
      top: tested
        .filter((t) => t.affected)
        .sort((a, b) => direction * (b.excess - a.excess))
        .slice(0, 10)
        .map((t) => ({ tenant: t.tenant, excess: round(t.excess) })),
    };
  }
  const breadthKnown = active > 0;

  // Depth: failing operations over all operations since the onset.
  let depth: Evidence['depth'];
  if (analysis && countLike && input.traffic && input.traffic.length > 0) {
    const operations = input.traffic.filter((p) => Date.parse(p.at) >= onsetMs).reduce((s, p) => s + p.value, 0);
    const failures = after.reduce((s, p) => s + p.value, 0);
    const excessFailures = analysis.excessEvents ?? 0;
    if (operations > 0) depth = { failing: round(failures / operations, 4), excess: round(excessFailures / operations, 4), operations };
  }

  const lookbackMs = config.thresholds.deployLookbackMinutes * 60_000;
  const suspects = input.deploys.filter((d) => {
    const t = Date.parse(d.at);
    return d.status === 'succeeded' && t <= onsetMs + 5 * 60_000 && t >= onsetMs - lookbackMs;
  });
  const logs: LogEvidence | undefined = input.logs
    ? {
        ...logEvidence({
          query: input.logs.query,
          logGroups: input.logs.logGroups,
          samples: input.logs.samples,
          registry: settings.errorCodes,
          keep: settings.logs.samples,
          bumpedDependencies: suspects.flatMap((d) => d.dependencyChanges.map((c) => c.name)),
        }),
        ...(input.logs.error ? { error: input.logs.error } : {}),
      }
    : undefined;
  const signalPaths = signalPathsOf(logs);
  const codePaths = lineage.codePaths;
  const quarantinedPaths = input.locks
    .filter((l) => patternsOverlap([l.path], codePaths) || patternsOverlap([l.path], signalPaths))
    .map((l) => l.path);
  const health = (input.health ?? []).filter((h) => {
    const t = Date.parse(h.at);
    return t <= onsetMs + 15 * 60_000 && t >= onsetMs - 6 * 60 * 60_000 && !/closed|resolved/i.test(h.status ?? '');
  });
  const otherAlarms = (input.otherAlarms ?? []).filter(
    (a) =>
      a.service !== lineage.service &&
      a.alarmName !== lineage.alarmName &&
      (!a.since || Math.abs(Date.parse(a.since) - onsetMs) <= settings.foldWindowMinutes * 60_000),
  );
  const candidates = attribute({
    onsetMs,
    deploys: suspects,
    codePaths,
    signalPaths,
    ...(breadthKnown ? { tenants: { active, affected } } : {}),
    narrowTenants: settings.narrowTenants,
    health,
    healthServicesConfigured: (input.rule?.awsServices.length ?? 0) > 0,
    ...(logs ? { logs } : {}),
    otherAlarms,
    crossServiceAlarms: settings.crossServiceAlarms,
  });

  const evidence: Evidence = {
    baseline: windowStats(before),
    current: windowStats(after),
    onset,
    durationMinutes: round(durationMinutes, 1),
    signalToNoise: round(analysis?.signalToNoise ?? 0),
    ratio: round(analysis?.ratio ?? 1, 3),
    tenantsAffected: affected,
    tenantsActive: active,
    breadth: active > 0 ? Math.min(1, affected / active) : 0,
    suspectDeploys: suspects,
    candidates,
    quarantinedPaths,
    ...(analysis
      ? {
          statistics: {
            model: analysis.model,
            seasonalWeeks: analysis.seasonalWeeks,
            trendPerHour: round(analysis.trendPerHour, 3),
            expectedMean: round(analysis.expectedMean, 3),
            noise: round(analysis.noise, 3),
            z: round(analysis.z),
            // DynamoDB stores numbers down to 1e-130: p-values are floored at 1e-100 ("< 1e-100").
            pValue: Math.max(analysis.pValue, P_FLOOR),
            pAdjusted: Math.max(analysis.pAdjusted, P_FLOOR),
            alpha: settings.alpha,
            onsetsTried: analysis.onsetsTried,
            autocorrelation: round(analysis.autocorrelation),
            stillShifted: analysis.stillShifted,
            lastShiftedAt: analysis.lastShiftedAt,
          },
          rateOfChangePerHour: round(analysis.rateOfChangePerHour),
          ...(analysis.excessEvents !== undefined ? { excessEvents: Math.round(analysis.excessEvents) } : {}),
        }
      : {}),
    ...(depth ? { depth } : {}),
    tenants,
    ...(input.health ? { healthEvents: health } : {}),
    ...(logs ? { logs } : {}),
    ...(input.otherAlarms ? { otherAlarms: otherAlarms.slice(0, 25) } : {}),
    ...(signalPaths.length > 0 ? { signalPaths } : {}),
    ...(input.resolvedFrom ? { resolvedFrom: input.resolvedFrom } : {}),
  };
  return {
    evidence: { ...evidence, hypothesis: hypothesis(lineage, evidence) },
    analysis,
    settings,
    breadthKnown,
    depth: depth ? Math.max(0, Math.min(1, depth.excess)) : undefined,
  };
}

/** Evidence only (kept for callers that want the numbers without a decision). */
export function gatherEvidence(input: TriageInput): Evidence {
  return gather(input).evidence;
}

const DEPLOY_CAUSES: ReadonlySet<string> = new Set(['platform-deploy', 'dependency-change']);

/**
 * Changed paths of a suspect deploy kept in the decision. The decision travels through Step Functions
 * state (256 KiB) and into the lineage's item: two monorepo deploys listing every file they changed
 * (legal events of about 160 KB each) made a 322 KB decision. Triage itself reads every path; the
 * decision keeps the first ones and says how many it left out.
 */
export const MAX_EVIDENCE_PATHS = 100;

function bounded(evidence: Evidence): Evidence {
  return {
    ...evidence,
    suspectDeploys: evidence.suspectDeploys.map((d) =>
      d.changedPaths.length <= MAX_EVIDENCE_PATHS
        ? d
        : {
            ...d,
            changedPaths: d.changedPaths.slice(0, MAX_EVIDENCE_PATHS),
            changedPathsOmitted: d.changedPaths.length - MAX_EVIDENCE_PATHS,
          },
    ),
  };
}

export function decide(input: TriageInput): Decision {
  const { evidence, analysis, settings, breadthKnown, depth } = gather(input);
  const t = input.config.thresholds;
  const reasons: string[] = [];
  const top = evidence.candidates[0] as Candidate;
  const otherServices = new Set((evidence.otherAlarms ?? []).map((a) => a.service ?? a.namespace ?? a.alarmName)).size;
  const topDeploy = evidence.suspectDeploys.find((d) => d.deployId === top.deployId);
  const tier = tierOf({
    highBlastRadius: input.rule?.highBlastRadius ?? false,
    breadth: breadthKnown ? evidence.breadth : undefined,
    otherServices,
    crossServiceAlarms: settings.crossServiceAlarms,
    architecturalChanges: (topDeploy?.changedPaths ?? []).filter((p) => matchesPath(settings.architecturalPaths, p)),
  });
  const priority = priorityOf({
    breadth: breadthKnown ? evidence.breadth : undefined,
    depth,
    ratio: evidence.ratio,
    durationMinutes: evidence.durationMinutes,
    rateOfChangePerHour: evidence.rateOfChangePerHour,
  });
  const base = {
    tier: tier.tier,
    priority: priority.priority,
    evidence: bounded(evidence),
    attribution: top.cause,
    rank: { tier: tier.why, priority: priority.why },
  } as const;
  const observe = () => ({ ...base, kind: 'observation' as const, confidence: top.confidence, reasons });
  const ignore = (confidence: number) => ({ ...base, kind: 'ignore' as const, confidence: round(confidence), reasons });

  if (!analysis) {
    reasons.push(
      evidence.baseline.points + evidence.current.points === 0
        ? 'no metric data to measure the alarm against (composite alarm or missing metric): a human should look'
        : `only ${input.points.length} points of metric data: too few for a baseline and an onset; a human should look`,
    );
    return observe();
  }
  const stats = evidence.statistics;
  const p = stats ? `adjusted p ${sci(stats.pAdjusted)} (Bonferroni over ${stats.onsetsTried} candidate onsets)` : '';
  const shift = `shift of ${evidence.signalToNoise.toFixed(1)}σ (${evidence.ratio.toFixed(2)}× the expected ${analysis.model} level)`;
  if (!analysis.significant) {
    reasons.push(`${shift} is not significant: ${p} ≥ α = ${settings.alpha}`);
    if (analysis.model !== 'flat') reasons.push(`the ${analysis.model} baseline explains the alarm (${modelWords(analysis)})`);
    return ignore(1 - analysis.pAdjusted / 2);
  }
  const relativeShift = evidence.ratio >= 1 ? evidence.ratio - 1 : 1 / Math.max(evidence.ratio, 1e-9) - 1;
  const counts = evidence.excessEvents !== undefined;
  const concentrated = breadthKnown && evidence.tenantsAffected > 0 && evidence.breadth < t.minBreadth;
  if (Math.abs(evidence.signalToNoise) < t.minSignalToNoise) {
    if (counts && relativeShift >= settings.minRelativeShift) {
      // Sparse counts: Poisson noise caps the per-point effect; a significant change of the rate is the effect.
      reasons.push(`${shift}: small per point, but the event rate changed by ${Math.round(relativeShift * 100)}% (${p})`);
    } else if (concentrated) {
      reasons.push(
        `${shift} is small in aggregate but concentrated in ${evidence.tenantsAffected} of ${evidence.tenantsActive} tenants (${p})`,
      );
    } else {
      reasons.push(`${shift} is significant (${p}) but below the minimum effect of ${t.minSignalToNoise}σ`);
      return ignore(0.6);
    }
  }
  if (!analysis.stillShifted) {
    if (evidence.durationMinutes < t.minDurationMinutes) {
      reasons.push(
        `short blip: ${shift} for ${evidence.durationMinutes.toFixed(0)} min, then back at the expected level (minimum ${t.minDurationMinutes} min)`,
      );
      return ignore(0.7);
    }
    reasons.push(`${shift} lasted ${evidence.durationMinutes.toFixed(0)} min and is over: the signal is back at its expected level`);
    reasons.push('a problem that resolved itself is for a human to look at, not for a code change');
    return observe();
  }
  if (evidence.durationMinutes < t.minDurationMinutes) {
    reasons.push(`${shift} has lasted ${evidence.durationMinutes.toFixed(0)} min, below the minimum of ${t.minDurationMinutes} min`);
    return ignore(0.5);
  }
  reasons.push(`${shift} for ${evidence.durationMinutes.toFixed(0)} min; ${p} < α = ${settings.alpha}`);

  const thin: string[] = [];
  if (evidence.excessEvents !== undefined && Math.abs(evidence.excessEvents) < settings.minExcessEvents)
    thin.push(`only ${Math.abs(evidence.excessEvents)} events beyond the expected count (minimum ${settings.minExcessEvents})`);
  if (evidence.depth && evidence.depth.operations < settings.minOperations)
    thin.push(`only ${Math.round(evidence.depth.operations)} operations since the onset (minimum ${settings.minOperations})`);
  if (thin.length > 0) {
    reasons.push(`evidence too thin to act on: ${thin.join('; ')} (low traffic)`);
    return observe();
  }
  if (evidence.quarantinedPaths.length > 0) {
    reasons.push(`code paths under quarantine (${evidence.quarantinedPaths.join(', ')}): no code-ready issue until a human lifts the lock`);
    return observe();
  }

  const deployCause = DEPLOY_CAUSES.has(top.cause) && top.confidence >= settings.minAttributionConfidence;
  const broadEnough = !breadthKnown || evidence.breadth >= t.minBreadth;
  const logsConsistent = !evidence.logs || evidence.logs.consistentWithPlatform;
  if (!deployCause) {
    reasons.push(
      DEPLOY_CAUSES.has(top.cause)
        ? `the deploy evidence is weak (${top.confidence.toFixed(2)} < ${settings.minAttributionConfidence}): ${top.why}`
        : `no deploy or dependency change corroborates a platform origin; most likely: ${top.cause} (${top.confidence.toFixed(2)}): ${top.why}`,
    );
  }
  if (!broadEnough)
    reasons.push(
      `breadth ${evidence.tenantsAffected}/${evidence.tenantsActive} tenants is below the minimum of ${(t.minBreadth * 100).toFixed(0)}%`,
    );
  if (!logsConsistent)
    reasons.push(
      `the log samples point outside the platform (${Object.entries(evidence.logs?.origins ?? {})
        .map(([o, n]) => `${o} ${n}`)
        .join(', ')})`,
    );
  if (deployCause && broadEnough && logsConsistent) {
    reasons.push(top.why);
    if (breadthKnown) reasons.push(`breadth ${evidence.tenantsAffected}/${evidence.tenantsActive} tenants`);
    if (evidence.logs) reasons.push(`logs consistent with a platform origin (${evidence.logs.dominant})`);
    return { ...base, kind: 'actionable', confidence: top.confidence, reasons };
  }
  return observe();
}

function modelWords(a: ShiftAnalysis): string {
  const parts: string[] = [];
  if (a.seasonalWeeks > 0) parts.push(`same hours of ${a.seasonalWeeks} previous week${a.seasonalWeeks === 1 ? '' : 's'}`);
  if (a.trendPerHour !== 0) parts.push(`a trend of ${(a.trendPerHour * 100).toFixed(0)}% per hour before the onset`);
  return parts.join(', ');
}

/** A root-cause hypothesis in one paragraph, from the top candidate and the evidence behind it. */
function hypothesis(lineage: Lineage, e: Evidence): string {
  const top = e.candidates[0];
  const metric = lineage.signal.metrics.find((m) => m.metricName)?.metricName ?? lineage.alarmName;
  const what = `${metric} at ${e.ratio.toFixed(1)}× its expected level since ${e.onset.slice(11, 16)} UTC`;
  const codes = (e.logs?.codes ?? []).slice(0, 3).map((c) => c.code);
  const errors = codes.length > 0 ? ` The logs show ${codes.join(', ')}` : '';
  const where = e.signalPaths && e.signalPaths.length > 0 ? ` raised in ${e.signalPaths.slice(0, 3).join(', ')}` : '';
  if (!top) return `${what}.`;
  const deploy = e.suspectDeploys.find((d) => d.deployId === top.deployId);
  switch (top.cause) {
    case 'platform-deploy': {
      const change = deploy
        ? `deploy ${deploy.deployId}${deploy.prNumbers.length ? ` (PR ${deploy.prNumbers.map((n) => `#${n}`).join(', ')})` : ''}${deploy.changedPaths.length ? `, which changed ${deploy.changedPaths.slice(0, 3).join(', ')}` : ''}`
        : 'a recent deploy';
      return `${what}, shortly after ${change}.${errors ? `${errors}${where}.` : ''} Hypothesis: a regression introduced by ${deploy?.deployId ?? 'that deploy'}; reverting it or fixing the change should bring the signal back to about ${num(e.statistics?.expectedMean ?? e.baseline.mean)}.`;
    }
    case 'dependency-change': {
      const bumps = deploy?.dependencyChanges.map((c) => `${c.name} ${c.from ?? '?'}→${c.to ?? '?'}`).join(', ');
      return `${what}, shortly after deploy ${deploy?.deployId ?? '?'} changed dependencies${bumps ? ` (${bumps})` : ''}.${errors ? `${errors}${where}.` : ''} Hypothesis: the new dependency version behaves differently for this service; pin the previous version or adapt the code to the new one.`;
    }
    case 'external-dependency':
      return `${what}. ${top.why}. Hypothesis: a failure outside this service (an AWS service or an upstream dependency); a code change here is unlikely to fix it, but retries, timeouts or fallbacks may soften it.`;
    case 'user-configuration':
      return `${what}. ${top.why}.${errors ? `${errors}.` : ''} Hypothesis: the configuration or usage of the affected tenants, not the platform; check what changed on their side before changing code.`;
    default:
      return `${what}. No deploy, dependency change, external event or tenant pattern explains the onset.${errors ? `${errors}${where}.` : ''} A human should look at traffic, data and infrastructure changes around ${e.onset.slice(11, 16)} UTC.`;
  }
}

function num(x: number): string {
  return Math.abs(x) >= 100 ? String(Math.round(x)) : String(Number(x.toPrecision(3)));
}
