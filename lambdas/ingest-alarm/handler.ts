import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { CloudWatchAlarmTags } from '#adapters/aws/cloudwatch';
import { EventBridgePublisher } from '#adapters/aws/eventbridge';
import { StepFunctionsWorkflow } from '#adapters/aws/sfn';
import { SqsParkingLot } from '#adapters/aws/sqs';
import { requireEnv, runtime } from '#adapters/runtime';
import { makeIngestAlarm } from '#app/open-lineage';

const { env, config, logger, store, clock } = runtime();
const app = makeIngestAlarm({
  config,
  store,
  clock,
  logger,
  workflow: new StepFunctionsWorkflow(new SFNClient({}), requireEnv(env.STATE_MACHINE_ARN, 'STATE_MACHINE_ARN')),
  events: new EventBridgePublisher(new EventBridgeClient({}), requireEnv(env.EVENT_BUS_NAME, 'EVENT_BUS_NAME')),
  parking: new SqsParkingLot(new SQSClient({}), requireEnv(env.PARKING_QUEUE_URL, 'PARKING_QUEUE_URL')),
  // Tags are read only for alarms no name prefix admits, and only when tags are configured.
  ...(config.watchedAlarms.tags.length > 0 ? { alarmTags: new CloudWatchAlarmTags(new CloudWatchClient({})) } : {}),
});

export const handler = async (event: unknown) => app(event);
