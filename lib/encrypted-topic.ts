/**
 * An SNS topic encrypted with its own customer managed KMS key (rotated yearly), TLS-only, that
 * CloudWatch alarms in this account may publish to. CloudWatch cannot use the AWS managed `aws/sns`
 * key, hence a customer key whose policy lets CloudWatch encrypt with it.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface EncryptedTopicProps {
  /** Shown in the console and as the sender name of email notifications. */
  readonly displayName: string;
  /** What the key protects, for the key's description. */
  readonly purpose: string;
  /**
   * Allow CloudWatch alarms of this account to publish to the topic (alarm actions).
   * @default true
   */
  readonly allowCloudWatchAlarms?: boolean;
  /**
   * What happens to the key when it leaves the stack (it is scheduled for deletion, never at once).
   * @default RemovalPolicy.RETAIN
   */
  readonly keyRemovalPolicy?: RemovalPolicy;
}

export class EncryptedTopic extends Construct {
  readonly topic: Topic;
  readonly key: Key;

  constructor(scope: Construct, id: string, props: EncryptedTopicProps) {
    super(scope, id);
    const account = Stack.of(this).account;

    this.key = new Key(this, 'Key', {
      description: `prodloop: ${props.purpose}`,
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
      removalPolicy: props.keyRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    this.topic = new Topic(this, 'Topic', {
      displayName: props.displayName,
      masterKey: this.key,
      enforceSSL: true,
    });

    if (props.allowCloudWatchAlarms ?? true) {
      const cloudwatch = new ServicePrincipal('cloudwatch.amazonaws.com');
      this.key.addToResourcePolicy(
        new PolicyStatement({
          sid: 'CloudWatchAlarmsEncrypt',
          effect: Effect.ALLOW,
          principals: [cloudwatch],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
        }),
      );
      // The topic policy (which enforceSSL creates) replaces SNS's default policy, so alarm actions
      // need an explicit allowance; only alarms of this account may use it.
      this.topic.addToResourcePolicy(
        new PolicyStatement({
          sid: 'CloudWatchAlarmsPublish',
          effect: Effect.ALLOW,
          principals: [cloudwatch],
          actions: ['sns:Publish'],
          resources: [this.topic.topicArn],
          conditions: { StringEquals: { 'aws:SourceAccount': account } },
        }),
      );
    }
  }
}
