import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { requireEnv, runtime } from '#adapters/runtime';
import { StepFunctionsWorkflow } from '#adapters/sfn';
import { SqsParkingLot } from '#adapters/sqs';
import { makeRecordDeploy } from './app.ts';

const { env, logger, store, clock } = runtime();
const app = makeRecordDeploy({
  store,
  clock,
  logger,
  // Resuming needs only SendTaskSuccess; the token names the execution.
  workflow: new StepFunctionsWorkflow(new SFNClient({}), env.STATE_MACHINE_ARN ?? 'unused'),
  parking: new SqsParkingLot(new SQSClient({}), requireEnv(env.PARKING_QUEUE_URL, 'PARKING_QUEUE_URL')),
});

export const handler = async (event: unknown) => app(event);
