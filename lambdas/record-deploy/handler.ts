import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { AwsDeployVersions } from '#adapters/aws/deploy-versions';
import { StepFunctionsWorkflow } from '#adapters/aws/sfn';
import { SqsParkingLot } from '#adapters/aws/sqs';
import { ENV, requireEnv } from '#adapters/env';
import { createOctokit, GitHubCodeHost, splitRepository } from '#adapters/github/github';
import { readGithubToken } from '#adapters/github/token';
import { runtime } from '#adapters/runtime';
import { makeRecordDeploy } from '#app/record-deploy';
import type { CodeHost } from '#ports/ports';

const { env, config, logger, store, clock } = runtime();
const sfn = new SFNClient({});
const secrets = new SecretsManagerClient({});
const parking = new SqsParkingLot(new SQSClient({}), requireEnv(env.PARKING_QUEUE_URL, ENV.parkingQueueUrl));
// Resuming needs only SendTaskSuccess; the token names the execution.
const workflow = new StepFunctionsWorkflow(sfn, env.STATE_MACHINE_ARN ?? 'unused');
const deployWatch = new StepFunctionsWorkflow(sfn, requireEnv(env.DEPLOY_WATCH_STATE_MACHINE_ARN, ENV.deployWatchStateMachineArn));
// The commits of CodeDeploy, ECS and CloudFormation deploys, whose events name none. Their SDK
// clients are created (and their modules loaded) on the first such deploy, not at cold start.
const deployVersions = new AwsDeployVersions({
  stackCommitKeys: config.stackCommitKeys,
  ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
});

/**
 * GitHub, read-only here (compare and pull requests). In shadow mode a missing or unreadable token is
 * not an error: issues exist only in the audit trail then, and fixes are recognised by service.
 */
async function codeHost(): Promise<CodeHost | undefined> {
  try {
    const token = await readGithubToken(secrets, requireEnv(env.GITHUB_TOKEN_SECRET_ID, ENV.githubTokenSecretId));
    const { owner, repo } = splitRepository(config.githubRepository);
    return new GitHubCodeHost({
      octokit: createOctokit({ token, baseUrl: config.githubApiUrl, logger }),
      owner,
      repo,
      baseBranch: config.githubBaseBranch,
    });
  } catch (error) {
    if (!config.shadowMode) throw error;
    logger.warn('shadow mode without a readable GitHub token: fix deploys are recognised by service', { error: String(error) });
    return undefined;
  }
}

export const handler = async (event: unknown) => {
  const host = await codeHost();
  const app = makeRecordDeploy({
    config,
    store,
    clock,
    logger,
    workflow,
    parking,
    deployWatch,
    deployVersions,
    ...(host ? { codeHost: host } : {}),
  });
  return app(event);
};
