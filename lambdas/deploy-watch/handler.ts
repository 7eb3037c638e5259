import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { CloudWatchMetricSource } from '#adapters/aws/cloudwatch';
import { EventBridgePublisher } from '#adapters/aws/eventbridge';
import { StepFunctionsLoop } from '#adapters/aws/sfn-loop';
import { ENV, requireEnv } from '#adapters/env';
import { runtime } from '#adapters/runtime';
import { makeDeployWatch } from '#app/deploy-watch';

const { env, config, logger, store, clock } = runtime();
const app = makeDeployWatch({
  config,
  store,
  clock,
  logger,
  metrics: new CloudWatchMetricSource(new CloudWatchClient({})),
  events: new EventBridgePublisher(new EventBridgeClient({}), requireEnv(env.EVENT_BUS_NAME, ENV.eventBusName)),
  // Halting a loop fails its parked task; the token names the execution.
  workflow: new StepFunctionsLoop(new SFNClient({}), 'unused'),
});

export const handler = async (event: unknown) => app(event);
