import type { DeployContents, RevertResult } from '#domain/signals/code-changes';
import type { DeploySignal } from '#domain/signals/signals';

export interface RevertRequest {
  readonly deploy: DeploySignal;
  /** The commit that ran before the deploy, when known. */
  readonly previousSha?: string;
  readonly title: string;
  /** Markdown: the evidence and what to do. */
  readonly body: string;
}

/** The code host (GitHub): which pull requests a deploy ships, and a pull request that reverts a deploy. */
export interface CodeHost {
  /** Resolves a deploy to its pull requests; `previousSha` stands in when the event names none. */
  resolveDeploy(deploy: DeploySignal, previousSha?: string): Promise<DeployContents>;
  /** Opens (or finds, idempotently per deploy) a pull request that reverts the deploy's changes. */
  proposeRevert(request: RevertRequest): Promise<RevertResult>;
}
