import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ENV, requireEnv } from '#adapters/env';
import { createOctokit, GitHubIssueTracker, splitRepository } from '#adapters/github/github';
import { readGithubToken } from '#adapters/github/token';
import { AuditTrailIssueTracker, runtime } from '#adapters/runtime';
import { frictionEnv } from '#friction/adapters/env';
import { S3ObjectStore } from '#friction/adapters/s3';
import { makeReport } from '#friction/app/report';
import type { IssueTracker } from '#ports/ports';

const { env, config, logger, store, clock } = runtime();
const secrets = new SecretsManagerClient({});
const s3 = new S3Client({});
let tracker: Promise<IssueTracker> | undefined;
// Read on the first invocation, from the environment the friction construct sets (FRICTION_BUCKET):
// a missing or invalid value fails that invocation with a ConfigError naming it.
let friction: ReturnType<typeof frictionEnv> | undefined;

/** Shadow mode never reads the token: every write is a dry-run record in the audit trail. */
function issueTracker(): Promise<IssueTracker> {
  if (config.shadowMode) return Promise.resolve(new AuditTrailIssueTracker(store, clock));
  tracker ??= readGithubToken(secrets, requireEnv(env.GITHUB_TOKEN_SECRET_ID, ENV.githubTokenSecretId)).then(
    (token) => {
      const { owner, repo } = splitRepository(config.githubRepository);
      return new GitHubIssueTracker({ octokit: createOctokit({ token, baseUrl: config.githubApiUrl }), owner, repo });
    },
    (error: unknown) => {
      tracker = undefined; // a failed secret read is tried again on the next invocation
      throw error;
    },
  );
  return tracker as Promise<IssueTracker>;
}

// Embedded metric format documents go to the function's log as lines of their own.
const emit = (line: string) => {
  process.stdout.write(`${line}\n`);
};

export const handler = async (event: unknown) => {
  friction ??= frictionEnv(process.env);
  const objects = new S3ObjectStore(s3, friction.bucket);
  const app = makeReport({
    config,
    friction: friction.friction,
    store: objects,
    tracker: await issueTracker(),
    lineages: store,
    clock,
    logger,
    emit,
  });
  return app(event);
};
