import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { EventBridgePublisher } from '#adapters/eventbridge';
import { createOctokit, GitHubIssueTracker, splitRepository } from '#adapters/github';
import { AuditTrailIssueTracker, requireEnv, runtime } from '#adapters/runtime';
import { readGithubToken } from '#adapters/secrets';
import type { IssueTracker } from '#core/ports';
import { makeGithub } from './app.ts';

const { env, config, logger, store, clock } = runtime();
const events = new EventBridgePublisher(new EventBridgeClient({}), requireEnv(env.EVENT_BUS_NAME, 'EVENT_BUS_NAME'));
const secrets = new SecretsManagerClient({});
let tracker: Promise<IssueTracker> | undefined;

/** Shadow mode never reads the token: every write is a dry-run record in the audit trail. */
function issueTracker(): Promise<IssueTracker> {
  if (config.shadowMode) return Promise.resolve(new AuditTrailIssueTracker(store, clock));
  tracker ??= readGithubToken(secrets, requireEnv(env.GITHUB_TOKEN_SECRET_ID, 'GITHUB_TOKEN_SECRET_ID')).then(
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

export const handler = async (event: unknown) => {
  const app = makeGithub({ config, store, clock, logger, events, tracker: await issueTracker() });
  return app(event);
};
