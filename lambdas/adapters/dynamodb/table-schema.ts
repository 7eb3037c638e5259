/**
 * The one DynamoDB table: key names and indexes, shared by the CDK construct and by the code that
 * creates the table in DynamoDB Local, so both always agree.
 */
export const tableSchema = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** TTL attribute, epoch seconds. */
  ttlAttribute: 'expiresAt',
  /** Lists records of one kind (lineage, lock) by last update, without a scan. */
  byKindIndex: { name: 'byKind', partitionKey: 'kind', sortKey: 'updatedAt' },
} as const;
