import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { CloudWatchAlarmTags } from '#adapters/aws/cloudwatch';
import { EventBridgePublisher } from '#adapters/aws/eventbridge';
import { StepFunctionsWorkflow } from '#adapters/aws/sfn';
import { SqsParkingLot } from '#adapters/aws/sqs';
import { ENV, requireEnv } from '#adapters/env';
import { runtime } from '#adapters/runtime';
import { makeIngestAlarm } from '#app/open-lineage';

const { env, config, logger, store, clock } = runtime();
const app = makeIngestAlarm({
  config,
  store,
  clock,
  logger,
  workflow: new StepFunctionsWorkflow(new SFNClient({}), requireEnv(env.STATE_MACHINE_ARN, ENV.stateMachineArn)),
  events: new EventBridgePublisher(new EventBridgeClient({}), requireEnv(env.EVENT_BUS_NAME, ENV.eventBusName)),
  parking: new SqsParkingLot(new SQSClient({}), requireEnv(env.PARKING_QUEUE_URL, ENV.parkingQueueUrl)),
  // Tags are read only for alarms no name prefix admits, and only when tags are configured.
  ...(config.watchedAlarms.tags.length > 0 ? { alarmTags: new CloudWatchAlarmTags(new CloudWatchClient({})) } : {}),
});

export const handler = async (event: unknown) => app(event);
