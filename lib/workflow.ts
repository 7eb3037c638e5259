/**
 * A prodloop workflow: a Step Functions state machine from an ASL file in `statemachines/`, shared by
 * the lineage loop, the deploy watch and the friction workflow. The file is the whole definition: CDK
 * deploys it as an asset with its `${Placeholder}`s substituted, and the local runner executes the
 * same file.
 */
import { readFileSync } from 'node:fs';
import { Aws, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { ProdloopFunction } from './function.ts';
import { acknowledge, nagRef } from './nag.ts';
import { retryDrift } from './retry-policy.ts';

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

export interface WorkflowStateMachineProps {
  /** What the workflow is called in errors, in its log group's name and in the console: `lineage`, `deploy-watch`, `friction`. */
  readonly workflow: string;
  readonly definitionFile: string;
  /** The state machine's description. */
  readonly description: string;
  /** The functions the definition invokes, by function name: `deploy-watch` fills `${DeployWatchFunctionArn}`. */
  readonly functions: Readonly<Record<string, ProdloopFunction>>;
  /** The definition's other placeholders (a bucket name), by placeholder. */
  readonly values?: Readonly<Record<string, string>>;
  /**
   * The construct id of the execution log group, created next to the state machine.
   * @default `${id}Logs`
   */
  readonly logGroupId?: string;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /**
   * What happens to the execution log group when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A STANDARD state machine from an ASL file, traced and logging without execution data to a vended
 * log group of its own. Synth fails, naming the workflow, when a placeholder has no value or a value
 * no placeholder, or when a Task state's Retry is not the retry policy and its Comment does not say
 * why. Its role may invoke exactly the functions the definition names. A time limit on the whole
 * execution is the definition's own `TimeoutSeconds`: CDK's `timeout` reaches only definitions it
 * builds from chained states, not one from a file.
 */
export class WorkflowStateMachine extends StateMachine {
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: WorkflowStateMachineProps) {
    const { workflow, definitionFile } = props;
    const functions = Object.entries(props.functions);
    const substitutions = {
      ...Object.fromEntries(functions.map(([name, fn]) => [placeholderFor(name), fn.function.functionArn])),
      ...props.values,
    };
    checkPlaceholders(definitionFile, Object.keys(substitutions), `the ${workflow} workflow`);
    checkRetries(definitionFile, `the ${workflow} workflow`);

    // In the scope, next to the state machine, as before this construct existed: the logical ids stay.
    const logGroup = new LogGroup(scope, props.logGroupId ?? `${id}Logs`, {
      // Step Functions writes through CloudWatch vended logs; names under this prefix keep the
      // log delivery's resource policy from growing with every state machine. The group is kept when
      // the stack is destroyed, so its name ends in the stack's own id: a stack deployed again after
      // a destroy gets new groups instead of failing on the kept ones' names.
      logGroupName: Fn.join('', [`/aws/vendedlogs/states/${Stack.of(scope).stackName}-${workflow}-`, stackUuid(scope)]),
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    super(scope, id, {
      comment: props.description,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromFile(definitionFile),
      definitionSubstitutions: substitutions,
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });
    this.logGroup = logGroup;
    allowInvoking(
      this,
      functions.map(([, fn]) => fn),
    );
  }
}

/**
 * The state machine's role may invoke exactly the given functions (those its definition names),
 * nothing else; with the cdk-nag acknowledgements of what grantInvoke and logging/tracing generate.
 */
function allowInvoking(stateMachine: StateMachine, functions: Iterable<ProdloopFunction>): void {
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

/** Synth fails when a Task state drifted from the retry policy without saying why in its Comment. */
export function checkRetries(definitionFile: string, workflow: string): void {
  const drift = retryDrift(JSON.parse(readFileSync(definitionFile, 'utf8')));
  if (drift.length > 0)
    throw new Error(`${definitionFile} (${workflow}) breaks the retry policy of lib/retry-policy.ts: ${drift.join('; ')}`);
}

/** The UUID that ends the stack's id (`arn:aws:cloudformation:…:stack/<name>/<uuid>`): new for every stack created. */
function stackUuid(scope: Construct): string {
  return Fn.select(2, Fn.split('/', Stack.of(scope).stackId ?? Aws.STACK_ID));
}
