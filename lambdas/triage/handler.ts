import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CloudWatchAlarmDirectory, CloudWatchMetricSource } from '#adapters/aws/cloudwatch';
import { LogsInsightsSource } from '#adapters/aws/logs';
import { DynamoDbHealthEvents } from '#adapters/dynamodb/health-events';
import { runtime } from '#adapters/runtime';
import { makeTriage } from '#app/triage';

const { env, config, logger, store, clock } = runtime();
const cloudwatch = new CloudWatchClient({});
const app = makeTriage({
  config,
  store,
  clock,
  logger,
  metrics: new CloudWatchMetricSource(cloudwatch),
  alarms: new CloudWatchAlarmDirectory(cloudwatch),
  logs: new LogsInsightsSource(new CloudWatchLogsClient({})),
  health: new DynamoDbHealthEvents(new DynamoDBClient({}), env.TABLE_NAME),
});

export const handler = async (event: unknown) => app(event);
