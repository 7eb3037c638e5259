/**
 * Where humans are paged: one encrypted SNS topic that the escalate function publishes to (iteration
 * cap, budget spent, inconclusive validation, andon cord) and prodloop's own health alarms act on,
 * with an email subscription per configured address.
 */
import type { RemovalPolicy } from 'aws-cdk-lib';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { EncryptedTopic } from './encrypted-topic.ts';

export interface EscalationChannelProps {
  /**
   * Addresses that receive escalations by email; each must confirm the subscription once.
   * @default - no email subscriptions (subscribe other endpoints to `topic` yourself)
   */
  readonly emails?: readonly string[];
  /**
   * What happens to the topic's key when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly keyRemovalPolicy?: RemovalPolicy;
}

export class EscalationChannel extends Construct {
  readonly topic: ITopic;

  constructor(scope: Construct, id: string, props: EscalationChannelProps = {}) {
    super(scope, id);
    const { topic } = new EncryptedTopic(this, 'Escalations', {
      displayName: 'prodloop escalations',
      purpose: 'escalations topic',
      ...(props.keyRemovalPolicy ? { keyRemovalPolicy: props.keyRemovalPolicy } : {}),
    });
    for (const email of props.emails ?? []) topic.addSubscription(new EmailSubscription(email));
    this.topic = topic;
  }
}
