import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { EventBridgePublisher } from '#adapters/eventbridge';
import { requireEnv, runtime } from '#adapters/runtime';
import { StepFunctionsWorkflow } from '#adapters/sfn';
import { SqsParkingLot } from '#adapters/sqs';
import { makeIngestAlarm } from './app.ts';

const { env, config, logger, store, clock } = runtime();
const app = makeIngestAlarm({
  config,
  store,
  clock,
  logger,
  workflow: new StepFunctionsWorkflow(new SFNClient({}), requireEnv(env.STATE_MACHINE_ARN, 'STATE_MACHINE_ARN')),
  events: new EventBridgePublisher(new EventBridgeClient({}), requireEnv(env.EVENT_BUS_NAME, 'EVENT_BUS_NAME')),
  parking: new SqsParkingLot(new SQSClient({}), requireEnv(env.PARKING_QUEUE_URL, 'PARKING_QUEUE_URL')),
});

export const handler = async (event: unknown) => app(event);
