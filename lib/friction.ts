/**
 * Friction signals: coding-agent transcripts in an encrypted, expiring bucket; a daily schedule starts
 * the friction workflow (`statemachines/friction.asl.json`: a Distributed Map over the previous day's
 * transcripts, the optional model judge, the report); one alarm per friction kind on its daily rate,
 * named with a watched prefix so a crossing opens a lineage like any other signal.
 *
 * It stays one file over 400 lines: it is one construct, whose bucket, functions, workflow, schedule
 * and alarms are wired to each other (grants, environment, names) in its one constructor.
 */
import { join } from 'node:path';
import { Annotations, ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { CfnStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { FRICTION_ENV } from '#adapters/env';
import type { ProdloopConfig } from '#domain/config/config';
import { FRICTION_KINDS, type FrictionConfig, type FrictionKind, frictionSettings, thresholdFor } from '#friction/domain/config';
import { FRICTION_NAMESPACE, KIND_DIMENSION, RATE_METRIC, RATE_STATISTIC } from '#friction/domain/metrics';
import { frictionAlarmName, SUMMARIES } from '#friction/domain/run';
import { DeadLetterQueue } from './dead-letter-queue.ts';
import { type FunctionName, type LogLevel, ProdloopFunction, projectRoot } from './function.ts';
import type { GithubAccess } from './github-access.ts';
import { acknowledge, nagRef } from './nag.ts';
import { WorkflowStateMachine } from './workflow.ts';

/** The friction workflow's functions, one folder each under `lambdas/`. */
export type FrictionFunctionName = 'friction-plan' | 'friction-analyze' | 'friction-judge' | 'friction-report';

/** Derived objects (summaries, digests) are small and hold no user text: kept long enough for trends. */
const DERIVED_RETENTION_DAYS = 400;

export interface FrictionSignalsProps {
  /** The validated configuration; its `friction` key holds the settings. */
  readonly config: ProdloopConfig;
  /** The lineage table: the report reads friction lineages and, in shadow mode, records issues there. */
  readonly table: ITable;
  /** The GitHub token, for discovery observations and evidence comments outside shadow mode. */
  readonly githubAccess: GithubAccess;
  /** Where the alarms on the workflow's own failures go. */
  readonly alarmTopic: ITopic;
  /**
   * What happens to the buckets, keys and log groups when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Powertools log level of the functions.
   * @default 'INFO'
   */
  readonly logLevel?: LogLevel;
  /**
   * The ASL definition.
   * @default 'statemachines/friction.asl.json' in the repository
   */
  readonly definitionFile?: string;
}

export class FrictionSignals extends Construct {
  /** Whether the configuration asks for the friction pipeline: the key is present and not disabled. */
  static enabledIn(config: ProdloopConfig): boolean {
    return config.friction !== undefined && frictionSettings(config.friction).enabled;
  }

  readonly settings: FrictionConfig;
  /** Transcripts land here, under `<transcriptPrefix><YYYY-MM-DD>/`. */
  readonly bucket: Bucket;
  readonly accessLogs: Bucket;
  readonly functions: Readonly<Record<FrictionFunctionName, ProdloopFunction>>;
  readonly stateMachine: WorkflowStateMachine;
  readonly schedule: Rule;
  /** Daily runs EventBridge could not start. */
  readonly scheduleDeadLetters: IQueue;
  /** One alarm per friction kind, on its daily rate. */
  readonly rateAlarms: Readonly<Record<FrictionKind, Alarm>>;
  readonly alarms: readonly Alarm[];
  /** The role Bedrock assumes for the judge's batch jobs, when the judge is on. */
  readonly judgeBatchRole?: Role;

  constructor(scope: Construct, id: string, props: FrictionSignalsProps) {
    super(scope, id);
    const { config } = props;
    const settings = frictionSettings(config.friction);
    this.settings = settings;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const stack = Stack.of(this);

    this.accessLogs = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(Math.max(90, settings.retentionDays)) }],
      removalPolicy,
    });

    this.bucket = new Bucket(this, 'Transcripts', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'transcripts-bucket/',
      lifecycleRules: [
        { id: 'expire-transcripts', prefix: settings.transcriptPrefix, expiration: Duration.days(settings.retentionDays) },
        { id: 'expire-runs', prefix: 'runs/', expiration: Duration.days(settings.retentionDays) },
        { id: 'expire-summaries', prefix: SUMMARIES, expiration: Duration.days(DERIVED_RETENTION_DAYS) },
        { id: 'expire-digests', prefix: 'digests/', expiration: Duration.days(DERIVED_RETENTION_DAYS) },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy,
    });

    const fn = (fid: string, name: FrictionFunctionName, description: string, extra: { timeout?: Duration; memorySize?: number } = {}) =>
      new ProdloopFunction(this, fid, {
        // FunctionName lists the lineage loop's handlers; the friction handlers follow the same
        // one-folder-per-function layout under lambdas/.
        name: name as unknown as FunctionName,
        config,
        description,
        removalPolicy,
        ...(props.logLevel ? { logLevel: props.logLevel } : {}),
        ...extra,
      }).addEnvironment(FRICTION_ENV.bucket, this.bucket.bucketName);
    this.functions = {
      'friction-plan': fn('Plan', 'friction-plan', 'prodloop friction: which day a run analyses, and where'),
      'friction-analyze': fn('Analyze', 'friction-analyze', 'prodloop friction: analyses one batch of transcripts', {
        timeout: Duration.minutes(5),
        memorySize: 1024,
      }),
      'friction-judge': fn('Judge', 'friction-judge', 'prodloop friction: the optional model judge (Amazon Bedrock)', {
        timeout: Duration.minutes(15),
        memorySize: 1024,
      }),
      'friction-report': fn('Report', 'friction-report', 'prodloop friction: metrics, digest, discovery, evidence on friction issues', {
        timeout: Duration.minutes(5),
        memorySize: 1024,
      }),
    };
    const { 'friction-analyze': analyze, 'friction-judge': judge, 'friction-report': report } = this.functions;

    const runs = 'runs/*';
    this.bucket.grantRead(analyze, `${settings.transcriptPrefix}*`);
    this.bucket.grantPut(analyze, runs);
    this.bucket.grantRead(judge, runs);
    this.bucket.grantPut(judge, runs);
    this.bucket.grantRead(report, runs);
    this.bucket.grantRead(report, `${SUMMARIES}*`);
    this.bucket.grantPut(report, `${SUMMARIES}*`);
    this.bucket.grantPut(report, 'digests/*');
    report.bindTable(props.table, { accessMode: 'RW' });
    props.githubAccess.grantRead(report);
    for (const f of [analyze, judge, report]) {
      acknowledge(
        f.role.node.findChild('DefaultPolicy'),
        'AwsSolutions-IAM5[Action::s3:GetObject*]',
        'The grants CDK generates for reading objects (GetObject, GetObjectVersion and their tagging/ACL reads), on the prefixes this function owns only.',
      );
      acknowledge(
        f.role.node.findChild('DefaultPolicy'),
        'AwsSolutions-IAM5[Action::s3:GetBucket*]',
        'GetBucketLocation and the other bucket reads the S3 read grant includes, on the transcript bucket only.',
      );
      acknowledge(
        f.role.node.findChild('DefaultPolicy'),
        'AwsSolutions-IAM5[Action::s3:List*]',
        'Listing the transcript bucket (ListBucket and multipart listings): batches list run prefixes, the report lists summaries.',
      );
    }
    const bucketArn = nagRef(this.bucket.node.defaultChild as CfnBucket, 'Arn');
    const objectAck = (f: ProdloopFunction, pattern: string, why: string) =>
      acknowledge(f.role.node.findChild('DefaultPolicy'), `AwsSolutions-IAM5[Resource::${bucketArn}/${pattern}]`, why);
    objectAck(
      analyze,
      `${settings.transcriptPrefix}*`,
      'Reads the transcripts of the day it analyses: objects under the transcript prefix, whose names are known only at run time.',
    );
    objectAck(
      analyze,
      runs,
      "Writes its batch's partial and judge records under the run's prefix, whose object names come from the run and the batch.",
    );
    objectAck(judge, runs, "Reads and writes the run's judge records, job input and output under the run's prefix.");
    objectAck(report, runs, "Reads the run's partials and the judge's partial under the run's prefix.");
    objectAck(report, `${SUMMARIES}*`, 'Reads the last 30 days of summaries for the chart and writes the day’s summary.');
    objectAck(report, 'digests/*', 'Writes the day’s digest and its chart under the digests prefix, one pair of objects per day.');
    for (const f of [analyze, judge, report]) {
      acknowledge(
        f.role.node.findChild('DefaultPolicy'),
        'AwsSolutions-IAM5[Action::s3:Abort*]',
        'The S3 write grant includes AbortMultipartUpload, so an interrupted upload can be cleaned up; on the prefixes this function writes only.',
      );
    }

    if (settings.judge.enabled) this.judgeBatchRole = this.allowJudge(judge, settings, runs);

    // The workflow.
    this.stateMachine = new WorkflowStateMachine(this, 'Workflow', {
      workflow: 'friction',
      definitionFile: props.definitionFile ?? join(projectRoot, 'statemachines', 'friction.asl.json'),
      description: 'prodloop friction signals, daily',
      functions: this.functions,
      values: { TranscriptBucketName: this.bucket.bucketName },
      removalPolicy,
    });
    // The Distributed Map: its reader lists the bucket, its writer writes the result manifest, and it
    // runs child executions of this state machine. In a policy of its own: the state machine's ARN in
    // its default policy would be a dependency cycle.
    const executions = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${this.stateMachine.stateMachineName}/*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const mapPolicy = new PolicyStatement({ actions: ['states:StartExecution'], resources: [this.stateMachine.stateMachineArn] });
    const childPolicy = new PolicyStatement({ actions: ['states:DescribeExecution', 'states:StopExecution'], resources: [executions] });
    const listPolicy = new PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] });
    const resultPolicy = new PolicyStatement({
      actions: ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
      resources: [this.bucket.arnForObjects(runs)],
    });
    const distributed = new Policy(this, 'DistributedMapPolicy', {
      statements: [mapPolicy, childPolicy, listPolicy, resultPolicy],
      roles: [this.stateMachine.role],
    });
    acknowledge(
      distributed,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${nagRef(this.stateMachine.node.defaultChild as CfnStateMachine, 'Name')}/*]`,
      "The Distributed Map's child executions are named by Step Functions at run time; the wildcard covers this state machine's executions only.",
    );
    acknowledge(
      distributed,
      `AwsSolutions-IAM5[Resource::${bucketArn}/${runs}]`,
      "The Distributed Map's result writer puts its manifest under the run's prefix.",
    );

    // The schedule: every day at the configured hour, the previous day.
    const scheduleDeadLetters = new DeadLetterQueue(this, 'ScheduleDeadLetters', {
      holds: 'daily friction runs EventBridge could not start',
    }).queue;
    this.scheduleDeadLetters = scheduleDeadLetters;
    this.schedule = new Rule(this, 'Daily', {
      description: 'prodloop friction: analyse the previous day of coding-agent transcripts',
      schedule: Schedule.cron({ minute: '0', hour: String(settings.scheduleHourUtc) }),
      targets: [
        new SfnStateMachine(this.stateMachine, {
          input: RuleTargetInput.fromObject({}),
          deadLetterQueue: scheduleDeadLetters,
          retryAttempts: 8,
        }),
      ],
    });

    // One alarm per kind: a rate above its threshold becomes a lineage through the watched prefix.
    const prefixes = config.watchedAlarms.namePrefixes;
    const rateAlarms = {} as Record<FrictionKind, Alarm>;
    for (const kind of FRICTION_KINDS) {
      const alarmName = frictionAlarmName(settings, prefixes, kind);
      const threshold = thresholdFor(settings, kind);
      rateAlarms[kind] = new Alarm(this, `Rate-${kind}`, {
        alarmName,
        alarmDescription: `prodloop friction: the share of coding-agent sessions with ${kind.replace(/-/g, ' ')} moments exceeded ${Math.round(threshold * 1000) / 10}% in a day. Evidence (severity, frequency, abstracted examples) is commented on the lineage's issue and in the daily digest.`,
        metric: new Metric({
          namespace: FRICTION_NAMESPACE,
          metricName: RATE_METRIC,
          dimensionsMap: { [KIND_DIMENSION]: kind },
          statistic: RATE_STATISTIC,
          period: Duration.days(1),
        }),
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }
    this.rateAlarms = rateAlarms;
    if (!prefixes.some((p) => frictionAlarmName(settings, prefixes, 'backtracking').startsWith(p))) {
      Annotations.of(this).addWarning(
        `friction alarms are named ${frictionAlarmName(settings, prefixes, 'backtracking').replace(/backtracking$/, '<kind>')}, which no watched alarm name prefix matches: friction will not open lineages (see docs/friction.md)`,
      );
    }

    const topicAction = new SnsAction(props.alarmTopic);
    const failureAlarm = (alarmId: string, metric: Metric, what: string) => {
      const alarm = new Alarm(this, alarmId, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: `prodloop friction: the daily run ${what}. Look at the execution history; the day can be rerun with {"day": "YYYY-MM-DD"}.`,
      });
      alarm.addAlarmAction(topicAction);
      return alarm;
    };
    this.alarms = [
      ...Object.values(rateAlarms),
      failureAlarm('RunsFailed', this.stateMachine.metricFailed({ statistic: 'Sum' }), 'failed'),
      failureAlarm('RunsTimedOut', this.stateMachine.metricTimedOut({ statistic: 'Sum' }), 'timed out'),
    ];

    new CfnOutput(this, 'BucketName', {
      key: 'FrictionBucketName',
      value: this.bucket.bucketName,
      description: `Coding-agent transcripts go here, under ${settings.transcriptPrefix}YYYY-MM-DD/`,
    });
    new CfnOutput(this, 'WorkflowArn', {
      key: 'FrictionWorkflowArn',
      value: this.stateMachine.stateMachineArn,
      description: 'The daily friction run',
    });
  }

  /** The judge may call the model, run batch jobs, and hand Bedrock a role that reads and writes the run's prefix. */
  private allowJudge(judge: ProdloopFunction, settings: FrictionConfig, runs: string): Role {
    const stack = Stack.of(this);
    const modelId = settings.judge.modelId;
    const profile = /^(us|eu|apac|us-gov|global|jp|au|ca)\./.test(modelId);
    const models = profile
      ? [
          stack.formatArn({ service: 'bedrock', resource: 'inference-profile', resourceName: modelId }),
          stack.formatArn({
            service: 'bedrock',
            region: '*',
            account: '',
            resource: 'foundation-model',
            resourceName: modelId.replace(/^[a-z-]+\./, ''),
          }),
        ]
      : [stack.formatArn({ service: 'bedrock', account: '', resource: 'foundation-model', resourceName: modelId })];
    const jobs = stack.formatArn({ service: 'bedrock', resource: 'model-invocation-job', resourceName: '*' });

    const role = new Role(this, 'JudgeBatchRole', {
      description: 'prodloop friction: Bedrock batch inference reads the judge records and writes the answers',
      assumedBy: new ServicePrincipal('bedrock.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account }, ArnLike: { 'aws:SourceArn': jobs } },
      }),
    });
    this.bucket.grantRead(role, runs);
    this.bucket.grantPut(role, runs);
    role.addToPolicy(new PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: models }));
    const rolePolicy = role.node.findChild('DefaultPolicy');
    const bucketArn = nagRef(this.bucket.node.defaultChild as CfnBucket, 'Arn');
    for (const [id, reason] of [
      [
        'AwsSolutions-IAM5[Action::s3:GetObject*]',
        'Bedrock reads the job input (the judge records) under the run prefix, through the read grant CDK generates.',
      ],
      [
        'AwsSolutions-IAM5[Action::s3:GetBucket*]',
        'Bucket reads of the S3 read grant, on the transcript bucket only, which batch inference uses to locate its input.',
      ],
      ['AwsSolutions-IAM5[Action::s3:List*]', 'Batch inference lists the job input and output locations under the run prefix.'],
      [
        'AwsSolutions-IAM5[Action::s3:Abort*]',
        'Part of the S3 write grant: an interrupted upload of the job output can be cleaned up, under the run prefix only.',
      ],
      [
        `AwsSolutions-IAM5[Resource::${bucketArn}/${runs}]`,
        "Job input and output objects are named by the run and by Bedrock at run time, under the run's prefix only.",
      ],
    ] as const)
      acknowledge(rolePolicy, id, reason);
    if (profile)
      acknowledge(
        rolePolicy,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/${modelId.replace(/^[a-z-]+\./, '')}]`,
        'A cross-region inference profile routes to the model in any of its regions; the model itself is fixed.',
      );

    judge.addEnvironment(FRICTION_ENV.judgeRoleArn, role.roleArn);
    judge.addPolicy(
      'Bedrock',
      [
        new PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: models }),
        new PolicyStatement({
          actions: ['bedrock:CreateModelInvocationJob', 'bedrock:GetModelInvocationJob'],
          resources: [jobs, ...models],
        }),
        new PolicyStatement({
          actions: ['iam:PassRole'],
          resources: [role.roleArn],
          conditions: { StringEquals: { 'iam:PassedToService': 'bedrock.amazonaws.com' } },
        }),
      ],
      [
        {
          id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:<AWS::Region>:<AWS::AccountId>:model-invocation-job/*]',
          reason:
            'Batch inference job ARNs are generated by Bedrock when the job starts; the judge starts and reads its own jobs in this account and region.',
        },
        ...(profile
          ? [
              {
                id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/${modelId.replace(/^[a-z-]+\./, '')}]`,
                reason: 'A cross-region inference profile routes to the model in any of its regions; the model itself is fixed.',
              },
            ]
          : []),
      ],
    );
    return role;
  }
}
