import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { AwsDeployVersions } from '#adapters/aws/deploy-versions';
import { StepFunctionsWorkflow } from '#adapters/aws/sfn';
import { SqsParkingLot } from '#adapters/aws/sqs';
import { ENV, requireEnv } from '#adapters/env';
import { githubDeployReader, githubWiring, type InvocationContext, invocationDeadline } from '#adapters/github/wiring';
import { runtime } from '#adapters/runtime';
import { makeRecordDeploy } from '#app/record-deploy';

const { env, config, logger, store, clock } = runtime();
const sfn = new SFNClient({});
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

// GitHub, read-only here (compare and pull requests). In shadow mode a missing or unreadable token
// is not an error: issues exist only in the audit trail then, and fixes are recognised by service.
const github = githubWiring({ config, secretId: env.GITHUB_TOKEN_SECRET_ID, store, clock, logger });

export const handler = async (event: unknown, context?: InvocationContext) => {
  // GitHub's requests, retries and waits end before the function's own timeout, less a margin.
  github.until(invocationDeadline(context));
  const host = await githubDeployReader(github);
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
