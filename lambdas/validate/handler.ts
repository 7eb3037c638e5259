import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchMetricSource } from '#adapters/cloudwatch';
import { runtime } from '#adapters/runtime';
import { makeValidate } from './app.ts';

const { logger, store, clock } = runtime();
const app = makeValidate({ store, clock, logger, metrics: new CloudWatchMetricSource(new CloudWatchClient({})) });

export const handler = async (event: unknown) => app(event);
