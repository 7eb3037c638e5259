/**
 * github: files the lineage's one issue (or observation), comments verdicts and closes it on recovery;
 * proposes the revert pull request when the andon cord is pulled.
 */
import * as z from 'zod';
import { renderClosingComment, renderVerdictComment } from '#domain/issue/comments';
import { renderDigestEntry, renderDigestIssue, renderIssue } from '#domain/issue/issue-body';
import { type Decision, decision, type IssueRef, type Lineage, type Verdict, verdict } from '#domain/lineage/lineage';
import { NotFoundError } from '#domain/shared/errors';
import type { RevertResult } from '#domain/signals/code-changes';
import { deploySignal } from '#domain/signals/signals';
import { reprioritize } from '#domain/triage/reprioritize';
import { renderRevertBody, revertTitle, signalJudgement } from '#domain/validation/deploy-watch';
import type { AuditLog } from '#ports/audit';
import type { Deps } from '#ports/deps';
import type { Lineages } from '#ports/lineages';
import type { OnceKeys } from '#ports/once-keys';
import { type FileOnceDeps, fileOnce } from './file-once.ts';

const proposeRevertInput = z.object({
  action: z.literal('propose-revert'),
  deploy: deploySignal,
  /** The lineage whose fix deploy made it worse (absent when the deploy watch pulled the cord). */
  lineageId: z.string().optional(),
  verdict: verdict.optional(),
  judgements: z.array(signalJudgement).default([]),
  prs: z.array(z.object({ number: z.number(), title: z.string() })).optional(),
  locked: z.array(z.string()).default([]),
  halted: z.array(z.string()).default([]),
});

export const githubInput = z.discriminatedUnion('action', [
  z.object({ action: z.literal('file'), lineageId: z.string(), decision }),
  z.object({ action: z.literal('observe'), lineageId: z.string(), decision }),
  z.object({ action: z.literal('close'), lineageId: z.string(), verdict }),
  z.object({ action: z.literal('comment-unchanged'), lineageId: z.string(), verdict }),
  /** Recomputes the priority from the verdict's numbers; updates the issue's labels and body when it changed. */
  z.object({ action: z.literal('reprioritize'), lineageId: z.string(), verdict }),
  proposeRevertInput,
]);

export function makeGithub(
  deps: Pick<Deps, 'config' | 'tracker' | 'events' | 'clock' | 'logger' | 'codeHost'> & {
    readonly store: Lineages & AuditLog & OnceKeys;
    /** Waits while another invocation files the same issue (injected so tests do not sleep). */
    readonly sleep?: (ms: number) => Promise<void>;
  },
) {
  const { config, store, tracker, events, clock, logger, codeHost } = deps;
  const once = { store, tracker, clock, ...(deps.sleep ? { sleep: deps.sleep } : {}) };

  async function proposeRevert(input: z.infer<typeof proposeRevertInput>): Promise<RevertResult> {
    if (!codeHost) return { proposed: false, reason: 'no code host is configured to open pull requests' };
    const { deploy } = input;
    const lineage = input.lineageId ? await store.getLineage(input.lineageId) : undefined;
    const judgements = input.judgements.length
      ? input.judgements
      : input.verdict && lineage
        ? [
            {
              label: lineage.alarmName,
              lineageId: lineage.lineageId,
              method: 'before-after' as const,
              worse: true,
              baselineMean: input.verdict.baselineMean,
              currentMean: input.verdict.currentMean,
              z: input.verdict.signalToNoise,
              zUnit: 'sd' as const,
              baselinePoints: 0,
              points: input.verdict.points,
              reason: input.verdict.reason,
            },
          ]
        : [];
    const prs = input.prs ?? (await codeHost.resolveDeploy(deploy)).prs.map((p) => ({ number: p.number, title: p.title }));
    const body = renderRevertBody(
      {
        deploy,
        judgements,
        prs,
        locks: input.locked.map((path) => ({ path })),
        halted: input.halted,
        ...(lineage ? { lineageId: lineage.lineageId } : {}),
      },
      config.githubRepository,
    );
    const result = await codeHost.proposeRevert({ deploy, title: revertTitle(deploy), body });
    const at = clock.now().toISOString();
    for (const lineageId of [...(lineage ? [lineage.lineageId] : []), ...input.halted]) {
      await store.appendAudit({
        lineageId,
        at,
        actor: 'prodloop',
        action: 'revert-proposed',
        detail: { deployId: deploy.deployId, ...result },
      });
    }
    logger.warn('revert proposed', { deployId: deploy.deployId, ...result });
    return result;
  }

  return async (event: unknown): Promise<IssueRef | RevertResult | Reprioritization> => {
    const input = githubInput.parse(event);
    if (input.action === 'propose-revert') return proposeRevert(input);
    const lineage = await store.getLineage(input.lineageId);
    if (!lineage) throw new NotFoundError(`lineage ${input.lineageId} does not exist`);
    const at = clock.now().toISOString();
    switch (input.action) {
      case 'file':
      case 'observe': {
        // Beyond the daily cap the observation is a comment on the day's digest; otherwise the lineage's own issue,
        // listing the alarms of the same problem that triage folded into it.
        const issue = input.decision.digest
          ? await fileInDigest({ config, tracker, once }, lineage, input.decision)
          : await fileOnce(
              once,
              `${lineage.lineageId}#${lineage.generation}`,
              renderIssue({ lineage, decision: input.decision, config, related: await foldedInto(store, lineage.lineageId) }),
            );
        await store.recordIssue(lineage.lineageId, issue, at);
        if (input.action === 'observe') {
          await store.transition(lineage.lineageId, {
            from: ['triaging'],
            to: 'observing',
            at,
            actor: 'prodloop',
            action: 'observation-filed',
            detail: { issue: issue.number },
          });
        }
        await events.publish('Issue Filed', {
          lineageId: lineage.lineageId,
          kind: issue.kind,
          number: issue.number,
          url: issue.url,
          shadow: issue.shadow,
        });
        logger.info('issue filed', { lineageId: lineage.lineageId, number: issue.number, kind: issue.kind, shadow: issue.shadow });
        return issue;
      }
      case 'close': {
        const issue = requireIssue(lineage.issue, lineage.lineageId);
        await tracker.close(issue, renderClosingComment(input.verdict));
        await store.transition(lineage.lineageId, {
          from: ['validating'],
          to: 'resolved',
          at,
          actor: 'prodloop',
          action: 'fix-validated',
          detail: { verdict: input.verdict },
        });
        await events.publish('Fix Validated', { lineageId: lineage.lineageId, number: issue.number, verdict: input.verdict });
        return issue;
      }
      case 'comment-unchanged': {
        const issue = requireIssue(lineage.issue, lineage.lineageId);
        await tracker.comment(issue, renderVerdictComment(input.verdict, lineage.iterations));
        return issue;
      }
      case 'reprioritize':
        return reprioritizeIssue({ config, store, tracker, logger }, lineage, input.verdict, at);
    }
  };
}

function requireIssue(issue: IssueRef | undefined, lineageId: string): IssueRef {
  if (!issue) throw new NotFoundError(`lineage ${lineageId} has no issue`);
  return issue;
}

/** What `reprioritize` returns: the priority now (null when no triage decision is recorded) and whether it changed. */
export interface Reprioritization {
  readonly priority: Decision['priority'] | null;
  readonly changed: boolean;
}

/** Alarms of the same problem that triage folded into this lineage (a storm across alarms), from its audit trail. */
async function foldedInto(store: Lineages & AuditLog, lineageId: string): Promise<{ lineageId: string; alarmName: string }[]> {
  const folded = new Map<string, { lineageId: string; alarmName: string }>();
  for (const e of await store.auditTrail(lineageId)) {
    if (e.action === 'alarm-folded' && typeof e.detail.lineageId === 'string')
      folded.set(e.detail.lineageId, { lineageId: e.detail.lineageId, alarmName: String(e.detail.alarmName ?? '') });
  }
  return [...folded.values()];
}

/** An observation beyond the daily cap: one comment on the day's digest observation (filed once, found by its marker). */
async function fileInDigest(
  deps: Pick<Deps, 'config' | 'tracker'> & { readonly once: FileOnceDeps },
  lineage: Lineage,
  d: Decision,
): Promise<IssueRef> {
  const day = d.digest as string;
  const digest = await fileOnce(deps.once, `digest#${day}`, renderDigestIssue(day, deps.config));
  // A retried filing finds the lineage already pointing at the digest: no second comment.
  if (lineage.issue?.number !== digest.number) await deps.tracker.comment(digest, renderDigestEntry(lineage, d, deps.config));
  return digest;
}

/**
 * Recomputes the priority from the verdict's current mean against the level triage expected, the breadth
 * triage measured, the time since the onset and the change since triage. When it changed, the issue's
 * labels (priority:Px) and body are replaced. The latest decision is kept in the audit trail.
 */
async function reprioritizeIssue(
  deps: Pick<Deps, 'config' | 'tracker' | 'logger'> & { readonly store: Lineages & AuditLog },
  lineage: Lineage,
  v: Verdict,
  at: string,
): Promise<Reprioritization> {
  const trail = await deps.store.auditTrail(lineage.lineageId);
  const last = trail.findLast((e) => (e.action === 'triaged' || e.action === 'reprioritized') && e.detail.decision !== undefined);
  const parsed = last ? decision.safeParse(last.detail.decision) : undefined;
  if (!parsed?.success) {
    deps.logger.warn('no triage decision recorded: priority left as it is', { lineageId: lineage.lineageId });
    return { priority: null, changed: false };
  }
  const r = reprioritize(parsed.data, v);
  if (r.changed && lineage.issue && r.decision.kind !== 'ignore' && !r.decision.digest) {
    const related = await foldedInto(deps.store, lineage.lineageId);
    const draft = renderIssue({ lineage, decision: r.decision, config: deps.config, related });
    await deps.tracker.update(lineage.issue, { body: draft.body, labels: draft.labels });
  }
  await deps.store.appendAudit({
    lineageId: lineage.lineageId,
    at,
    actor: 'prodloop',
    action: 'reprioritized',
    detail: { from: r.from, to: r.decision.priority, changed: r.changed, verdict: v.kind, ...(r.changed ? { decision: r.decision } : {}) },
  });
  return { priority: r.decision.priority, changed: r.changed };
}
