/**
 * Triage: from the alarm's metric, its breadth across tenants, the deploys near the onset and the
 * quarantine locks, decide whether the problem deserves a code-ready issue, an observation for a
 * human, or nothing. Pure: every input is gathered by the handler through ports.
 */
import type { CodePathRule, ProdloopConfig } from './config.ts';
import type { AttributionCause, Candidate, Decision, Evidence, Lineage, QuarantineLock, RecordedDeploy, WindowStats } from './lineage.ts';
import type { Point } from './ports.ts';
import { changePoint, mean, noiseFloor, pathsIntersect, stddev } from './stats.ts';

export interface TriageInput {
  readonly lineage: Lineage;
  readonly rule: CodePathRule | undefined;
  /** The metric over the look-back window, oldest first. */
  readonly points: readonly Point[];
  readonly tenants: { readonly active: number; readonly affected: number };
  /** Deploys of the lineage's service in the look-back window before (and just after) the onset. */
  readonly deploys: readonly RecordedDeploy[];
  readonly locks: readonly QuarantineLock[];
  readonly config: Pick<ProdloopConfig, 'thresholds'>;
  readonly now: Date;
}

function stats(points: readonly Point[]): WindowStats {
  const values = points.map((p) => p.value);
  return {
    from: points[0]?.at ?? new Date(0).toISOString(),
    to: points.at(-1)?.at ?? new Date(0).toISOString(),
    mean: values.length ? mean(values) : 0,
    stddev: stddev(values),
    points: values.length,
  };
}

const minutes = (ms: number) => ms / 60_000;

/** Evidence: onset by change point, baseline before it, current after it, breadth, suspects. */
export function gatherEvidence(input: TriageInput): Evidence {
  const { points, lineage, config } = input;
  const cp = changePoint(points);
  const split = cp?.index ?? Math.max(points.length - 1, 0);
  const before = points.slice(0, split);
  const after = points.slice(split);
  const baseline = stats(before);
  const current = stats(after);
  const onset = after[0]?.at ?? lineage.signal.at;
  const sd = noiseFloor(baseline.mean, baseline.stddev);
  const signalToNoise = baseline.points > 0 && current.points > 0 ? (current.mean - baseline.mean) / sd : 0;
  const ratio = baseline.mean !== 0 ? current.mean / baseline.mean : current.mean > 0 ? Number.POSITIVE_INFINITY : 1;
  const { active, affected } = input.tenants;
  const onsetMs = Date.parse(onset);
  const lookbackMs = config.thresholds.deployLookbackMinutes * 60_000;
  const suspects = input.deploys.filter((d) => {
    const t = Date.parse(d.at);
    return d.status === 'succeeded' && t <= onsetMs + 5 * 60_000 && t >= onsetMs - lookbackMs;
  });
  const codePaths = lineage.codePaths;
  const quarantinedPaths = input.locks
    .filter((l) => pathsIntersect([l.path], codePaths) || pathsIntersect(codePaths, [l.path]))
    .map((l) => l.path);
  return {
    baseline,
    current,
    onset,
    durationMinutes: Math.max(0, minutes(input.now.getTime() - onsetMs)),
    signalToNoise,
    ratio: Number.isFinite(ratio) ? ratio : 1e6,
    tenantsAffected: affected,
    tenantsActive: active,
    breadth: active > 0 ? Math.min(1, affected / active) : 0,
    suspectDeploys: suspects,
    candidates: attribute(suspects, codePaths, active, affected, onsetMs),
    quarantinedPaths,
  };
}

/** Candidate causes, each with a confidence; the most likely first. */
export function attribute(
  deploys: readonly RecordedDeploy[],
  codePaths: readonly string[],
  active: number,
  affected: number,
  onsetMs: number,
): Candidate[] {
  const candidates: Candidate[] = [];
  for (const d of deploys) {
    const lagMinutes = Math.abs(onsetMs - Date.parse(d.at)) / 60_000;
    const alignment = Math.max(0, 1 - lagMinutes / 120);
    const touchesCode = d.changedPaths.length > 0 && pathsIntersect(codePaths, d.changedPaths);
    if (touchesCode) {
      candidates.push({
        cause: 'platform-deploy',
        confidence: round(0.55 + 0.4 * alignment),
        why: `deploy ${d.deployId} changed ${d.changedPaths.filter((p) => pathsIntersect(codePaths, [p])).length} watched path(s), ${lagMinutes.toFixed(0)} min before the onset`,
        deployId: d.deployId,
      });
    } else if (d.dependencyChanges.length > 0) {
      candidates.push({
        cause: 'dependency-change',
        confidence: round(0.45 + 0.4 * alignment),
        why: `deploy ${d.deployId} bumped ${d.dependencyChanges.map((c) => `${c.name} ${c.from ?? '?'}→${c.to ?? '?'}`).join(', ')}, ${lagMinutes.toFixed(0)} min before the onset`,
        deployId: d.deployId,
      });
    } else if (d.changedPaths.length === 0) {
      candidates.push({
        cause: 'platform-deploy',
        confidence: round(0.3 + 0.3 * alignment),
        why: `deploy ${d.deployId} of the service ${lagMinutes.toFixed(0)} min before the onset (changed paths unknown)`,
        deployId: d.deployId,
      });
    }
  }
  if (active > 0 && affected > 0 && affected <= Math.max(1, Math.floor(active * 0.02))) {
    candidates.push({ cause: 'user-configuration', confidence: 0.6, why: `only ${affected} of ${active} tenants affected` });
  }
  if (candidates.length === 0)
    candidates.push({ cause: 'unknown', confidence: 0.3, why: 'no deploy, dependency change or narrow breadth explains the onset' });
  return candidates.sort((a, b) => b.confidence - a.confidence);
}

const round = (x: number) => Math.round(x * 100) / 100;

function priorityOf(e: Evidence): Decision['priority'] {
  if (e.breadth >= 0.5 && e.ratio >= 3) return 'P0';
  if (e.breadth >= 0.2 || e.ratio >= 3) return 'P1';
  if (e.breadth >= 0.05 || e.ratio >= 1.5) return 'P2';
  return 'P3';
}

export function decide(input: TriageInput): Decision {
  const evidence = gatherEvidence(input);
  const t = input.config.thresholds;
  const reasons: string[] = [];
  const top = evidence.candidates[0] as Candidate;
  const tier: 1 | 2 = input.rule?.highBlastRadius || evidence.breadth >= 0.5 ? 2 : 1;
  const base = { tier, priority: priorityOf(evidence), evidence } as const;
  const attribution: AttributionCause = top.cause;

  if (evidence.baseline.points + evidence.current.points === 0) {
    reasons.push('no metric data to measure the alarm against (composite alarm or missing metric): a human should look');
    return { ...base, kind: 'observation', confidence: top.confidence, attribution, reasons };
  }
  if (evidence.signalToNoise < t.minSignalToNoise) {
    reasons.push(`shift of ${evidence.signalToNoise.toFixed(1)}σ is below the minimum of ${t.minSignalToNoise}σ`);
    return { ...base, kind: 'ignore', confidence: round(1 - top.confidence / 2), attribution, reasons };
  }
  if (evidence.durationMinutes < t.minDurationMinutes) {
    reasons.push(`lasted ${evidence.durationMinutes.toFixed(0)} min, below the minimum of ${t.minDurationMinutes} min`);
    return { ...base, kind: 'ignore', confidence: 0.5, attribution, reasons };
  }
  reasons.push(
    `shift of ${evidence.signalToNoise.toFixed(1)}σ (${evidence.ratio.toFixed(2)}× baseline) for ${evidence.durationMinutes.toFixed(0)} min`,
  );

  if (evidence.quarantinedPaths.length > 0) {
    reasons.push(`code paths under quarantine (${evidence.quarantinedPaths.join(', ')}): no code-ready issue until a human lifts the lock`);
    return { ...base, kind: 'observation', confidence: top.confidence, attribution, reasons };
  }
  const deployCause = top.cause === 'platform-deploy' || top.cause === 'dependency-change';
  const broadEnough = evidence.tenantsActive === 0 || evidence.breadth >= t.minBreadth;
  if (!broadEnough)
    reasons.push(
      `breadth ${evidence.tenantsAffected}/${evidence.tenantsActive} tenants is below the minimum of ${(t.minBreadth * 100).toFixed(0)}%`,
    );
  if (!deployCause) reasons.push('no deploy or dependency change corroborates a platform origin');
  if (deployCause && broadEnough) {
    reasons.push(top.why);
    return { ...base, kind: 'actionable', confidence: top.confidence, attribution, reasons };
  }
  return { ...base, kind: 'observation', confidence: top.confidence, attribution, reasons };
}
