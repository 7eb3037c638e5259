import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchMetricSource } from '#adapters/aws/cloudwatch';
import { runtime } from '#adapters/runtime';
import { makeValidate } from '#app/validate-fix';

const { logger, store, clock } = runtime();
const app = makeValidate({ store, clock, logger, metrics: new CloudWatchMetricSource(new CloudWatchClient({})) });

export const handler = async (event: unknown) => app(event);
