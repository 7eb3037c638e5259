import { Logger } from '@aws-lambda-powertools/logger';
import { BedrockClient } from '@aws-sdk/client-bedrock';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { S3Client } from '@aws-sdk/client-s3';
import { BedrockBatchJobs, BedrockModelInvoker } from '#adapters/bedrock';
import { powertoolsLogger } from '#adapters/runtime';
import { S3ObjectStore } from '#adapters/s3';
import { frictionEnv } from '#core/friction/env';
import { makeJudge } from './app.ts';

const { friction, bucket, judgeRoleArn } = frictionEnv(process.env);
const app = makeJudge({
  friction,
  store: new S3ObjectStore(new S3Client({}), bucket),
  invoker: new BedrockModelInvoker(new BedrockRuntimeClient({}), friction.judge.modelId),
  jobs: new BedrockBatchJobs(new BedrockClient({})),
  ...(judgeRoleArn ? { batchRoleArn: judgeRoleArn } : {}),
  logger: powertoolsLogger(new Logger({ serviceName: 'prodloop' })),
});

export const handler = async (event: unknown) => app(event);
