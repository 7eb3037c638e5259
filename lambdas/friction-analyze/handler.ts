import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { powertoolsLogger } from '#adapters/runtime';
import { frictionEnv } from '#friction/adapters/env';
import { S3ObjectStore } from '#friction/adapters/s3';
import { makeAnalyze } from '#friction/app/analyze';

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
