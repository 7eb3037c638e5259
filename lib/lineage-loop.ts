/**
 * The lineage loop: the Step Functions state machine defined in `statemachines/lineage.asl.json`
 * (triage, issue, wait for the fix deploy, validate, close, iterate in a fresh execution, escalate and
 * wait for a human, andon cord), the functions it may invoke, its logs and the alarms on its own
 * failures. `LoopStateMachine` is the shape the lineage loop and the deploy watch share: a
 * `WorkflowStateMachine` (`lib/workflow.ts`, which the friction workflow uses too) with alarms on its
 * executions.
 */
import { join } from 'node:path';
import type { RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { type ProdloopFunction, projectRoot } from './function.ts';
import { WorkflowStateMachine } from './workflow.ts';

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
 * A workflow state machine (`WorkflowStateMachine`: from the ASL file, placeholders and retries
 * checked, invoking only the given functions) with alarms on its failures, timeouts, aborts and
 * throttles.
 */
export class LoopStateMachine extends Construct {
  readonly stateMachine: WorkflowStateMachine;
  readonly logGroup: LogGroup;
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: LoopStateMachineProps) {
    super(scope, id);
    // The construct ids of before the workflow construct ('StateMachine', and 'Logs' beside it): the
    // logical ids, and with them the deployed state machine and its running executions, stay.
    this.stateMachine = new WorkflowStateMachine(this, 'StateMachine', {
      workflow: props.name,
      definitionFile: props.definitionFile,
      description: props.description,
      functions: props.functions,
      logGroupId: 'Logs',
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
      ...(props.removalPolicy ? { removalPolicy: props.removalPolicy } : {}),
    });
    this.logGroup = this.stateMachine.logGroup;

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
