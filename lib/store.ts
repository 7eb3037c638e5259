/**
 * The one DynamoDB table: lineages, audit trail, deploys, locks and idempotency keys. Key names, the
 * TTL attribute and the index come from the shared table schema, so the table here and the one
 * created in DynamoDB Local always agree.
 */

import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { tableSchema } from '#adapters/dynamodb/table-schema';

export interface LineageTableProps {
  /**
   * What happens to the table (and its data) when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Refuse to delete the table while this is on.
   * @default true
   */
  readonly deletionProtection?: boolean;
}

export class LineageTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: LineageTableProps = {}) {
    super(scope, id);

    this.table = new Table(this, 'Table', {
      partitionKey: { name: tableSchema.partitionKey, type: AttributeType.STRING },
      sortKey: { name: tableSchema.sortKey, type: AttributeType.STRING },
      timeToLiveAttribute: tableSchema.ttlAttribute,
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Encrypted at rest with the AWS managed key: no key policy to maintain, and every grant
      // below stays a plain table grant.
      encryption: TableEncryption.AWS_MANAGED,
      deletionProtection: props.deletionProtection ?? true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    this.table.addGlobalSecondaryIndex({
      indexName: tableSchema.byKindIndex.name,
      partitionKey: { name: tableSchema.byKindIndex.partitionKey, type: AttributeType.STRING },
      sortKey: { name: tableSchema.byKindIndex.sortKey, type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });
  }
}
