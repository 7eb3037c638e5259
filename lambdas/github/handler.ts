import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { EventBridgePublisher } from '#adapters/aws/eventbridge';
import { ENV, requireEnv } from '#adapters/env';
import { createOctokit, GitHubCodeHost, GitHubIssueTracker, splitRepository } from '#adapters/github/github';
import { readGithubToken } from '#adapters/github/token';
import { AuditTrailIssueTracker, runtime } from '#adapters/runtime';
import { makeGithub } from '#app/issues';
import type { CodeHost, IssueTracker } from '#ports/ports';

const { env, config, logger, store, clock } = runtime();
const events = new EventBridgePublisher(new EventBridgeClient({}), requireEnv(env.EVENT_BUS_NAME, ENV.eventBusName));
const secrets = new SecretsManagerClient({});
let tracker: Promise<{ tracker: IssueTracker; codeHost: CodeHost }> | undefined;

/** Shadow mode: a revert is proposed in the audit trail (under `deploy:<id>`), never on GitHub. */
const shadowCodeHost: CodeHost = {
  resolveDeploy: async (deploy) => ({
    prs: deploy.prNumbers.map((number) => ({ number, title: `#${number}`, body: '' })),
    commitMessages: [],
    files: deploy.changedPaths,
    resolvedBy: 'event',
  }),
  proposeRevert: async (request) => {
    await store.appendAudit({
      lineageId: `deploy:${request.deploy.deployId}`,
      at: clock.now().toISOString(),
      actor: 'prodloop',
      action: 'shadow-revert-proposed',
      detail: { title: request.title, body: request.body },
    });
    return {
      proposed: false,
      reason: `shadow mode: the revert is proposed in the audit trail (prodloop status --lineage deploy:${request.deploy.deployId})`,
    };
  },
};

/** Shadow mode never reads the token: every write is a dry-run record in the audit trail. */
function issueTracker(): Promise<{ tracker: IssueTracker; codeHost: CodeHost }> {
  if (config.shadowMode) return Promise.resolve({ tracker: new AuditTrailIssueTracker(store, clock), codeHost: shadowCodeHost });
  tracker ??= readGithubToken(secrets, requireEnv(env.GITHUB_TOKEN_SECRET_ID, ENV.githubTokenSecretId)).then(
    (token) => {
      const { owner, repo } = splitRepository(config.githubRepository);
      const octokit = createOctokit({ token, baseUrl: config.githubApiUrl });
      return {
        tracker: new GitHubIssueTracker({ octokit, owner, repo }),
        codeHost: new GitHubCodeHost({ octokit, owner, repo, baseBranch: config.githubBaseBranch }),
      };
    },
    (error: unknown) => {
      tracker = undefined; // a failed secret read is tried again on the next invocation
      throw error;
    },
  );
  return tracker as Promise<{ tracker: IssueTracker; codeHost: CodeHost }>;
}

export const handler = async (event: unknown) => {
  const app = makeGithub({ config, store, clock, logger, events, ...(await issueTracker()) });
  return app(event);
};
