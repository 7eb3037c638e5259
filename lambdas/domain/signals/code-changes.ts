/** What a deploy ships as the code host tells it, and the revert pull request prodloop proposes. */
/** A pull request a deploy ships, with the text that may reference a lineage. */
export interface ShippedPullRequest {
  readonly number: number;
  readonly title: string;
  readonly body: string;
  readonly url?: string;
  readonly merged?: boolean;
}

/** What a deploy ships, as far as the code host can tell. */
export interface DeployContents {
  readonly prs: readonly ShippedPullRequest[];
  /** Commit messages between the previous and the new commit (trailers may name a lineage). */
  readonly commitMessages: readonly string[];
  /** Files changed between the previous and the new commit. */
  readonly files: readonly string[];
  /** How it was resolved: compare of the two commits, the event's own fields, or not at all. */
  readonly resolvedBy: 'compare' | 'event' | 'none';
  /** Why the resolution is partial, when it is. */
  readonly note?: string;
}

export type RevertResult =
  | { readonly proposed: true; readonly number: number; readonly url: string; readonly branch: string; readonly existing: boolean }
  | { readonly proposed: false; readonly reason: string };
