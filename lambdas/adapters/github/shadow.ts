/**
 * Shadow mode on AWS: what would go to GitHub is written to the lineage's audit trail instead, as
 * dry-run records that `prodloop status --lineage <id>` shows. Nothing here reads the token.
 */

import type { IssueDraft } from '#domain/issue/messages';
import { type IssueRef, lineage as lineageSchema } from '#domain/lineage/lineage';
import type { DeployContents, RevertResult } from '#domain/signals/code-changes';
import type { DeploySignal } from '#domain/signals/signals';
import { systemClock } from '#ports/clock';
import type { CodeHost, RevertRequest } from '#ports/code-host';
import type { IssueTracker } from '#ports/issues';
import type { LineageStore } from '#ports/store';

/**
 * The issue is not sent to GitHub; it is written to the lineage's audit trail as a dry-run record
 * (title, labels, body) and numbered deterministically from the lineage id.
 */
export class AuditTrailIssueTracker implements IssueTracker {
  constructor(
    private readonly store: LineageStore,
    private readonly clock = systemClock,
  ) {}

  async fileIssue(draft: IssueDraft): Promise<IssueRef> {
    const number = Number.parseInt(draft.lineageId.replace(/[^0-9a-f]/g, '').slice(0, 6) || '1', 16) + 1;
    const issue: IssueRef = { number, url: `shadow://issues/${draft.lineageId}`, kind: draft.kind, shadow: true };
    await this.record(draft.lineageId, 'shadow-issue-filed', {
      title: draft.title,
      labels: draft.labels,
      assignees: draft.assignees,
      body: draft.body,
      number,
    });
    return issue;
  }
  async comment(issue: IssueRef, body: string): Promise<void> {
    await this.record(lineageOf(issue), 'shadow-issue-comment', { number: issue.number, body });
  }
  async close(issue: IssueRef, comment: string): Promise<void> {
    await this.record(lineageOf(issue), 'shadow-issue-closed', { number: issue.number, comment });
  }
  async update(issue: IssueRef, change: { body?: string; labels?: readonly string[] }): Promise<void> {
    await this.record(lineageOf(issue), 'shadow-issue-updated', { number: issue.number, ...change });
  }
  private async record(lineageId: string, action: string, detail: Record<string, unknown>) {
    await this.store.appendAudit({ lineageId, at: this.clock.now().toISOString(), actor: 'prodloop', action, detail });
  }
}

const lineageOf = (issue: IssueRef) => lineageSchema.shape.lineageId.parse(issue.url.replace('shadow://issues/', ''));

/**
 * The pull requests a deploy ships are those its event names (no bodies: GitHub is not asked), and a
 * revert is proposed in the audit trail under `deploy:<id>`, never on GitHub.
 */
export class AuditTrailCodeHost implements CodeHost {
  constructor(
    private readonly store: LineageStore,
    private readonly clock = systemClock,
  ) {}

  async resolveDeploy(deploy: DeploySignal): Promise<DeployContents> {
    return {
      prs: deploy.prNumbers.map((number) => ({ number, title: `#${number}`, body: '' })),
      commitMessages: [],
      files: deploy.changedPaths,
      resolvedBy: 'event',
    };
  }

  async proposeRevert(request: RevertRequest): Promise<RevertResult> {
    await this.store.appendAudit({
      lineageId: `deploy:${request.deploy.deployId}`,
      at: this.clock.now().toISOString(),
      actor: 'prodloop',
      action: 'shadow-revert-proposed',
      detail: { title: request.title, body: request.body },
    });
    return {
      proposed: false,
      reason: `shadow mode: the revert is proposed in the audit trail (prodloop status --lineage deploy:${request.deploy.deployId})`,
    };
  }
}
