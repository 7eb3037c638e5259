/**
 * Filing an issue once, however many invocations try at the same moment (a Lambda retry while the
 * first attempt still runs, a storm of lineages past the daily cap filing one digest). The tracker
 * finds an issue already filed by its marker, but between its look and its create another caller can
 * create a second one: so the creation is claimed in the table first. The claimant files and gives
 * the claim back; the others wait for the claim, then file, which finds the claimant's issue by its
 * marker. A claimant that crashes before giving it back holds it for CREATE_CLAIM_SECONDS at most.
 */

import type { IssueDraft } from '#domain/issue/messages';
import type { IssueRef } from '#domain/lineage/lineage';
import { TransientError } from '#domain/shared/errors';
import type { Clock } from '#ports/clock';
import type { IssueTracker } from '#ports/issues';
import type { OnceKeys } from '#ports/once-keys';

/** How long an unreleased claim blocks other creations (a crash between the claim and its release). */
export const CREATE_CLAIM_SECONDS = 120;
/** Waits for another invocation's creation before leaving the retry to Step Functions (about 8 s in all). */
const CLAIM_WAITS_MS = [100, 200, 400, 800, 1600, 2400, 2500];

export interface FileOnceDeps {
  readonly store: OnceKeys;
  readonly tracker: Pick<IssueTracker, 'fileIssue'>;
  readonly clock: Clock;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Files `draft` under the claim `key` (a lineage's generation, a digest's day). */
export async function fileOnce(deps: FileOnceDeps, key: string, draft: IssueDraft): Promise<IssueRef> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const claim = `issue-create#${key}`;
  for (const wait of [0, ...CLAIM_WAITS_MS]) {
    if (wait > 0) await sleep(wait);
    if (!(await deps.store.claimOnce(claim, CREATE_CLAIM_SECONDS, deps.clock.now().toISOString()))) continue;
    try {
      return await deps.tracker.fileIssue(draft);
    } finally {
      await deps.store.releaseClaim(claim);
    }
  }
  throw new TransientError(`another invocation is filing the issue of ${key}; a retry finds it by its marker`);
}
