import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import { EventBridgePublisher } from '#adapters/aws/eventbridge';
import { SnsNotifier } from '#adapters/aws/sns';
import { ENV, requireEnv } from '#adapters/env';
import { runtime } from '#adapters/runtime';
import { makeEscalate } from '#app/escalate';

const { env, logger, store, clock } = runtime();
const app = makeEscalate({
  store,
  clock,
  logger,
  notifier: new SnsNotifier(new SNSClient({}), requireEnv(env.TOPIC_ARN, ENV.topicArn)),
  events: new EventBridgePublisher(new EventBridgeClient({}), requireEnv(env.EVENT_BUS_NAME, ENV.eventBusName)),
});

export const handler = async (event: unknown) => app(event);
