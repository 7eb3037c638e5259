/** github: files the lineage's one issue (or observation), comments verdicts and closes it on recovery. */
import * as z from 'zod';
import type { Deps } from '#core/deps';
import { NotFoundError } from '#core/errors';
import { renderClosingComment, renderIssue, renderVerdictComment } from '#core/issue-body';
import { decision, type IssueRef, verdict } from '#core/lineage';

export const githubInput = z.discriminatedUnion('action', [
  z.object({ action: z.literal('file'), lineageId: z.string(), decision }),
  z.object({ action: z.literal('observe'), lineageId: z.string(), decision }),
  z.object({ action: z.literal('close'), lineageId: z.string(), verdict }),
  z.object({ action: z.literal('comment-unchanged'), lineageId: z.string(), verdict }),
]);

export function makeGithub(deps: Pick<Deps, 'config' | 'store' | 'tracker' | 'events' | 'clock' | 'logger'>) {
  const { config, store, tracker, events, clock, logger } = deps;
  return async (event: unknown): Promise<IssueRef> => {
    const input = githubInput.parse(event);
    const lineage = await store.getLineage(input.lineageId);
    if (!lineage) throw new NotFoundError(`lineage ${input.lineageId} does not exist`);
    const at = clock.now().toISOString();
    switch (input.action) {
      case 'file':
      case 'observe': {
        const draft = renderIssue({ lineage, decision: input.decision, config });
        const issue = await tracker.fileIssue(draft);
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
    }
  };
}

function requireIssue(issue: IssueRef | undefined, lineageId: string): IssueRef {
  if (!issue) throw new NotFoundError(`lineage ${lineageId} has no issue`);
  return issue;
}
