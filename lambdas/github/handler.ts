import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgePublisher } from '#adapters/aws/eventbridge';
import { ENV, requireEnv } from '#adapters/env';
import { githubCodeHost, githubIssueTracker, githubWiring, type InvocationContext, invocationDeadline } from '#adapters/github/wiring';
import { runtime } from '#adapters/runtime';
import { makeGithub } from '#app/issues';

const { env, config, logger, store, clock } = runtime();
const events = new EventBridgePublisher(new EventBridgeClient({}), requireEnv(env.EVENT_BUS_NAME, ENV.eventBusName));
// Shadow mode never reads the token: issues and revert proposals are dry-run records in the audit trail.
const github = githubWiring({ config, secretId: env.GITHUB_TOKEN_SECRET_ID, store, clock, logger });

export const handler = async (event: unknown, context?: InvocationContext) => {
  // GitHub's requests, retries and waits end before the function's own timeout, less a margin.
  github.until(invocationDeadline(context));
  const app = makeGithub({
    config,
    store,
    clock,
    logger,
    events,
    tracker: await githubIssueTracker(github),
    codeHost: await githubCodeHost(github),
  });
  return app(event);
};
