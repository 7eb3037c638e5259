/**
 * A dead-letter (or parking) queue: SQS-managed encryption, TLS only, 14 days of retention, the
 * longest SQS allows, so a human has two weeks to look and redrive.
 */
import { Duration } from 'aws-cdk-lib';
import { type CfnQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from './nag.ts';

export interface DeadLetterQueueProps {
  /** What ends up here and why, recorded with the cdk-nag acknowledgement. */
  readonly holds: string;
}

export class DeadLetterQueue extends Construct {
  /** SQS's maximum. */
  static readonly retention = Duration.days(14);

  readonly queue: Queue;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    // SQS-managed SSE rather than a KMS key: EventBridge and SNS deliver to it without key grants.
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DeadLetterQueue.retention,
    });
    acknowledge(
      this.queue.node.defaultChild as CfnQueue,
      'AwsSolutions-SQS3',
      `This queue is itself the dead-letter queue (${props.holds}); messages are inspected and redriven by a human, never consumed by a function, so there is nothing to dead-letter further.`,
    );
  }
}
