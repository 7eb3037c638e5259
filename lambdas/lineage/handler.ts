import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgePublisher } from '#adapters/eventbridge';
import { requireEnv, runtime } from '#adapters/runtime';
import { makeLineage } from './app.ts';

const { env, config, logger, store, clock } = runtime();
const app = makeLineage({
  config,
  store,
  clock,
  logger,
  events: new EventBridgePublisher(new EventBridgeClient({}), requireEnv(env.EVENT_BUS_NAME, 'EVENT_BUS_NAME')),
});

export const handler = async (event: unknown) => app(event);
