/**
 * A LineageStore on a fresh table of the DynamoDB Local instance the integration and scenarios projects
 * start (test/support/dynamodb-local.global.ts), one table per call, so test files and tests never see
 * each other's records.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbLineageStore } from '#adapters/dynamodb/store';
import { dynamoDbClientFor, ensureTable } from '#adapters/dynamodb/table';

export interface TestStore {
  readonly store: DynamoDbLineageStore;
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

export function dynamoDbLocalEndpoint(): string {
  const endpoint = process.env.PRODLOOP_DYNAMODB_ENDPOINT;
  if (!endpoint) {
    throw new Error(
      'PRODLOOP_DYNAMODB_ENDPOINT is not set: a test file that uses DynamoDB Local belongs to the integration or scenarios project (vitest.config.ts), whose global setup starts it',
    );
  }
  return endpoint;
}

export async function testStore(): Promise<TestStore> {
  const client = dynamoDbClientFor(dynamoDbLocalEndpoint());
  const tableName = `test-${randomUUID()}`;
  await ensureTable(client, tableName);
  return { store: new DynamoDbLineageStore({ client, tableName }), client, tableName };
}
