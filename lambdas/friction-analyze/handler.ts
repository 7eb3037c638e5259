import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { powertoolsLogger } from '#adapters/runtime';
import { S3ObjectStore } from '#adapters/s3';
import { frictionEnv } from '#core/friction/env';
import { makeAnalyze } from './app.ts';

const { friction, bucket } = frictionEnv(process.env);
const app = makeAnalyze({
  friction,
  store: new S3ObjectStore(new S3Client({}), bucket),
  logger: powertoolsLogger(new Logger({ serviceName: 'prodloop' })),
});

export const handler = async (event: unknown) => app(event);
