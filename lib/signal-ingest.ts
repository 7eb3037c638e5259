/**
 * How signals reach prodloop.
 *
 * On the account's default event bus:
 * - CloudWatch alarm state changes (to ALARM or OK) of watched alarms → ingest-alarm. EventBridge
 *   can filter on the alarm name but not on the alarm's tags: with name prefixes only, the rule
 *   matches those prefixes; once `watchedAlarms.tags` is configured, the rule matches every alarm
 *   state change and ingest-alarm decides which alarms are watched.
 * - CodeDeploy, ECS and CloudFormation deployment changes, and AWS Health events → record-deploy.
 *
 * On prodloop's own bus: "Deploy Finished" events, which any pipeline can put → record-deploy, and
 * "Cost Reported" events, which CI or a coding agent puts → record-cost. The bus is archived, so
 * events can be replayed after a fix.
 *
 * And an "alarm intake" SNS topic that alarms can name as an action directly, subscribed by
 * ingest-alarm. Every delivery has a dead-letter queue; events that reach a function but fail it
 * twice more go to the parking queue.
 */
import { Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import { type Archive, EventBus, type EventPattern, type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ProdloopConfig } from '#domain/config/config';
import { DeadLetterQueue } from './dead-letter-queue.ts';
import { EncryptedTopic } from './encrypted-topic.ts';
import type { ProdloopFunction } from './function.ts';

/** Detail type of the event a pipeline puts on prodloop's bus when a deploy finishes. */
export const DEPLOY_FINISHED = 'Deploy Finished';
/** Detail type of the event CI or a coding agent puts on prodloop's bus to charge a lineage's budget. */
export const COST_REPORTED = 'Cost Reported';

export interface SignalIngestProps {
  /** Which alarms are watched. */
  readonly watchedAlarms: ProdloopConfig['watchedAlarms'];
  /** Turns alarm notifications into lineages. */
  readonly ingestAlarm: ProdloopFunction;
  /** Records deploys and AWS Health events, and resumes lineages waiting for a fix. */
  readonly recordDeploy: ProdloopFunction;
  /** Charges reported costs to lineage budgets. */
  readonly recordCost: ProdloopFunction;
  /**
   * Name of prodloop's own event bus.
   * @default 'prodloop'
   */
  readonly eventBusName?: string;
  /**
   * How long the archive of prodloop's bus keeps events for replay.
   * @default Duration.days(30)
   */
  readonly archiveRetention?: Duration;
  /**
   * How often EventBridge retries delivering an event to a function before dead-lettering it.
   * @default 8
   */
  readonly targetRetryAttempts?: number;
  /**
   * How long EventBridge keeps trying to deliver an event before dead-lettering it.
   * @default Duration.hours(2)
   */
  readonly targetMaxEventAge?: Duration;
  /**
   * How often Lambda retries an asynchronous invocation that failed before parking the event.
   * @default 2
   */
  readonly invokeRetryAttempts?: number;
  /**
   * What happens to the alarm intake topic's key when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly keyRemovalPolicy?: RemovalPolicy;
}

export class SignalIngest extends Construct {
  /** prodloop's own bus: "Deploy Finished" in, prodloop's own events out. */
  readonly eventBus: EventBus;
  readonly archive: Archive;
  /** Alarms may publish here directly (add it as an alarm action). */
  readonly alarmIntakeTopic: ITopic;
  /** Events EventBridge could not deliver to a function. */
  readonly ruleDeadLetters: IQueue;
  /** Alarm notifications SNS could not deliver to ingest-alarm. */
  readonly intakeDeadLetters: IQueue;
  /** Events a function failed on after its retries, or rejected as unparseable: for a human to fix and redrive. */
  readonly parking: IQueue;
  readonly rules: readonly Rule[];

  constructor(scope: Construct, id: string, props: SignalIngestProps) {
    super(scope, id);
    const { ingestAlarm, recordDeploy, recordCost } = props;

    this.eventBus = new EventBus(this, 'Bus', { eventBusName: props.eventBusName ?? 'prodloop' });
    this.archive = this.eventBus.archive('Archive', {
      description: "prodloop's bus, kept for replay after a fix",
      eventPattern: { account: [Stack.of(this).account] },
      retention: props.archiveRetention ?? Duration.days(30),
    });

    this.ruleDeadLetters = new DeadLetterQueue(this, 'RuleDeadLetters', { holds: 'events EventBridge could not deliver' }).queue;
    this.intakeDeadLetters = new DeadLetterQueue(this, 'IntakeDeadLetters', {
      holds: 'alarm notifications SNS could not deliver',
    }).queue;
    this.parking = new DeadLetterQueue(this, 'Parking', { holds: 'events the functions failed on or rejected' }).queue;

    for (const fn of [ingestAlarm, recordDeploy, recordCost]) {
      fn.function.configureAsyncInvoke({
        onFailure: new SqsDestination(this.parking),
        retryAttempts: props.invokeRetryAttempts ?? 2,
      });
      fn.bindParkingQueue(this.parking);
    }

    const target = (fn: ProdloopFunction) =>
      new LambdaFunction(fn.function, {
        deadLetterQueue: this.ruleDeadLetters,
        retryAttempts: props.targetRetryAttempts ?? 8,
        maxEventAge: props.targetMaxEventAge ?? Duration.hours(2),
      });
    const rule = (ruleId: string, description: string, eventPattern: EventPattern, fn: ProdloopFunction, eventBus?: IEventBus) =>
      new Rule(this, ruleId, { description, eventPattern, targets: [target(fn)], ...(eventBus ? { eventBus } : {}) });

    this.rules = [
      rule(
        'AlarmStateChange',
        'prodloop: watched CloudWatch alarms changing to ALARM or OK',
        alarmPattern(props.watchedAlarms),
        ingestAlarm,
      ),
      rule(
        'CodeDeployDeployment',
        'prodloop: CodeDeploy deployment state changes',
        { source: ['aws.codedeploy'], detailType: ['CodeDeploy Deployment State-change Notification'] },
        recordDeploy,
      ),
      rule(
        'EcsDeployment',
        'prodloop: ECS service deployment state changes',
        { source: ['aws.ecs'], detailType: ['ECS Deployment State Change'] },
        recordDeploy,
      ),
      rule(
        'CloudFormationStackStatus',
        'prodloop: CloudFormation stack status changes',
        { source: ['aws.cloudformation'], detailType: ['CloudFormation Stack Status Change'] },
        recordDeploy,
      ),
      rule('HealthEvent', 'prodloop: AWS Health events', { source: ['aws.health'], detailType: ['AWS Health Event'] }, recordDeploy),
      rule(
        'DeployFinished',
        'prodloop: deploys that pipelines report on the prodloop bus',
        { detailType: [DEPLOY_FINISHED] },
        recordDeploy,
        this.eventBus,
      ),
      rule(
        'CostReported',
        'prodloop: costs that CI or coding agents report on the prodloop bus',
        { detailType: [COST_REPORTED] },
        recordCost,
        this.eventBus,
      ),
    ];

    const intake = new EncryptedTopic(this, 'AlarmIntake', {
      displayName: 'prodloop alarm intake',
      purpose: 'alarm intake topic',
      ...(props.keyRemovalPolicy ? { keyRemovalPolicy: props.keyRemovalPolicy } : {}),
    });
    intake.topic.addSubscription(new LambdaSubscription(ingestAlarm.function, { deadLetterQueue: this.intakeDeadLetters }));
    this.alarmIntakeTopic = intake.topic;
  }
}

/**
 * CloudWatch alarm state changes to ALARM or OK. With tags to watch, every alarm (EventBridge cannot
 * see tags); otherwise alarms whose name starts with one of the prefixes.
 */
export function alarmPattern(watched: ProdloopConfig['watchedAlarms']): EventPattern {
  const byName = watched.tags.length === 0;
  return {
    source: ['aws.cloudwatch'],
    detailType: ['CloudWatch Alarm State Change'],
    detail: {
      ...(byName ? { alarmName: watched.namePrefixes.map((prefix) => ({ prefix })) } : {}),
      state: { value: ['ALARM', 'OK'] },
    },
  };
}
