import { S3Client } from '@aws-sdk/client-s3';
import { githubIssueTracker, githubWiring, type InvocationContext, invocationDeadline } from '#adapters/github/wiring';
import { runtime } from '#adapters/runtime';
import { frictionEnv } from '#friction/adapters/env';
import { S3ObjectStore } from '#friction/adapters/s3';
import { makeReport } from '#friction/app/report';

const { env, config, logger, store, clock } = runtime();
const s3 = new S3Client({});
// Shadow mode never reads the token: issues are dry-run records in the audit trail.
const github = githubWiring({ config, secretId: env.GITHUB_TOKEN_SECRET_ID, store, clock, logger });
// Read on the first invocation, from the environment the friction construct sets (FRICTION_BUCKET):
// a missing or invalid value fails that invocation with a ConfigError naming it.
let friction: ReturnType<typeof frictionEnv> | undefined;

// Embedded metric format documents go to the function's log as lines of their own.
const emit = (line: string) => {
  process.stdout.write(`${line}\n`);
};

export const handler = async (event: unknown, context?: InvocationContext) => {
  // GitHub's requests, retries and waits end before the function's own timeout, less a margin.
  github.until(invocationDeadline(context));
  friction ??= frictionEnv(process.env);
  const objects = new S3ObjectStore(s3, friction.bucket);
  const app = makeReport({
    config,
    friction: friction.friction,
    store: objects,
    tracker: await githubIssueTracker(github),
    lineages: store,
    clock,
    logger,
    emit,
  });
  return app(event);
};
