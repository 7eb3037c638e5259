/**
 * record-deploy: every deploy event is recorded (idempotently) for attribution. A successful deploy is
 * resolved to the pull requests it ships (the code host compares the previous and the new commit);
 * a lineage whose issue one of them closes, or whose id a `Prodloop-Lineage:` trailer names, resumes
 * from its wait for a fix (or keeps the deploy for its next wait while it is busy). Every successful
 * deploy touching watched code paths starts a deploy watch. AWS Health events are recorded too.
 *
 * A successful CodeDeploy, ECS or CloudFormation deploy names no commit: its commit (and the one before
 * it, when AWS knows) is read from AWS first and recorded with the deploy, with where it was read or
 * why it was not found. Then it goes the way of a "Deploy Finished" event. A lookup AWS throttles or
 * fails throws before anything is recorded, so that the event is delivered again.
 *
 * Duplicates and out-of-order events: the deploy is recorded once per id and status, a lineage takes
 * a fix deploy by conditional write only when it is newer than the last one that resumed it, and the
 * deploy watch is named after the deploy, so a second start is a no-op.
 */

import { inFlightStatuses, type Lineage } from '#domain/lineage/lineage';
import { fixReason, referencesOf } from '#domain/lineage/loop';
import type { DeployContents } from '#domain/signals/code-changes';
import { parseDeployEvent } from '#domain/signals/deploy';
import { parseHealthEvent } from '#domain/signals/health';
import { withTrustedTime } from '#domain/signals/parsing';
import type { DeploySignal } from '#domain/signals/signals';
import { rulesTouched, watchExecutionName } from '#domain/validation/deploy-watch';
import type { CodeHost } from '#ports/code-host';
import type { DeployLog, DeployVersions } from '#ports/deploys';
import type { Deps } from '#ports/deps';
import type { Lineages } from '#ports/lineages';
import type { FixWaits } from '#ports/waits';
import type { Workflow } from '#ports/workflow';

export type RecordOutcome =
  | {
      readonly outcome: 'recorded';
      readonly deployId: string;
      readonly duplicate: boolean;
      /** Lineages whose wait this deploy resumed. */
      readonly resumed: string[];
      /** Lineages that keep this deploy for their next wait. */
      readonly queued: string[];
      /** Execution name of the deploy watch, when the deploy touches watched code paths. */
      readonly watch?: string;
    }
  | { readonly outcome: 'health-recorded'; readonly eventArn: string }
  | { readonly outcome: 'ignored' | 'rejected'; readonly reason: string };

export type RecordDeployDeps = Pick<Deps, 'config' | 'workflow' | 'parking' | 'clock' | 'logger'> & {
  readonly store: Lineages & FixWaits & DeployLog;
} & {
  /**
   * Resolves deploys to pull requests. Without one, a successful deploy of a lineage's service is
   * taken as its fix (as with `fixDetection: service`).
   */
  readonly codeHost?: CodeHost;
  /** Starts deploy watches; without one, deploys are not watched. */
  readonly deployWatch?: Workflow;
  /** Reads the commits of AWS-native deploys; without one (local runs), they are recorded without a commit. */
  readonly deployVersions?: DeployVersions;
};

/** How far back the previous deploy of a service is looked for, when an event names no previous commit. */
const PREVIOUS_DEPLOY_LOOKBACK_MS = 30 * 24 * 3600_000;

/** The task is gone (the execution ended or timed out): giving its token back would only fail again. */
const isGoneTask = (error: unknown) =>
  ['TaskDoesNotExist', 'TaskTimedOut', 'InvalidToken'].includes((error as { name?: string } | null)?.name ?? '');

const isHealth = (event: unknown) => typeof event === 'object' && event !== null && (event as { source?: unknown }).source === 'aws.health';

export function makeRecordDeploy(deps: RecordDeployDeps) {
  const { config, store, workflow, parking, clock, logger, codeHost, deployWatch, deployVersions } = deps;

  /**
   * A successful AWS-native deploy with the commit AWS says it shipped, and the one before it. Throws
   * TransientError when AWS throttles or fails; any other failure leaves the deploy without a commit.
   */
  async function withCommit(deploy: DeploySignal): Promise<DeploySignal> {
    if (!deployVersions || deploy.source === 'custom' || deploy.commitSha || deploy.status !== 'succeeded') return deploy;
    const version = await deployVersions.versionOf(deploy);
    const context = { deployId: deploy.deployId, service: deploy.service, how: version.how };
    if (!version.commitSha) {
      logger.warn('deploy recorded without a commit: its pull requests cannot be resolved', context);
      return { ...deploy, commitSource: version.how };
    }
    logger.info('deploy commit read from AWS', { ...context, commitSha: version.commitSha, previousSha: version.previousSha });
    return {
      ...deploy,
      commitSha: version.commitSha,
      ...(version.previousSha && version.previousSha !== version.commitSha ? { previousSha: version.previousSha } : {}),
      commitSource: version.how,
    };
  }

  /** The commit that ran before: the event's, else the last successful deploy of the service before this one. */
  async function previousShaOf(deploy: DeploySignal): Promise<string | undefined> {
    if (deploy.previousSha) return deploy.previousSha;
    const from = new Date(Date.parse(deploy.at) - PREVIOUS_DEPLOY_LOOKBACK_MS).toISOString();
    const earlier = (await store.deploysBetween(deploy.service, from, deploy.at)).filter(
      (d) => d.status === 'succeeded' && d.deployId !== deploy.deployId && d.commitSha && Date.parse(d.at) < Date.parse(deploy.at),
    );
    return earlier.at(-1)?.commitSha;
  }

  async function contentsOf(deploy: DeploySignal): Promise<DeployContents> {
    if (!codeHost) return { prs: [], commitMessages: [], files: deploy.changedPaths, resolvedBy: 'none' };
    return codeHost.resolveDeploy(deploy, await previousShaOf(deploy));
  }

  /** Lineages this deploy is a fix for, with the reason. */
  function fixesOf(deploy: DeploySignal, contents: DeployContents, lineages: readonly Lineage[]): { lineage: Lineage; why: string }[] {
    const inFlight = lineages.filter((l) => inFlightStatuses.includes(l.status));
    if (!codeHost || config.fixDetection === 'service') {
      return inFlight
        .filter((l) => l.service === deploy.service && l.status !== 'triaging')
        .map((lineage) => ({ lineage, why: `a successful deploy of ${deploy.service} (fix detection by service)` }));
    }
    const refs = referencesOf(contents, config.githubRepository);
    return inFlight.flatMap((lineage) => {
      const why = fixReason(lineage, refs);
      return why ? [{ lineage, why }] : [];
    });
  }

  async function resumeFixed(deploy: DeploySignal, contents: DeployContents) {
    const resumed: string[] = [];
    const queued: string[] = [];
    for (const { lineage, why } of fixesOf(deploy, contents, await store.listLineages())) {
      const claim = await store.claimFix(lineage.lineageId, deploy, clock.now().toISOString());
      const context = { lineageId: lineage.lineageId, deployId: deploy.deployId, why };
      switch (claim.outcome) {
        case 'resume':
          try {
            await workflow.resume(claim.taskToken, { deploy, fixedBy: why, prs: contents.prs.map((p) => p.number) });
          } catch (error) {
            // The wait goes on: give the token back so that the redelivery of this event resumes it.
            if (!isGoneTask(error)) await store.unclaimFix(lineage.lineageId, deploy.deployId, claim.taskToken, clock.now().toISOString());
            throw error;
          }
          resumed.push(lineage.lineageId);
          logger.info('fix deploy resumed lineage', context);
          break;
        case 'queued':
          queued.push(lineage.lineageId);
          logger.info('fix deploy kept for the next wait of a busy loop', context);
          break;
        default:
          logger.info(`fix deploy not taken: ${claim.reason}`, context);
      }
    }
    return { resumed, queued };
  }

  return async (event: unknown): Promise<RecordOutcome> => {
    if (isHealth(event)) {
      const parsed = withTrustedTime(parseHealthEvent(event), clock.now());
      if (parsed.outcome !== 'accepted') {
        if (parsed.outcome === 'rejected') await parking.park(event, parsed.reason, 'record-deploy');
        logger.warn(`health event ${parsed.outcome}`, { reason: parsed.reason });
        return parsed;
      }
      await store.recordHealthEvent(parsed.signal);
      return { outcome: 'health-recorded', eventArn: parsed.signal.eventArn };
    }
    const parsed = withTrustedTime(parseDeployEvent(event), clock.now());
    if (parsed.outcome === 'rejected') {
      logger.warn('deploy event rejected and parked', { reason: parsed.reason });
      await parking.park(event, parsed.reason, 'record-deploy');
      return parsed;
    }
    if (parsed.outcome === 'ignored') {
      logger.info('not a deploy event; ignored', { reason: parsed.reason });
      return parsed;
    }
    const deploy = await withCommit(parsed.signal);
    const fresh = await store.recordDeploy(deploy, clock.now().toISOString());
    const recorded = { outcome: 'recorded' as const, deployId: deploy.deployId, duplicate: !fresh };
    if (deploy.status !== 'succeeded') return { ...recorded, resumed: [], queued: [] };

    // Even on a duplicate: a first delivery may have recorded the deploy and failed before resuming.
    // The conditional claim of each lineage is the guard against resuming twice.
    const contents = await contentsOf(deploy);
    if (contents.note) logger.info('deploy partly resolved', { deployId: deploy.deployId, note: contents.note });
    const { resumed, queued } = await resumeFixed(deploy, contents);

    const rules = rulesTouched(config, deploy, contents.files);
    if (!deployWatch || rules.length === 0) return { ...recorded, resumed, queued };
    const watch = watchExecutionName(deploy.deployId);
    await deployWatch.start(watch, {
      deploy,
      files: [...new Set([...deploy.changedPaths, ...contents.files])].slice(0, 500),
      prs: contents.prs.map((p) => ({ number: p.number, title: p.title })),
      // Their own validation watches their alarms.
      covered: [...resumed, ...queued],
      paths: [...new Set(rules.flatMap((r) => r.paths))],
      loop: { evaluations: 0 },
      settings: {
        intervalSeconds: config.deployWatch.intervalSeconds,
        maxEvaluations: config.deployWatch.evaluations,
        historyDays: config.validation.historyDays,
      },
    });
    logger.info('deploy watched', { deployId: deploy.deployId, watch, paths: rules.flatMap((r) => r.paths) });
    return { ...recorded, resumed, queued, watch };
  };
}
