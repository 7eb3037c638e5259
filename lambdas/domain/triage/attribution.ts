/**
 * Candidate causes of a shift, each with a confidence in [0, 1] and the evidence behind it in words:
 * a platform deploy, a dependency change, an external dependency, tenant configuration, or unknown.
 * Every cause is listed, the unlikely ones too, so the issue shows what was considered. The scores are
 * a transparent weighing of evidence, not calibrated probabilities (docs/triage.md). Pure.
 */
import type { Candidate, RecordedDeploy } from '#domain/lineage/lineage';
import { round } from '#domain/shared/format';
import { matchesAnyPath, matchesPath } from '#domain/shared/glob';
import type { HealthSignal } from '#domain/signals/signals';
import type { LogEvidence, OtherAlarm } from './evidence.ts';

export interface AttributionInput {
  readonly onsetMs: number;
  /** Successful deploys of the lineage's service in the look-back window. */
  readonly deploys: readonly RecordedDeploy[];
  /** The service's code paths. */
  readonly codePaths: readonly string[];
  /** The code paths the logged errors point at (narrower; empty when unknown). */
  readonly signalPaths: readonly string[];
  /** Undefined when there is no per-tenant data. */
  readonly tenants?: { readonly active: number; readonly affected: number };
  /** How many affected tenants still make a narrow, tenant-side pattern. */
  readonly narrowTenants: number;
  readonly health: readonly HealthSignal[];
  /** True when the health events' services are ones the service is configured to depend on. */
  readonly healthServicesConfigured: boolean;
  readonly logs?: LogEvidence;
  /** Alarms of other services in ALARM around the onset. */
  readonly otherAlarms: readonly OtherAlarm[];
  readonly crossServiceAlarms: number;
}

/** Lockfiles and manifests: a deploy that changes only these is a dependency change. */
const DEPENDENCY_FILE =
  /(?:^|\/)(?:package(?:-lock)?\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|go\.(?:mod|sum)|requirements[\w.-]*\.txt|Pipfile(?:\.lock)?|poetry\.lock|pyproject\.toml|uv\.lock|Gemfile(?:\.lock)?|Cargo\.(?:toml|lock)|pom\.xml|build\.gradle(?:\.kts)?|gradle\.lockfile|[\w.-]+\.csproj|packages\.lock\.json|composer\.(?:json|lock)|mix\.lock)$/;

export function isDependencyFile(path: string): boolean {
  return DEPENDENCY_FILE.test(path);
}

/** 1 within a rollout's reach (15 min), then decaying with a 45-minute scale. */
export function alignment(lagMinutes: number): number {
  if (lagMinutes <= 15) return 1;
  return Math.exp(-(lagMinutes - 15) / 45);
}

/** A confidence: clamped to 0..1, two decimals. */
const toConfidence = (x: number) => round(Math.min(1, Math.max(0, x)));
const minutesText = (m: number) => (m < 0 ? `${Math.round(-m)} min after` : `${Math.round(m)} min before`);

export function attribute(input: AttributionInput): Candidate[] {
  const logs = input.logs;
  const logShare = (origin: string) => {
    if (!logs) return 0;
    const total = Object.entries(logs.origins)
      .filter(([o]) => o !== 'unknown')
      .reduce((s, [, n]) => s + n, 0);
    return total > 0 ? (logs.origins[origin] ?? 0) / total : 0;
  };
  const t = input.tenants;
  const narrow =
    t !== undefined && t.active >= 10 && t.affected >= 1 && t.affected <= Math.max(input.narrowTenants, Math.floor(t.active * 0.02));
  const otherServices = new Set(input.otherAlarms.map((a) => a.service ?? a.namespace ?? a.alarmName));
  const crossService = otherServices.size >= input.crossServiceAlarms;
  const health = input.health;

  // External dependency.
  let external = 0.05;
  const externalWhy: string[] = [];
  if (health.length > 0) {
    external = input.healthServicesConfigured ? 0.75 : 0.45;
    externalWhy.push(
      `AWS Health: ${health
        .slice(0, 3)
        .map((h) => `${h.service} ${h.eventTypeCode}${h.status ? ` (${h.status})` : ''}`)
        .join(', ')}`,
    );
  }
  if (crossService) {
    external = Math.max(external, 0.55) + 0.15;
    externalWhy.push(`${otherServices.size} other services alarming at the same time (${[...otherServices].slice(0, 5).join(', ')})`);
  } else if (otherServices.size > 0) {
    external += 0.05;
    externalWhy.push(`${otherServices.size} other service alarming at the same time`);
  }
  const externalLogs = logShare('external');
  if (externalLogs >= 0.5) {
    external = external < 0.3 ? 0.5 : external + 0.15;
    externalWhy.push(`${Math.round(externalLogs * 100)}% of the log samples show upstream or AWS failures`);
  }

  // Tenant configuration.
  let user = 0.05;
  const userWhy: string[] = [];
  if (narrow && t) {
    user = t.affected === 1 ? 0.75 : 0.7;
    userWhy.push(`only ${t.affected} of ${t.active} active tenants affected`);
  }
  const userLogs = logShare('user');
  if (userLogs >= 0.5) {
    user = user < 0.3 ? (t === undefined ? 0.45 : 0.3) : user + 0.2;
    userWhy.push(`${Math.round(userLogs * 100)}% of the log samples show tenant-side errors (configuration, credentials, quotas)`);
  }
  if (t && !narrow && t.affected > 0)
    userWhy.push(`${t.affected} of ${t.active} tenants affected: too broad for one tenant's configuration`);
  const platformLogs = logShare('platform');
  const dependencyLogs = logShare('dependency');
  if (narrow && (platformLogs >= 0.5 || dependencyLogs >= 0.5)) {
    // Stack traces from our code for a few tenants: a bug their data triggers, not their configuration.
    user *= 0.6;
    userWhy.push('but the logs show failures in our code, not tenant-side errors');
  }

  // Deploys: a platform change and/or a dependency change each.
  const penalties: string[] = [];
  let penalty = 1;
  if (health.length > 0) {
    penalty *= 0.6;
    penalties.push('an AWS Health event overlaps');
  }
  if (crossService) {
    penalty *= 0.6;
    penalties.push('unrelated services alarm at once');
  }
  if (narrow) {
    penalty *= 0.6;
    penalties.push('only a few tenants are affected');
  }
  if (logs && !logs.consistentWithPlatform) {
    penalty *= 0.6;
    penalties.push(`the logs point ${logs.dominant === 'user' ? 'at tenants' : 'outside the platform'}`);
  }
  const deployCandidates: Candidate[] = [];
  for (const d of input.deploys) {
    const lag = (input.onsetMs - Date.parse(d.at)) / 60_000;
    if (lag < -5) continue; // after the onset: it cannot have caused it
    const a = alignment(lag);
    const codeChanges = d.changedPaths.filter((p) => !isDependencyFile(p));
    const manifestChanges = d.changedPaths.filter(isDependencyFile);
    const hasDependencyChange = d.dependencyChanges.length > 0 || manifestChanges.length > 0;
    const when = `${minutesText(lag)} the onset`;
    const suffix = penalties.length > 0 ? `; weakened because ${penalties.join(', ')}` : '';

    // Platform: did it change the code the signal comes from?
    let m: number;
    let what: string;
    if (codeChanges.length === 0 && d.changedPaths.length === 0 && !hasDependencyChange) {
      m = 0.6;
      what = 'changed paths unknown';
    } else if (input.signalPaths.length > 0 && matchesAnyPath(input.signalPaths, codeChanges)) {
      m = 1;
      what = `changed ${codeChanges.filter((p) => matchesPath(input.signalPaths, p)).length} of the code paths the logged errors come from`;
    } else if (matchesAnyPath(input.codePaths, codeChanges)) {
      m = input.signalPaths.length > 0 ? 0.45 : 0.8;
      what = `changed ${codeChanges.filter((p) => matchesPath(input.codePaths, p)).length} path(s) of the service${input.signalPaths.length > 0 ? ', but not where the logged errors come from' : ''}`;
    } else if (codeChanges.length > 0) {
      m = 0.1;
      what = `changed only paths outside the service's code (${codeChanges.slice(0, 3).join(', ')})`;
    } else {
      m = 0;
      what = 'changed no code';
    }
    if (m > 0) {
      const logBoost = platformLogs >= 0.5 ? 1.1 : dependencyLogs >= 0.5 ? 0.75 : 1;
      deployCandidates.push({
        cause: 'platform-deploy',
        confidence: toConfidence((0.1 + 0.85 * m * (0.35 + 0.65 * a)) * penalty * logBoost),
        why: `deploy ${d.deployId} ${what}, ${when}${suffix}`,
        deployId: d.deployId,
      });
    }

    if (hasDependencyChange) {
      const touchesCode = matchesAnyPath(input.codePaths, codeChanges);
      let md = touchesCode ? 0.55 : 0.8;
      const named = d.dependencyChanges.map((c) => c.name).filter((n) => logs?.samples.some((s) => s.message.includes(n)));
      if (named.length > 0 || dependencyLogs >= 0.3) md = Math.min(1, md + (dependencyLogs >= 0.5 ? 0.25 : 0.2));
      const bumps =
        d.dependencyChanges.length > 0
          ? d.dependencyChanges
              .slice(0, 4)
              .map((c) => `${c.name} ${c.from ?? '?'}→${c.to ?? '?'}`)
              .join(', ')
          : manifestChanges.slice(0, 3).join(', ');
      deployCandidates.push({
        cause: 'dependency-change',
        confidence: toConfidence((0.1 + 0.85 * md * (0.35 + 0.65 * a)) * penalty),
        why: `deploy ${d.deployId} bumped ${bumps}, ${when}${named.length > 0 ? `; the logs name ${named.join(', ')}` : ''}${suffix}`,
        deployId: d.deployId,
      });
    }
  }

  const candidates: Candidate[] = [...deployCandidates];
  candidates.push({
    cause: 'external-dependency',
    confidence: toConfidence(external),
    why:
      externalWhy.length > 0 ? externalWhy.join('; ') : 'no AWS Health event, no other service alarming, no upstream failures in the logs',
  });
  candidates.push({
    cause: 'user-configuration',
    confidence: toConfidence(user),
    why: userWhy.length > 0 ? userWhy.join('; ') : t ? 'no narrow tenant pattern' : 'no per-tenant data to tell',
  });
  if (!deployCandidates.some((c) => c.cause === 'platform-deploy'))
    candidates.push({
      cause: 'platform-deploy',
      confidence: 0.05,
      why: 'no deploy of the service in the look-back window before the onset',
    });
  if (!deployCandidates.some((c) => c.cause === 'dependency-change'))
    candidates.push({ cause: 'dependency-change', confidence: 0.05, why: 'no deploy that changed dependencies before the onset' });
  const best = Math.max(...candidates.map((c) => c.confidence));
  candidates.push({
    cause: 'unknown',
    confidence: toConfidence(Math.max(0.05, 0.6 * (1 - best))),
    why: best < 0.4 ? 'nothing above explains the onset well' : 'the residual: a cause none of the above covers',
  });
  return candidates.sort((a, b) => b.confidence - a.confidence);
}
