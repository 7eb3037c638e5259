/**
 * The lineage loop: the Step Functions state machine defined in `statemachines/lineage.asl.json`
 * (triage, issue, wait for the fix deploy, validate, close, iterate in a fresh execution, escalate and
 * wait for a human, andon cord), the functions it may invoke, its logs and the alarms on its own
 * failures. `LoopStateMachine` is the shape both of prodloop's state machines share (the deploy watch
 * is the other).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { type ProdloopFunction, projectRoot } from './function.ts';
import { acknowledge, nagRef } from './nag.ts';

/** The functions the state machine invokes, by the name their ARN has in the definition. */
export interface LoopFunctions {
  readonly triage: ProdloopFunction;
  readonly github: ProdloopFunction;
  readonly lineage: ProdloopFunction;
  readonly validate: ProdloopFunction;
  readonly escalate: ProdloopFunction;
}

export interface LineageLoopProps {
  readonly functions: LoopFunctions;
  /** Where the alarms on the state machine's own failures go. */
  readonly alarmTopic: ITopic;
  /**
   * The ASL definition; every `${Placeholder}` in it must be one of the functions' ARNs.
   * @default 'statemachines/lineage.asl.json' in the repository
   */
  readonly definitionFile?: string;
  /**
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * What happens to the execution log group when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** `TriageFunctionArn` for `triage`, `DeployWatchFunctionArn` for `deploy-watch`: the placeholder a function's ARN fills in a definition. */
export function placeholderFor(name: string): string {
  return `${name
    .split('-')
    .map((part) => `${part.charAt(0).toUpperCase()}${part.slice(1)}`)
    .join('')}FunctionArn`;
}

/** Every `${Name}` in an ASL document, sorted and unique. */
export function placeholdersIn(definition: string): string[] {
  return [...new Set([...definition.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1] as string))].sort();
}

export interface LoopStateMachineProps {
  /** The functions the definition names, by function name (`deploy-watch` fills `${DeployWatchFunctionArn}`). */
  readonly functions: Readonly<Record<string, ProdloopFunction>>;
  readonly alarmTopic: ITopic;
  readonly definitionFile: string;
  /** Suffix of the log group name and what the console and the alarms call it. */
  readonly name: string;
  readonly description: string;
  readonly logRetention?: RetentionDays;
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A STANDARD state machine from an ASL file whose `${XFunctionArn}` placeholders are exactly the given
 * functions, traced, logging without execution data, invoking only those functions, with alarms on
 * its failures, timeouts, aborts and throttles.
 */
export class LoopStateMachine extends Construct {
  readonly stateMachine: StateMachine;
  readonly logGroup: LogGroup;
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: LoopStateMachineProps) {
    super(scope, id);
    const definitionFile = props.definitionFile;
    const functions = Object.entries(props.functions);

    const substitutions = Object.fromEntries(functions.map(([name, fn]) => [placeholderFor(name), fn.function.functionArn]));
    checkPlaceholders(definitionFile, Object.keys(substitutions), `the ${props.name} state machine`);

    this.logGroup = new LogGroup(this, 'Logs', {
      // Step Functions writes through CloudWatch vended logs; names under this prefix keep the
      // log delivery's resource policy from growing with every state machine.
      logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}-${props.name}`,
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      comment: props.description,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromFile(definitionFile),
      definitionSubstitutions: substitutions,
      logs: { destination: this.logGroup, level: LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });

    allowInvoking(
      this.stateMachine,
      functions.map(([, fn]) => fn),
    );

    const topicAction = new SnsAction(props.alarmTopic);
    const alarmOn = (alarmId: string, metric: Metric, what: string): Alarm => {
      const alarm = new Alarm(this, alarmId, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: `prodloop: a ${props.name} execution ${what}. Look at the execution history; ${props.name === 'lineage' ? 'the lineage may need a human' : 'the deploy may need a human look'}.`,
      });
      alarm.addAlarmAction(topicAction);
      return alarm;
    };
    this.alarms = [
      alarmOn('ExecutionsFailed', this.stateMachine.metricFailed({ statistic: 'Sum' }), 'failed'),
      alarmOn('ExecutionsTimedOut', this.stateMachine.metricTimedOut({ statistic: 'Sum' }), 'timed out'),
      alarmOn('ExecutionsAborted', this.stateMachine.metricAborted({ statistic: 'Sum' }), 'was aborted'),
      alarmOn('ExecutionThrottled', this.stateMachine.metricThrottled({ statistic: 'Sum' }), 'was throttled'),
    ];
  }
}

export class LineageLoop extends LoopStateMachine {
  constructor(scope: Construct, id: string, props: LineageLoopProps) {
    // Same construct ids as before the deploy watch shared this builder: the logical ids, and with
    // them the deployed state machine and its running executions, stay.
    super(scope, id, {
      functions: { ...props.functions },
      alarmTopic: props.alarmTopic,
      definitionFile: props.definitionFile ?? join(projectRoot, 'statemachines', 'lineage.asl.json'),
      name: 'lineage',
      description: 'prodloop lineage loop',
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
      ...(props.removalPolicy ? { removalPolicy: props.removalPolicy } : {}),
    });
  }

  /**
   * Allows the function to start executions of the loop, in a policy of its own: the lineage function
   * hands each iteration to a fresh execution, and the definition names that function (a statement in
   * its default policy would make function and machine wait for each other).
   */
  grantStartExecution(fn: ProdloopFunction): void {
    fn.addPolicy('StartLoopExecution', [
      new PolicyStatement({ actions: ['states:StartExecution'], resources: [this.stateMachine.stateMachineArn] }),
    ]);
  }

  /**
   * Allows the function to send task responses (SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat)
   * for this state machine: what `grantTaskResponse` grants, in a policy of its own so that a function
   * the definition names does not end up waiting for a policy that refers to the state machine.
   */
  grantTaskResponse(fn: ProdloopFunction): void {
    fn.addPolicy('TaskResponse', [
      new PolicyStatement({
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
        resources: [this.stateMachine.stateMachineArn],
      }),
    ]);
  }
}

/**
 * The state machine's role may invoke exactly the functions its definition names, nothing else; with
 * the cdk-nag acknowledgements of what grantInvoke and logging/tracing generate.
 */
export function allowInvoking(stateMachine: StateMachine, functions: Iterable<ProdloopFunction>): void {
  const policy = stateMachine.role.node.findChild('DefaultPolicy');
  for (const fn of functions) {
    fn.function.grantInvoke(stateMachine);
    acknowledge(
      policy,
      `AwsSolutions-IAM5[Resource::${nagRef(fn.function.node.defaultChild as CfnFunction, 'Arn')}:*]`,
      'lambda:InvokeFunction on the function ARN plus ":*" (its versions and aliases), as grantInvoke generates; the function is one the definition names.',
    );
  }
  acknowledge(
    policy,
    'AwsSolutions-IAM5[Resource::*]',
    'Log delivery to CloudWatch Logs (logs:CreateLogDelivery and friends) and X-Ray tracing support no resource-level permissions; Step Functions documents Resource "*" for both.',
  );
}

/** Synth fails when the definition and the substitutions disagree: an unfilled placeholder deploys broken. */
export function checkPlaceholders(definitionFile: string, substituted: readonly string[], workflow: string): void {
  const placeholders = placeholdersIn(readFileSync(definitionFile, 'utf8'));
  const unfilled = placeholders.filter((p) => !substituted.includes(p));
  const unused = substituted.filter((s) => !placeholders.includes(s));
  if (unfilled.length > 0 || unused.length > 0) {
    throw new Error(
      `${definitionFile} and ${workflow} disagree:` +
        (unfilled.length > 0 ? ` placeholders without a substitution: ${unfilled.join(', ')};` : '') +
        (unused.length > 0 ? ` substitutions the definition never uses: ${unused.join(', ')};` : ''),
    );
  }
}
