/** SQS adapter of ParkingLot. */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { ParkingLot } from '#ports/deps';

/** Parks a rejected event in the dead-letter queue with its reason, for a human to fix and redrive. */
export class SqsParkingLot implements ParkingLot {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async park(event: unknown, reason: string, source: string): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(event),
        MessageAttributes: {
          reason: { DataType: 'String', StringValue: reason.slice(0, 1000) },
          source: { DataType: 'String', StringValue: source },
        },
      }),
    );
  }
}
