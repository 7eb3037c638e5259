/**
 * The one way prodloop builds a Lambda function: Node 22 on ARM64, ESM bundle with source maps, an
 * explicit log group, X-Ray, Powertools settings, the validated configuration, and typed bindings that
 * set an environment variable and grant exactly what it names.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CfnElement, Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { type IGrantable, type IPrincipal, Policy, type PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ENV, LAMBDA_SETTINGS } from '#adapters/env';
import type { ProdloopConfig } from '#domain/config/config';
import { serializeConfig } from './config.ts';
import { acknowledge, nagRef } from './nag.ts';

/** The repository root: entries, the lock file and tsconfig are found from here, whatever the working directory. */
export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Names of the functions, one folder each under `lambdas/`. */
export type FunctionName =
  | 'ingest-alarm'
  | 'record-deploy'
  | 'record-cost'
  | 'triage'
  | 'github'
  | 'lineage'
  | 'validate'
  | 'escalate'
  | 'deploy-watch';

/** Environment variables the handlers read, named in lambdas/adapters/env.ts; bindings set them, nothing else does. */
export { ENV };

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface ProdloopFunctionProps {
  /** The handler folder: the entry is `lambdas/<name>/handler.ts`, export `handler`. */
  readonly name: FunctionName;
  /** The validated configuration, handed over as PRODLOOP_CONFIG. */
  readonly config: ProdloopConfig;
  /** What the function does, shown in the console. */
  readonly description: string;
  /**
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
  /**
   * Powertools log level (POWERTOOLS_LOG_LEVEL).
   * @default 'INFO'
   */
  readonly logLevel?: LogLevel;
  /**
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * What happens to the log group when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

export interface Acknowledgement {
  /** The cdk-nag finding, e.g. `AwsSolutions-IAM5[Resource::*]`. */
  readonly id: string;
  readonly reason: string;
}

export interface TableBinding {
  /** RO grants reads only; RW reads and writes. */
  readonly accessMode: 'RO' | 'RW';
}

export class ProdloopFunction extends Construct implements IGrantable {
  /** Node 22 on ARM64, the runtime every prodloop function uses. */
  static readonly runtime = Runtime.NODEJS_22_X;

  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  readonly grantPrincipal: IPrincipal;

  constructor(scope: Construct, id: string, props: ProdloopFunctionProps) {
    super(scope, id);

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    // An own role instead of the AWSLambdaBasicExecutionRole managed policy: it may write to this
    // function's log group and nowhere else.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `prodloop ${props.name} function`,
    });
    this.logGroup.grantWrite(this.role);
    this.grantPrincipal = this.role;

    this.function = new NodejsFunction(this, 'Function', {
      description: props.description,
      entry: join(projectRoot, 'lambdas', props.name, 'handler.ts'),
      handler: 'handler',
      projectRoot,
      depsLockFilePath: join(projectRoot, 'package-lock.json'),
      runtime: ProdloopFunction.runtime,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      role: this.role,
      logGroup: this.logGroup,
      tracing: Tracing.ACTIVE,
      environment: {
        [LAMBDA_SETTINGS.serviceName]: 'prodloop',
        [LAMBDA_SETTINGS.logLevel]: props.logLevel ?? 'INFO',
        [LAMBDA_SETTINGS.nodeOptions]: '--enable-source-maps',
        [ENV.config]: serializeConfig(props.config),
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        // Bundled CommonJS dependencies call require(); ESM has none, so give them one.
        banner: "const require = (await import('node:module')).createRequire(import.meta.url);",
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: false,
        forceDockerBundling: false,
      },
    });

    // Tracing put the X-Ray statement in the role's default policy; nothing else there may use "*"
    // (wildcards other grants need go into their own policies, see addPolicy).
    acknowledge(
      this.role.node.findChild('DefaultPolicy'),
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions; active tracing needs Resource "*".',
    );
    acknowledge(
      this.function.node.defaultChild as CfnElement,
      'AwsSolutions-L1',
      'prodloop targets Node.js 22 on purpose: the bundle targets node22 and the project is developed and tested on Node 22 (engines >=22); moving runtimes is a deliberate upgrade.',
    );
  }

  /** Sets TABLE_NAME and grants reads (RO) or reads and writes (RW) on the table and its indexes. */
  bindTable(table: ITable, binding: TableBinding): this {
    this.function.addEnvironment(ENV.tableName, table.tableName);
    if (binding.accessMode === 'RO') table.grantReadData(this.function);
    else table.grantReadWriteData(this.function);
    const cfnTable = table.node.defaultChild;
    if (cfnTable instanceof CfnElement) {
      acknowledge(
        this.role.node.findChild('DefaultPolicy'),
        `AwsSolutions-IAM5[Resource::${nagRef(cfnTable, 'Arn')}/index/*]`,
        'The table grant also covers the table\'s own secondary indexes (table ARN + "/index/*"), which the queries by index need; no other table.',
      );
    }
    return this;
  }

  /** Sets STATE_MACHINE_ARN (or the variable given) and allows starting executions of it. */
  bindStateMachineStart(
    stateMachine: IStateMachine,
    variable: (typeof ENV)['stateMachineArn' | 'deployWatchStateMachineArn'] = ENV.stateMachineArn,
  ): this {
    this.function.addEnvironment(variable, stateMachine.stateMachineArn);
    stateMachine.grantStartExecution(this.function);
    return this;
  }

  /** Sets EVENT_BUS_NAME and allows putting events on the bus. */
  bindEventBus(bus: IEventBus): this {
    this.function.addEnvironment(ENV.eventBusName, bus.eventBusName);
    bus.grantPutEventsTo(this.function);
    return this;
  }

  /** Sets TOPIC_ARN and allows publishing to the topic (and using its key). */
  bindTopic(topic: ITopic): this {
    this.function.addEnvironment(ENV.topicArn, topic.topicArn);
    topic.grantPublish(this.function);
    if (topic.masterKey) {
      acknowledge(
        this.role.node.findChild('DefaultPolicy'),
        'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        'Publishing to a KMS-encrypted topic needs kms:GenerateDataKey* on the topic key, and only that key (the grant CDK generates).',
      );
    }
    return this;
  }

  /**
   * Attaches statements to the role in a policy of their own, with the acknowledgements for the
   * wildcards they need. A separate policy is also what a statement referring to the state machine
   * needs: the function waits for its role's default policy, so a reference from there to a state
   * machine whose definition names this function would be a dependency cycle.
   */
  addPolicy(id: string, statements: PolicyStatement[], acknowledgements: readonly Acknowledgement[] = []): Policy {
    const policy = new Policy(this, id, { statements, roles: [this.role] });
    for (const a of acknowledgements) acknowledge(policy, a.id, a.reason);
    return policy;
  }

  /** Sets PARKING_QUEUE_URL and allows sending to the queue, where rejected events wait for a human. */
  bindParkingQueue(queue: IQueue): this {
    this.function.addEnvironment(ENV.parkingQueueUrl, queue.queueUrl);
    queue.grantSendMessages(this.function);
    return this;
  }

  /** Sets an environment variable that no binding covers. */
  addEnvironment(name: string, value: string): this {
    this.function.addEnvironment(name, value);
    return this;
  }
}
