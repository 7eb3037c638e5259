/**
 * prodloop on AWS: signals in (alarms, deploys, reported costs), the lineage loop and the deploy watch
 * (Step Functions), one table, GitHub access, and escalation to humans.
 */

import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { ENV } from '#adapters/env';
import type { ProdloopConfig } from '#domain/config/config';
import { START_LEASE_SECONDS } from '#domain/lineage/transitions';
import { configFromContext, validateConfig } from './config.ts';
import { DeployWatch } from './deploy-watch.ts';
import { EscalationChannel } from './escalation.ts';
import { FrictionSignals } from './friction.ts';
import { type FunctionName, type LogLevel, ProdloopFunction } from './function.ts';
import { GithubAccess } from './github-access.ts';
import { LineageLoop } from './lineage-loop.ts';
import { SelfWatch, type WatchedQueue } from './self-watch.ts';
import { SignalIngest } from './signal-ingest.ts';
import { LineageTable } from './store.ts';

export interface ProdloopStackProps extends StackProps {
  /**
   * The configuration. Validated either way; a ConfigError lists every problem.
   * @default - the object under the `prodloop` context key (cdk.json)
   */
  readonly config?: unknown;
  /**
   * What happens to the table, the log groups and the keys when they leave the stack. Keep RETAIN
   * wherever the audit trail matters.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Powertools log level of every function.
   * @default 'INFO'
   */
  readonly logLevel?: LogLevel;
  /**
   * Name of prodloop's own event bus.
   * @default 'prodloop'
   */
  readonly eventBusName?: string;
}

export type ProdloopFunctions = Readonly<Record<FunctionName, ProdloopFunction>>;

export class ProdloopStack extends Stack {
  readonly config: ProdloopConfig;
  readonly functions: ProdloopFunctions;
  readonly store: LineageTable;
  readonly escalation: EscalationChannel;
  readonly githubAccess: GithubAccess;
  readonly ingest: SignalIngest;
  readonly loop: LineageLoop;
  readonly deployWatch: DeployWatch;
  /** Friction signals from coding-agent transcripts, when the configuration has a `friction` key. */
  readonly friction?: FrictionSignals;
  /** prodloop's alarms on itself (its queues, its functions) and its dashboard. */
  readonly selfWatch: SelfWatch;

  constructor(scope: Construct, id: string, props: ProdloopStackProps = {}) {
    super(scope, id, {
      description: 'prodloop: closes the loop between production signals and the coding agents that fix them',
      ...props,
    });
    this.config = props.config === undefined ? configFromContext(this) : validateConfig(props.config);
    const config = this.config;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.store = new LineageTable(this, 'LineageTable', { removalPolicy });
    const { table } = this.store;
    this.escalation = new EscalationChannel(this, 'Escalation', { emails: config.escalationEmails, keyRemovalPolicy: removalPolicy });
    this.githubAccess = new GithubAccess(this, 'GithubAccess', { secretName: config.githubTokenSecretName });

    const fn = (id: string, name: FunctionName, description: string, timeout?: Duration) =>
      new ProdloopFunction(this, id, {
        name,
        config,
        description,
        removalPolicy,
        ...(props.logLevel ? { logLevel: props.logLevel } : {}),
        ...(timeout ? { timeout } : {}),
      });
    const functions: ProdloopFunctions = {
      // Its timeout is the start claim's lease: a claimant is stopped before its claim lapses.
      'ingest-alarm': fn(
        'IngestAlarm',
        'ingest-alarm',
        'prodloop: turns alarm notifications into lineages and starts the loop',
        Duration.seconds(START_LEASE_SECONDS),
      ),
      'record-deploy': fn(
        'RecordDeploy',
        'record-deploy',
        'prodloop: records deploys and health events, resumes lineages waiting for a fix',
      ),
      triage: fn('Triage', 'triage', 'prodloop: decides whether a lineage is worth an issue', Duration.seconds(60)),
      github: fn('Github', 'github', 'prodloop: files, comments on and closes GitHub issues', Duration.seconds(60)),
      lineage: fn('Lineage', 'lineage', 'prodloop: lineage bookkeeping: task tokens, budget, iterations, quarantine'),
      validate: fn('Validate', 'validate', 'prodloop: evaluates a fix deploy against the baseline', Duration.seconds(60)),
      escalate: fn('Escalate', 'escalate', 'prodloop: hands a lineage to a human'),
      'record-cost': fn(
        'RecordCost',
        'record-cost',
        "prodloop: charges reported costs to a lineage's budget, stops a loop whose budget is spent",
      ),
      'deploy-watch': fn(
        'DeployWatch',
        'deploy-watch',
        'prodloop: watches every deploy touching watched code paths and pulls the andon cord on a regression',
        Duration.seconds(60),
      ),
    };
    this.functions = functions;

    this.ingest = new SignalIngest(this, 'SignalIngest', {
      watchedAlarms: config.watchedAlarms,
      ingestAlarm: functions['ingest-alarm'],
      recordDeploy: functions['record-deploy'],
      recordCost: functions['record-cost'],
      keyRemovalPolicy: removalPolicy,
      ...(props.eventBusName ? { eventBusName: props.eventBusName } : {}),
    });
    const bus = this.ingest.eventBus;

    this.loop = new LineageLoop(this, 'LineageLoop', {
      functions: {
        triage: functions.triage,
        github: functions.github,
        lineage: functions.lineage,
        validate: functions.validate,
        escalate: functions.escalate,
      },
      alarmTopic: this.escalation.topic,
      removalPolicy,
    });
    const { stateMachine } = this.loop;

    this.deployWatch = new DeployWatch(this, 'DeployWatchMachine', {
      functions: { 'deploy-watch': functions['deploy-watch'], github: functions.github, escalate: functions.escalate },
      alarmTopic: this.escalation.topic,
      removalPolicy,
    });

    functions['ingest-alarm'].bindTable(table, { accessMode: 'RW' }).bindStateMachineStart(stateMachine).bindEventBus(bus);
    if (config.watchedAlarms.tags.length > 0) allowAlarmTagReads(functions['ingest-alarm']);

    functions['record-deploy']
      .bindTable(table, { accessMode: 'RW' })
      .bindStateMachineStart(this.deployWatch.stateMachine, ENV.deployWatchStateMachineArn);
    this.loop.grantTaskResponse(functions['record-deploy']);
    this.githubAccess.grantRead(functions['record-deploy']);
    allowDeployLookups(functions['record-deploy']);

    // A reported cost that spends the budget stops a waiting loop (SendTaskFailure).
    functions['record-cost'].bindTable(table, { accessMode: 'RW' });
    this.loop.grantTaskResponse(functions['record-cost']);

    // The andon cord of a deploy watch locks paths, halts waiting loops (SendTaskFailure) and says so on the bus.
    functions['deploy-watch'].bindTable(table, { accessMode: 'RW' }).bindEventBus(bus);
    this.loop.grantTaskResponse(functions['deploy-watch']);
    allowMetricReads(functions['deploy-watch'], { logsInsights: false });

    functions.triage.bindTable(table, { accessMode: 'RW' });
    allowMetricReads(functions.triage, { logsInsights: true });

    functions.github.bindTable(table, { accessMode: 'RW' }).bindEventBus(bus);
    this.githubAccess.grantRead(functions.github);

    functions.lineage.bindTable(table, { accessMode: 'RW' }).bindEventBus(bus);
    this.loop.grantTaskResponse(functions.lineage);
    // Each iteration continues in a fresh execution, which the lineage function starts.
    this.loop.grantStartExecution(functions.lineage);

    // Validate reads the lineage and appends each evaluation to its audit trail.
    functions.validate.bindTable(table, { accessMode: 'RW' });
    allowMetricReads(functions.validate, { logsInsights: false });

    functions.escalate.bindTable(table, { accessMode: 'RW' }).bindTopic(this.escalation.topic).bindEventBus(bus);

    if (FrictionSignals.enabledIn(config)) {
      this.friction = new FrictionSignals(this, 'Friction', {
        config,
        table,
        githubAccess: this.githubAccess,
        alarmTopic: this.escalation.topic,
        removalPolicy,
        ...(props.logLevel ? { logLevel: props.logLevel } : {}),
      });
    }

    this.selfWatch = new SelfWatch(this, 'Operations', {
      alarmTopic: this.escalation.topic,
      queues: this.watchedQueues(),
      functions: { ...functions, ...this.friction?.functions },
      stateMachines: {
        lineage: stateMachine,
        'deploy-watch': this.deployWatch.stateMachine,
        ...(this.friction ? { friction: this.friction.stateMachine } : {}),
      },
      stateMachineAlarms: [...this.loop.alarms, ...this.deployWatch.alarms, ...this.frictionRunAlarms()],
      watchedAlarmPrefixes: config.watchedAlarms.namePrefixes,
    });

    new CfnOutput(this, 'TableName', { value: table.tableName, description: 'The lineage table' });
    new CfnOutput(this, 'StateMachineArn', { value: stateMachine.stateMachineArn, description: 'The lineage loop' });
    new CfnOutput(this, 'DeployWatchStateMachineArn', {
      value: this.deployWatch.stateMachine.stateMachineArn,
      description: 'The deploy watch: one execution per deploy touching watched code paths',
    });
    new CfnOutput(this, 'EventBusName', {
      value: bus.eventBusName,
      description: 'prodloop\'s bus: put "Deploy Finished" and "Cost Reported" events here; prodloop publishes its own events here',
    });
    new CfnOutput(this, 'EscalationTopicArn', {
      value: this.escalation.topic.topicArn,
      description: 'Escalations to humans; subscribe here',
    });
    new CfnOutput(this, 'AlarmIntakeTopicArn', {
      value: this.ingest.alarmIntakeTopic.topicArn,
      description: 'Add as an alarm action to send an alarm to prodloop directly',
    });
    new CfnOutput(this, 'DashboardName', {
      value: this.selfWatch.dashboard.dashboardName,
      description: "prodloop's own health: queues, functions, state machines (docs/operations.md)",
    });
  }

  /** The friction workflow's alarms on its own runs; its rate alarms are signals about the agents, not about prodloop. */
  private frictionRunAlarms(): Alarm[] {
    const friction = this.friction;
    if (!friction) return [];
    const rates: readonly Alarm[] = Object.values(friction.rateAlarms);
    return friction.alarms.filter((alarm) => !rates.includes(alarm));
  }

  /** Every dead-letter and parking queue of the stack, with what lands there and what to look at first. */
  private watchedQueues(): WatchedQueue[] {
    const queues: WatchedQueue[] = [
      {
        name: 'parking',
        queue: this.ingest.parking,
        holds: 'an event a function rejected or failed on after its retries',
        firstCheck: "the message's reason attribute (or, from a failed invocation, its responsePayload).",
      },
      {
        name: 'rule-dead-letters',
        queue: this.ingest.ruleDeadLetters,
        holds: 'an event EventBridge could not deliver to a function',
        firstCheck: 'the ERROR_CODE and ERROR_MESSAGE attributes of the message (permissions, a deleted or throttled function).',
      },
      {
        name: 'intake-dead-letters',
        queue: this.ingest.intakeDeadLetters,
        holds: 'an alarm notification SNS could not deliver to ingest-alarm',
        firstCheck: 'the ErrorCode and ErrorMessage attributes of the message, and whether ingest-alarm exists and SNS may invoke it.',
      },
    ];
    if (this.friction) {
      queues.push({
        name: 'friction-schedule-dead-letters',
        queue: this.friction.scheduleDeadLetters,
        holds: 'a daily friction run EventBridge could not start',
        firstCheck: 'the ERROR_CODE and ERROR_MESSAGE attributes of the message; then rerun the day with {"day": "YYYY-MM-DD"}.',
      });
    }
    return queues;
  }
}

/**
 * CloudWatch metric reads (GetMetricData has no resource-level permissions) and, for triage,
 * CloudWatch Logs Insights queries on the account's log groups.
 */
function allowMetricReads(fn: ProdloopFunction, options: { logsInsights: boolean }): void {
  // Triage also reads alarm definitions: a composite alarm's children and the other alarms in ALARM.
  const metricActions = options.logsInsights ? ['cloudwatch:GetMetricData', 'cloudwatch:DescribeAlarms'] : ['cloudwatch:GetMetricData'];
  const statements = [new PolicyStatement({ actions: metricActions, resources: ['*'] })];
  const acknowledgements = [
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        "cloudwatch:GetMetricData (and DescribeAlarms, a listing) supports no resource-level permissions, and the alarms prodloop reads are the user's, named only at run time" +
        (options.logsInsights ? '; logs:GetQueryResults supports no resource-level permissions either.' : '.'),
    },
  ];
  if (options.logsInsights) {
    const logGroups = Stack.of(fn).formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: '*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    statements.push(
      new PolicyStatement({ actions: ['logs:StartQuery'], resources: [logGroups] }),
      new PolicyStatement({ actions: ['logs:GetQueryResults'], resources: ['*'] }),
    );
    acknowledgements.push({
      id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:*]',
      reason:
        "Triage queries the log groups of the services behind an alarm, which are the user's and known only at run time; queries stay in this account and region.",
    });
  }
  fn.addPolicy('MetricReads', statements, acknowledgements);
}

/** Alarms watched by tag: ingest-alarm reads the tags of alarms no name prefix admits. */
function allowAlarmTagReads(fn: ProdloopFunction): void {
  const alarms = Stack.of(fn).formatArn({
    service: 'cloudwatch',
    resource: 'alarm',
    resourceName: '*',
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  fn.addPolicy(
    'AlarmTagReads',
    [new PolicyStatement({ actions: ['cloudwatch:ListTagsForResource'], resources: [alarms] })],
    [
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:*]',
        reason:
          "Which of the user's alarms carry a watched tag is known only from the tags themselves (EventBridge cannot filter on them); ListTagsForResource only, on alarms of this account and region.",
      },
    ],
  );
}

/**
 * record-deploy reads the commit an AWS-native deploy shipped: CodeDeploy deployments, ECS services and
 * their task definitions, CloudFormation stacks; reads only, in this account and region.
 */
function allowDeployLookups(fn: ProdloopFunction): void {
  const stack = Stack.of(fn);
  const arn = (service: string, resource: string, arnFormat: ArnFormat) =>
    stack.formatArn({ service, resource, resourceName: '*', arnFormat });
  const deploymentGroups = arn('codedeploy', 'deploymentgroup', ArnFormat.COLON_RESOURCE_NAME);
  const services = arn('ecs', 'service', ArnFormat.SLASH_RESOURCE_NAME);
  const stacks = arn('cloudformation', 'stack', ArnFormat.SLASH_RESOURCE_NAME);
  const inThisAccount = (resource: string) => `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:${resource}]`;
  fn.addPolicy(
    'DeployLookups',
    [
      // GetDeployment is authorized on the deployment group of the deployment.
      new PolicyStatement({ actions: ['codedeploy:GetDeployment'], resources: [deploymentGroups] }),
      new PolicyStatement({ actions: ['ecs:DescribeServices'], resources: [services] }),
      new PolicyStatement({ actions: ['ecs:DescribeTaskDefinition'], resources: ['*'] }),
      new PolicyStatement({ actions: ['cloudformation:DescribeStacks'], resources: [stacks] }),
    ],
    [
      {
        id: inThisAccount('codedeploy:<AWS::Region>:<AWS::AccountId>:deploymentgroup:*'),
        reason:
          "The deployments prodloop reads are those of the user's CodeDeploy applications, named only by the events; GetDeployment only, in this account and region.",
      },
      {
        id: inThisAccount('ecs:<AWS::Region>:<AWS::AccountId>:service/*'),
        reason:
          "The ECS services prodloop reads are the user's, named only by their deployment events; DescribeServices only, in this account and region.",
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'ecs:DescribeTaskDefinition supports no resource-level permissions; it reads the task definitions of deployed ECS services.',
      },
      {
        id: inThisAccount('cloudformation:<AWS::Region>:<AWS::AccountId>:stack/*'),
        reason:
          "The stacks prodloop reads are the user's, named only by their status change events; DescribeStacks only, in this account and region.",
      },
    ],
  );
}
