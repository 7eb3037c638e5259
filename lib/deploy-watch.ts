/**
 * The deploy watch: the Step Functions state machine defined in `statemachines/deploy-watch.asl.json`.
 * record-deploy starts one execution per successful deploy that touches watched code paths; it looks
 * at the signals the deploy may have hurt a few times, and on a significant worsening pulls the andon
 * cord (deploy-watch), proposes a revert (github) and pages (escalate).
 */
import { join } from 'node:path';
import type { RemovalPolicy } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { type ProdloopFunction, projectRoot } from './function.ts';
import { LoopStateMachine } from './lineage-loop.ts';

export interface DeployWatchFunctions {
  readonly 'deploy-watch': ProdloopFunction;
  readonly github: ProdloopFunction;
  readonly escalate: ProdloopFunction;
}

export interface DeployWatchProps {
  readonly functions: DeployWatchFunctions;
  /** Where the alarms on the state machine's own failures go. */
  readonly alarmTopic: ITopic;
  /**
   * @default 'statemachines/deploy-watch.asl.json' in the repository
   */
  readonly definitionFile?: string;
  readonly logRetention?: RetentionDays;
  readonly removalPolicy?: RemovalPolicy;
}

export class DeployWatch extends LoopStateMachine {
  constructor(scope: Construct, id: string, props: DeployWatchProps) {
    super(scope, id, {
      functions: { ...props.functions },
      alarmTopic: props.alarmTopic,
      definitionFile: props.definitionFile ?? join(projectRoot, 'statemachines', 'deploy-watch.asl.json'),
      name: 'deploy-watch',
      description: 'prodloop deploy watch',
      ...(props.logRetention ? { logRetention: props.logRetention } : {}),
      ...(props.removalPolicy ? { removalPolicy: props.removalPolicy } : {}),
    });
  }
}
