import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchMetricSource } from '#adapters/cloudwatch';
import { runtime } from '#adapters/runtime';
import { makeTriage } from './app.ts';

const { config, logger, store, clock } = runtime();
const app = makeTriage({ config, store, clock, logger, metrics: new CloudWatchMetricSource(new CloudWatchClient({})) });

export const handler = async (event: unknown) => app(event);
