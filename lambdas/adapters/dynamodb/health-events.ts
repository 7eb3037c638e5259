/**
 * HealthEventSource on the lineage table: reads back the AWS Health events record-deploy stored with
 * LineageStore.recordHealthEvent (pk `HEALTH#<service>`, sk `<start, UTC>#<eventArn>`, see the item design
 * in dynamodb-store.ts). Read-only; it adds no item type and no write.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { type HealthSignal, healthSignal } from '#domain/signals/signals';
import type { HealthEventSource } from '#ports/health';
import { tableSchema } from './table-schema.ts';

export class DynamoDbHealthEvents implements HealthEventSource {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient | DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.doc = client instanceof DynamoDBDocumentClient ? client : DynamoDBDocumentClient.from(client);
  }

  async between(services: readonly string[], from: string, to: string): Promise<HealthSignal[]> {
    const lower = new Date(from).toISOString();
    const upper = `${new Date(to).toISOString()}~`;
    const found: HealthSignal[] = [];
    for (const service of [...new Set(services)]) {
      let ExclusiveStartKey: QueryCommandOutput['LastEvaluatedKey'];
      do {
        const out = await this.doc.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
            ExpressionAttributeNames: { '#pk': tableSchema.partitionKey, '#sk': tableSchema.sortKey },
            ExpressionAttributeValues: { ':pk': `HEALTH#${service}`, ':from': lower, ':to': upper },
            ExclusiveStartKey,
          }),
        );
        for (const item of out.Items ?? []) {
          const parsed = healthSignal.safeParse(item);
          if (parsed.success) found.push(parsed.data);
        }
        ExclusiveStartKey = out.LastEvaluatedKey;
      } while (ExclusiveStartKey);
    }
    return found.sort((a, b) => a.at.localeCompare(b.at));
  }
}
