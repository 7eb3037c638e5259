/** The issue tracker (GitHub issues, or the outbox). */
import type { IssueDraft } from '#domain/issue/messages';
import type { IssueRef } from '#domain/lineage/lineage';

export interface IssueTracker {
  /** Files the issue, or finds the one already filed for the lineage (by its marker) and returns it. */
  fileIssue(draft: IssueDraft): Promise<IssueRef>;
  comment(issue: IssueRef, body: string): Promise<void>;
  close(issue: IssueRef, comment: string): Promise<void>;
  /** Replaces labels and body, e.g. when a re-evaluation changes the priority. */
  update(issue: IssueRef, change: { body?: string; labels?: readonly string[] }): Promise<void>;
}
