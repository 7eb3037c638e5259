import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { powertoolsLogger } from '#adapters/runtime';
import { S3ObjectStore } from '#adapters/s3';
import { frictionEnv } from '#core/friction/env';
import { makeAnalyze } from './app.ts';

const s3 = new S3Client({});
const logger = powertoolsLogger(new Logger({ serviceName: 'prodloop' }));
// Built on the first invocation, from the environment the friction construct sets (FRICTION_BUCKET):
// a missing or invalid value fails that invocation with a ConfigError naming it.
let app: ReturnType<typeof makeAnalyze> | undefined;

export const handler = async (event: unknown) => {
  if (!app) {
    const { friction, bucket } = frictionEnv(process.env);
    app = makeAnalyze({ friction, store: new S3ObjectStore(s3, bucket), logger });
  }
  return app(event);
};
