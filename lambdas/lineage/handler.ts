import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SFNClient } from '@aws-sdk/client-sfn';
import { EventBridgePublisher } from '#adapters/aws/eventbridge';
import { StepFunctionsLoop } from '#adapters/aws/sfn-loop';
import { ENV, requireEnv } from '#adapters/env';
import { runtime } from '#adapters/runtime';
import { makeLineage } from '#app/lineage-loop';

const { env, config, logger, store, clock } = runtime();
const sfn = new SFNClient({});
const app = makeLineage({
  config,
  store,
  clock,
  logger,
  events: new EventBridgePublisher(new EventBridgeClient({}), requireEnv(env.EVENT_BUS_NAME, ENV.eventBusName)),
  // Resuming and failing need only the token. The state machine's ARN comes from the execution's
  // context: an environment variable naming it would make the function and the machine depend on each other.
  workflow: new StepFunctionsLoop(sfn, 'unused'),
  workflowFor: (stateMachineArn) => new StepFunctionsLoop(sfn, stateMachineArn),
});

export const handler = async (event: unknown) => app(event);
