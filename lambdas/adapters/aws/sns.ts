/** SNS adapter of Notifier: pages on-call through the escalation topic (email, SMS, chat, whatever subscribes). */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { toSnsSubject } from '#domain/issue/escalation';
import type { EscalationMessage } from '#domain/issue/messages';
import { TransientError } from '#domain/shared/errors';
import type { Notifier } from '#ports/notifier';

export class SnsNotifier implements Notifier {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async escalate(message: EscalationMessage): Promise<void> {
    const command = new PublishCommand({
      TopicArn: this.topicArn,
      Subject: toSnsSubject(message.subject),
      Message: message.text,
      // Subscriptions can filter on these, e.g. page by SMS only for an andon.
      MessageAttributes: {
        lineageId: { DataType: 'String', StringValue: message.lineageId },
        reason: { DataType: 'String', StringValue: message.reason },
      },
    });
    try {
      await this.client.send(command);
    } catch (error) {
      throw isTransient(error)
        ? new TransientError(`SNS publish to ${this.topicArn} failed: ${errorText(error)}`, { cause: error })
        : error;
    }
  }
}

function isTransient(error: unknown): boolean {
  const e = error as { $retryable?: unknown; $metadata?: { httpStatusCode?: number }; name?: string } | null;
  if (e?.$retryable) return true;
  const status = e?.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  return e?.name === 'ThrottledException' || e?.name === 'InternalErrorException' || e?.name === 'TimeoutError';
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
