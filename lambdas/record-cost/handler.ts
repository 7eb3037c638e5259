import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { StepFunctionsLoop } from '#adapters/aws/sfn-loop';
import { SqsParkingLot } from '#adapters/aws/sqs';
import { ENV, requireEnv } from '#adapters/env';
import { runtime } from '#adapters/runtime';
import { makeRecordCost } from '#app/record-cost';

const { env, config, logger, store, clock } = runtime();
const app = makeRecordCost({
  config,
  store,
  clock,
  logger,
  // Stopping a loop fails its parked task; the token names the execution.
  workflow: new StepFunctionsLoop(new SFNClient({}), 'unused'),
  parking: new SqsParkingLot(new SQSClient({}), requireEnv(env.PARKING_QUEUE_URL, ENV.parkingQueueUrl)),
});

export const handler = async (event: unknown) => app(event);
