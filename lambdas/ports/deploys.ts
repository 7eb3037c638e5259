import type { RecordedDeploy } from '#domain/lineage/lineage';
import type { DeploySignal, HealthSignal } from '#domain/signals/signals';

/** Deploys and AWS Health events, recorded once each for attribution. */
export interface DeployLog {
  /** Records a deploy once (idempotent on deployId and status); returns false for a duplicate. */
  recordDeploy(deploy: DeploySignal, recordedAt: string): Promise<boolean>;
  /** Deploys of a service that finished between `from` and `to`, oldest first. */
  deploysBetween(service: string, from: string, to: string): Promise<RecordedDeploy[]>;
  recordHealthEvent(event: HealthSignal): Promise<boolean>;
}

/** The commit an AWS-native deploy shipped and the one that ran before it, as far as AWS can tell. */
export interface DeployVersion {
  readonly commitSha?: string;
  readonly previousSha?: string;
  /** Where the commits were read, or why none was found (access denied, not found, none recorded). */
  readonly how: string;
}

/** Reads the commits of CodeDeploy, ECS and CloudFormation deploys, whose events carry none. */
export interface DeployVersions {
  /**
   * Never throws for a lookup that cannot succeed (denied, not found, no commit recorded): the answer
   * has no commit and says why. Throws TransientError when AWS throttles or fails, for a retry.
   */
  versionOf(deploy: DeploySignal): Promise<DeployVersion>;
}
