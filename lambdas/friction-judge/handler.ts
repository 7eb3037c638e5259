import { Logger } from '@aws-lambda-powertools/logger';
import { BedrockClient } from '@aws-sdk/client-bedrock';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { S3Client } from '@aws-sdk/client-s3';
import { powertoolsLogger } from '#adapters/runtime';
import { BedrockBatchJobs, BedrockModelInvoker } from '#friction/adapters/bedrock';
import { frictionEnv } from '#friction/adapters/env';
import { S3ObjectStore } from '#friction/adapters/s3';
import { makeJudge } from '#friction/app/judge';

const s3 = new S3Client({});
const runtimeClient = new BedrockRuntimeClient({});
const control = new BedrockClient({});
const logger = powertoolsLogger(new Logger({ serviceName: 'prodloop' }));
// Built on the first invocation, from the environment the friction construct sets (FRICTION_BUCKET,
// FRICTION_JUDGE_ROLE_ARN): a missing or invalid value fails that invocation with a ConfigError naming it.
let app: ReturnType<typeof makeJudge> | undefined;

export const handler = async (event: unknown) => {
  if (!app) {
    const { friction, bucket, judgeRoleArn } = frictionEnv(process.env);
    app = makeJudge({
      friction,
      store: new S3ObjectStore(s3, bucket),
      invoker: new BedrockModelInvoker(runtimeClient, friction.judge.modelId),
      jobs: new BedrockBatchJobs(control),
      ...(judgeRoleArn ? { batchRoleArn: judgeRoleArn } : {}),
      logger,
    });
  }
  return app(event);
};
