/** What prodloop writes for people: the issue it files and the page it sends. */
export interface IssueDraft {
  readonly lineageId: string;
  readonly kind: 'issue' | 'observation';
  readonly title: string;
  readonly body: string;
  readonly labels: readonly string[];
  readonly assignees: readonly string[];
}

export interface EscalationMessage {
  readonly lineageId: string;
  readonly subject: string;
  readonly text: string;
  readonly reason: 'iteration-cap' | 'budget-spent' | 'inconclusive' | 'andon' | 'failure';
}
