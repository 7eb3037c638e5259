/**
 * The synthesized stack: the lineage table, the functions and their grants, signal ingestion, the
 * topics, the lineage loop, the deploy watch, the template as a whole, and configuration checked at
 * synth time. It stays one file over 400 lines: every case but the configuration checks reads the one
 * stack synthesized at the top, and a synth (esbuild bundles of every function, cdk-nag) takes seconds
 * that another file would pay again.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { describe, test } from 'vitest';
import { tableSchema } from '#adapters/dynamodb/table-schema';
import { parseConfig } from '#domain/config/config';
import { ConfigError } from '#domain/shared/errors';
import { configFromContext, MAX_CONFIG_BYTES, validateConfig } from '../lib/config.ts';
import { ENV, type FunctionName, projectRoot } from '../lib/function.ts';
import { ProdloopStack } from '../lib/prodloop-stack.ts';
import { alarmPattern } from '../lib/signal-ingest.ts';
import { placeholdersIn } from '../lib/workflow.ts';
import { type Cfn, cdkJsonContext, synthStack } from './support/synth.ts';

const { stack, template } = synthStack();
const exampleConfig = cdkJsonContext.prodloop as Record<string, unknown>;

type Resource = { Type: string; Properties: Record<string, Cfn>; DependsOn?: string | string[]; DeletionPolicy?: string };
const resources = (type: string) => template.findResources(type) as Record<string, Resource>;
/** A name CloudFormation joins, as text: the UUID that ends the stack's id shows as `<stack uuid>`. */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join) return join[1].map(flatten).join(join[0]);
  const select = (value as { 'Fn::Select'?: [number, { 'Fn::Split'?: [string, { Ref?: string }] }] })['Fn::Select'];
  if (select?.[0] === 2 && select[1]['Fn::Split']?.[0] === '/' && select[1]['Fn::Split'][1].Ref === 'AWS::StackId') return '<stack uuid>';
  return JSON.stringify(value);
}
const logGroupName = (id: string) => flatten(resources('AWS::Logs::LogGroup')[id]?.Properties.LogGroupName);
const logicalId = (construct: IConstruct) => stack.resolve((construct.node.defaultChild as CfnElement).logicalId) as string;
const functionId = (name: FunctionName) => logicalId(stack.functions[name].function);
const fnArn = (name: FunctionName) => ({ 'Fn::GetAtt': [functionId(name), 'Arn'] });
const functionResource = (name: FunctionName) => resources('AWS::Lambda::Function')[functionId(name)] as Resource;
const envOf = (name: FunctionName) => functionResource(name).Properties.Environment.Variables as Record<string, unknown>;
const roleOf = (name: FunctionName) => logicalId(stack.functions[name].role);
const asArray = <T>(x: T | T[]) => (Array.isArray(x) ? x : [x]);
/** Policies attached to a role, by the role's logical id. */
const policiesOf = (roleId: string) =>
  Object.values(resources('AWS::IAM::Policy')).filter((p) => asArray(p.Properties.Roles).some((r: Cfn) => r.Ref === roleId));
const statementsOf = (roleId: string) => policiesOf(roleId).flatMap((p) => asArray(p.Properties.PolicyDocument.Statement));
const actionsOf = (roleId: string) => new Set(statementsOf(roleId).flatMap((s) => asArray(s.Action as string | string[])));

const names: FunctionName[] = [
  'ingest-alarm',
  'record-deploy',
  'record-cost',
  'triage',
  'github',
  'lineage',
  'validate',
  'escalate',
  'deploy-watch',
];
const loopFunctions: FunctionName[] = ['triage', 'github', 'lineage', 'validate', 'escalate'];
const watchFunctions: FunctionName[] = ['deploy-watch', 'github', 'escalate'];
/** Functions that steer running loops: resume a wait, or fail it to halt the loop. */
const steering: FunctionName[] = ['lineage', 'record-deploy', 'record-cost', 'deploy-watch'];

describe('the lineage table', () => {
  test('the table is on-demand with PITR, TTL on expiresAt and the byKind index', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: tableSchema.partitionKey, KeyType: 'HASH' },
        { AttributeName: tableSchema.sortKey, KeyType: 'RANGE' },
      ],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: tableSchema.ttlAttribute, Enabled: true },
      SSESpecification: { SSEEnabled: true },
      GlobalSecondaryIndexes: [
        {
          IndexName: tableSchema.byKindIndex.name,
          KeySchema: [
            { AttributeName: tableSchema.byKindIndex.partitionKey, KeyType: 'HASH' },
            { AttributeName: tableSchema.byKindIndex.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    });
    assert.equal(tableSchema.ttlAttribute, 'expiresAt');
  });

  test('the table is retained when it leaves the stack, and protected from deletion', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
  });
});

describe('functions', () => {
  test('there is one function per handler folder, nine in all', () => {
    assert.equal(Object.keys(resources('AWS::Lambda::Function')).length, names.length);
  });

  test('every Lambda is Node 22 on ARM64 with an explicit log group, tracing and source maps', () => {
    const logGroups = resources('AWS::Logs::LogGroup');
    for (const name of names) {
      const p = functionResource(name).Properties;
      assert.equal(p.Runtime, 'nodejs22.x', name);
      assert.deepEqual(p.Architectures, ['arm64'], name);
      assert.equal(p.Handler, 'index.handler', name);
      assert.deepEqual(p.TracingConfig, { Mode: 'Active' }, name);
      assert.equal(p.MemorySize, 512, name);
      const logGroup = logGroups[p.LoggingConfig?.LogGroup?.Ref];
      assert.ok(logGroup, `${name} logs to a log group of the stack`);
      assert.equal(logGroup.Properties.RetentionInDays, 30, name);
      const env = envOf(name);
      assert.equal(env.NODE_OPTIONS, '--enable-source-maps', name);
      assert.equal(env.POWERTOOLS_SERVICE_NAME, 'prodloop', name);
      assert.equal(env.POWERTOOLS_LOG_LEVEL, 'INFO', name);
    }
  });

  test('functions use their own roles, not the AWSLambdaBasicExecutionRole managed policy', () => {
    for (const role of Object.values(resources('AWS::IAM::Role'))) assert.equal(role.Properties.ManagedPolicyArns, undefined);
    for (const name of names) {
      assert.deepEqual(functionResource(name).Properties.Role, { 'Fn::GetAtt': [roleOf(name), 'Arn'] });
      const logWrite = statementsOf(roleOf(name)).find((s) => asArray(s.Action).includes('logs:PutLogEvents'));
      assert.deepEqual(logWrite?.Resource, { 'Fn::GetAtt': [functionResource(name).Properties.LoggingConfig.LogGroup.Ref, 'Arn'] }, name);
    }
  });

  test('every function gets the validated configuration, defaults filled in', () => {
    const expected = parseConfig(exampleConfig);
    for (const name of names) assert.deepEqual(JSON.parse(envOf(name)[ENV.config] as string), expected, name);
  });

  test('shadow mode is on by default', () => {
    for (const name of names) assert.equal(JSON.parse(envOf(name)[ENV.config] as string).shadowMode, true, name);
    const { shadowMode: _, ...withoutShadowMode } = exampleConfig;
    assert.equal(validateConfig(withoutShadowMode).shadowMode, true);
  });

  test('every environment variable a handler requires is set on its function', () => {
    for (const name of names) {
      const source = readFileSync(join(projectRoot, 'lambdas', name, 'handler.ts'), 'utf8');
      const required = [...source.matchAll(/requireEnv\(env\.([A-Z_]+)/g)].map((m) => m[1] as string);
      for (const variable of [ENV.tableName, ENV.config, ...required]) assert.ok(variable in envOf(name), `${name} needs ${variable}`);
    }
  });

  test('each function gets exactly the bindings of its concern', () => {
    const bound = (name: FunctionName) =>
      Object.values(ENV)
        .filter((v) => v !== ENV.config && v in envOf(name))
        .sort();
    assert.deepEqual(bound('ingest-alarm'), ['EVENT_BUS_NAME', 'PARKING_QUEUE_URL', 'STATE_MACHINE_ARN', 'TABLE_NAME']);
    assert.deepEqual(bound('record-deploy'), [
      'DEPLOY_WATCH_STATE_MACHINE_ARN',
      'GITHUB_TOKEN_SECRET_ID',
      'PARKING_QUEUE_URL',
      'TABLE_NAME',
    ]);
    assert.deepEqual(bound('record-cost'), ['PARKING_QUEUE_URL', 'TABLE_NAME']);
    assert.deepEqual(bound('deploy-watch'), ['EVENT_BUS_NAME', 'TABLE_NAME']);
    assert.deepEqual(bound('triage'), ['TABLE_NAME']);
    assert.deepEqual(bound('github'), ['EVENT_BUS_NAME', 'GITHUB_TOKEN_SECRET_ID', 'TABLE_NAME']);
    assert.deepEqual(bound('lineage'), ['EVENT_BUS_NAME', 'TABLE_NAME']);
    assert.deepEqual(bound('validate'), ['TABLE_NAME']);
    assert.deepEqual(bound('escalate'), ['EVENT_BUS_NAME', 'TABLE_NAME', 'TOPIC_ARN']);
    assert.equal(envOf('github')[ENV.githubTokenSecretId], exampleConfig.githubTokenSecretName);
  });

  test('every function reads and writes the table, each evaluation and decision landing in the audit trail', () => {
    for (const name of names) {
      const actions = actionsOf(roleOf(name));
      assert.ok(actions.has('dynamodb:Query'), `${name} reads`);
      assert.ok(actions.has('dynamodb:PutItem'), `${name} writes`);
      assert.ok(!actions.has('dynamodb:DeleteTable'), `${name} cannot drop the table`);
    }
  });

  test('triage, validate and the deploy watch read CloudWatch metrics; only triage queries logs', () => {
    for (const name of names) {
      const actions = actionsOf(roleOf(name));
      assert.equal(actions.has('cloudwatch:GetMetricData'), name === 'triage' || name === 'validate' || name === 'deploy-watch', name);
      assert.equal(actions.has('cloudwatch:DescribeAlarms'), name === 'triage', `${name} reads alarm definitions`);
      assert.equal(actions.has('logs:StartQuery'), name === 'triage', name);
    }
  });

  test('the GitHub token secret is read by name, by github and record-deploy only', () => {
    for (const name of names) {
      const reads = statementsOf(roleOf(name)).filter((s) => asArray(s.Action).includes('secretsmanager:GetSecretValue'));
      assert.equal(reads.length, name === 'github' || name === 'record-deploy' ? 1 : 0, name);
      if (reads.length > 0) assert.match(JSON.stringify(reads[0]?.Resource), /:secret:prodloop\/github-token-\?{6}/);
    }
  });

  test('only record-deploy reads deployments, services, task definitions and stacks, each on its own resource type of this account and region', () => {
    const lookups = ['codedeploy:GetDeployment', 'ecs:DescribeServices', 'ecs:DescribeTaskDefinition', 'cloudformation:DescribeStacks'];
    for (const name of names) {
      const actions = actionsOf(roleOf(name));
      for (const action of lookups) assert.equal(actions.has(action), name === 'record-deploy', `${name}: ${action}`);
    }
    const resourceOf = (action: string) =>
      JSON.stringify(
        statementsOf(roleOf('record-deploy'))
          .filter((s) => asArray(s.Action).includes(action))
          .map((s) => s.Resource),
      );
    assert.match(
      resourceOf('codedeploy:GetDeployment'),
      /:codedeploy:",\{"Ref":"AWS::Region"\},":",\{"Ref":"AWS::AccountId"\},":deploymentgroup:\*"/,
    );
    assert.match(resourceOf('ecs:DescribeServices'), /:ecs:",\{"Ref":"AWS::Region"\},":",\{"Ref":"AWS::AccountId"\},":service\/\*"/);
    assert.match(
      resourceOf('cloudformation:DescribeStacks'),
      /:cloudformation:",\{"Ref":"AWS::Region"\},":",\{"Ref":"AWS::AccountId"\},":stack\/\*"/,
    );
    assert.equal(resourceOf('ecs:DescribeTaskDefinition'), '["*"]', 'DescribeTaskDefinition has no resource-level permissions');
    const granted = statementsOf(roleOf('record-deploy'))
      .flatMap((s) => asArray(s.Action as string | string[]))
      .filter((a) => /^(codedeploy|ecs|cloudformation):/.test(a));
    assert.deepEqual(granted.sort(), [...lookups].sort(), 'reads only');
  });
});

describe('signal ingestion', () => {
  const rules = () => Object.values(resources('AWS::Events::Rule'));
  const ruleFor = (detailType: string) => rules().find((r) => r.Properties.EventPattern['detail-type']?.includes(detailType));

  test('the alarm rule only matches watched alarm name prefixes', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: { alarmName: [{ prefix: 'prod-' }], state: { value: ['ALARM', 'OK'] } },
      },
      Targets: [Match.objectLike({ Arn: fnArn('ingest-alarm') })],
    });
  });

  test('with tags to watch, the alarm rule matches every alarm, since EventBridge cannot see tags', () => {
    const pattern = alarmPattern({ namePrefixes: ['prod-'], tags: [{ key: 'team', value: 'checkout' }] });
    assert.deepEqual(pattern.detail, { state: { value: ['ALARM', 'OK'] } });
    const byName = alarmPattern({ namePrefixes: ['prod-', 'live-'], tags: [] });
    assert.deepEqual(byName.detail?.alarmName, [{ prefix: 'prod-' }, { prefix: 'live-' }]);
  });

  test('deploy and health events on the default bus go to record-deploy', () => {
    for (const [source, detailType] of [
      ['aws.codedeploy', 'CodeDeploy Deployment State-change Notification'],
      ['aws.ecs', 'ECS Deployment State Change'],
      ['aws.cloudformation', 'CloudFormation Stack Status Change'],
      ['aws.health', 'AWS Health Event'],
    ] as const) {
      const rule = ruleFor(detailType);
      assert.ok(rule, detailType);
      assert.deepEqual(rule.Properties.EventPattern.source, [source]);
      assert.equal(rule.Properties.EventBusName, undefined, `${detailType} is read from the default bus`);
      assert.deepEqual(
        rule.Properties.Targets.map((t: Cfn) => t.Arn),
        [fnArn('record-deploy')],
      );
    }
  });

  test('"Cost Reported" on the prodloop bus goes to record-cost', () => {
    const rule = ruleFor('Cost Reported');
    assert.deepEqual(rule?.Properties.EventBusName, { Ref: logicalId(stack.ingest.eventBus) });
    assert.deepEqual(
      rule?.Properties.Targets.map((t: Cfn) => t.Arn),
      [fnArn('record-cost')],
    );
  });

  test('"Deploy Finished" on the prodloop bus goes to record-deploy', () => {
    const bus = logicalId(stack.ingest.eventBus);
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'prodloop' });
    const rule = ruleFor('Deploy Finished');
    assert.deepEqual(rule?.Properties.EventBusName, { Ref: bus });
    assert.deepEqual(
      rule?.Properties.Targets.map((t: Cfn) => t.Arn),
      [fnArn('record-deploy')],
    );
  });

  test('every rule target has a dead-letter queue and a retry policy', () => {
    const queues = resources('AWS::SQS::Queue');
    const targets = rules().flatMap((r) => r.Properties.Targets as Cfn[]);
    assert.equal(targets.length, 7);
    for (const t of targets) {
      assert.ok(queues[t.DeadLetterConfig?.Arn?.['Fn::GetAtt']?.[0]], `${JSON.stringify(t.Arn)} has a dead-letter queue`);
      assert.ok(t.RetryPolicy.MaximumRetryAttempts > 0);
      assert.ok(t.RetryPolicy.MaximumEventAgeInSeconds > 0);
    }
  });

  test('every queue is encrypted, TLS-only and keeps messages 14 days', () => {
    const policies = Object.values(resources('AWS::SQS::QueuePolicy'));
    for (const [id, queue] of Object.entries(resources('AWS::SQS::Queue'))) {
      assert.ok(queue.Properties.SqsManagedSseEnabled === true || queue.Properties.KmsMasterKeyId, `${id} is encrypted`);
      assert.equal(queue.Properties.MessageRetentionPeriod, 14 * 24 * 3600);
      const policy = policies.find((p) => p.Properties.Queues.some((q: Cfn) => q.Ref === id));
      const denyPlainText = asArray(policy?.Properties.PolicyDocument.Statement).find(
        (s: Cfn) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false',
      );
      assert.ok(denyPlainText, `${id} refuses plain HTTP`);
    }
  });

  test('ingest-alarm, record-deploy and record-cost park failed invocations after two retries', () => {
    const configs = Object.values(resources('AWS::Lambda::EventInvokeConfig'));
    const parking = logicalId(stack.ingest.parking);
    for (const name of ['ingest-alarm', 'record-deploy', 'record-cost'] as const) {
      const config = configs.find((c) => c.Properties.FunctionName.Ref === functionId(name));
      assert.equal(config?.Properties.MaximumRetryAttempts, 2, name);
      assert.deepEqual(config?.Properties.DestinationConfig.OnFailure.Destination, { 'Fn::GetAtt': [parking, 'Arn'] }, name);
      assert.deepEqual(envOf(name)[ENV.parkingQueueUrl], { Ref: parking }, name);
    }
  });

  test('ingest-alarm subscribes to the alarm intake topic with a dead-letter queue', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      Endpoint: fnArn('ingest-alarm'),
      TopicArn: { Ref: logicalId(stack.ingest.alarmIntakeTopic) },
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(stack.ingest.intakeDeadLetters), 'Arn'] } },
    });
  });

  test("prodloop's bus is archived for 30 days", () => {
    template.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: { 'Fn::GetAtt': [logicalId(stack.ingest.eventBus), 'Arn'] },
      RetentionDays: 30,
    });
  });
});

describe('topics', () => {
  test('topics are KMS-encrypted with rotating keys, TLS-only, and only this account’s alarms may publish', () => {
    const keys = resources('AWS::KMS::Key');
    const topicPolicies = Object.values(resources('AWS::SNS::TopicPolicy'));
    const topics = Object.entries(resources('AWS::SNS::Topic'));
    assert.equal(topics.length, 2);
    for (const [id, topic] of topics) {
      const key = keys[topic.Properties.KmsMasterKeyId?.['Fn::GetAtt']?.[0]];
      assert.equal(key?.Properties.EnableKeyRotation, true, `${id} key rotates`);
      const cloudwatchMayEncrypt = asArray(key?.Properties.KeyPolicy.Statement).some(
        (s: Cfn) => s.Principal?.Service === 'cloudwatch.amazonaws.com' && asArray(s.Action).includes('kms:GenerateDataKey*'),
      );
      assert.ok(cloudwatchMayEncrypt, `${id}: CloudWatch may use the key`);
      const statements = topicPolicies
        .filter((p) => p.Properties.Topics.some((t: Cfn) => t.Ref === id))
        .flatMap((p) => asArray(p.Properties.PolicyDocument.Statement));
      assert.ok(statements.some((s: Cfn) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false'));
      const publish = statements.find((s: Cfn) => s.Effect === 'Allow' && s.Principal?.Service === 'cloudwatch.amazonaws.com');
      assert.deepEqual(publish?.Condition, { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } });
    }
  });

  test('escalate publishes to the escalation topic', () => {
    const topic = logicalId(stack.escalation.topic);
    assert.deepEqual(envOf('escalate')[ENV.topicArn], { Ref: topic });
    const publish = statementsOf(roleOf('escalate')).find((s) => asArray(s.Action).includes('sns:Publish'));
    assert.deepEqual(publish?.Resource, { Ref: topic });
  });
});

describe('the lineage loop', () => {
  const stateMachineId = () => logicalId(stack.loop.stateMachine);
  const stateMachine = () => resources('AWS::StepFunctions::StateMachine')[stateMachineId()] as Resource;

  test('the state machine is STANDARD, traced, and logs to /aws/vendedlogs/states/ without execution data', () => {
    const p = stateMachine().Properties;
    assert.equal(p.StateMachineType, 'STANDARD');
    assert.deepEqual(p.TracingConfiguration, { Enabled: true });
    assert.equal(p.LoggingConfiguration.Level, 'ALL');
    assert.equal(p.LoggingConfiguration.IncludeExecutionData, false);
    const logGroupId = p.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0];
    assert.match(logGroupName(logGroupId), /^\/aws\/vendedlogs\/states\/.*-lineage-<stack uuid>$/);
  });

  test("a kept log group's name ends in the stack's own id, so a stack deployed again after a destroy does not collide with it", () => {
    const logGroups = Object.values(resources('AWS::Logs::LogGroup')).filter((r) =>
      /vendedlogs/.test(JSON.stringify(r.Properties.LogGroupName)),
    );
    assert.ok(logGroups.length >= 2);
    for (const g of logGroups) {
      assert.equal(g.DeletionPolicy, 'Retain');
      assert.match(flatten(g.Properties.LogGroupName), /-<stack uuid>$/);
    }
  });

  // biome-ignore lint/suspicious/noTemplateCurlyInString: the test is about literal ${...} placeholders
  test('every ${placeholder} in the ASL file has a substitution, and no substitution is unused', () => {
    const definition = readFileSync(join(projectRoot, 'statemachines', 'lineage.asl.json'), 'utf8');
    const placeholders = [...new Set([...definition.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]))].sort();
    assert.ok(placeholders.length > 0);
    assert.deepEqual(Object.keys(stateMachine().Properties.DefinitionSubstitutions).sort(), placeholders);
    assert.deepEqual(placeholdersIn(definition), placeholders);
  });

  test('each substitution is the ARN of the function of that name', () => {
    assert.deepEqual(stateMachine().Properties.DefinitionSubstitutions, {
      TriageFunctionArn: fnArn('triage'),
      GithubFunctionArn: fnArn('github'),
      LineageFunctionArn: fnArn('lineage'),
      ValidateFunctionArn: fnArn('validate'),
      EscalateFunctionArn: fnArn('escalate'),
    });
  });

  test('the state machine role may invoke exactly the five loop functions', () => {
    const role = stateMachine().Properties.RoleArn['Fn::GetAtt'][0];
    const invoke = statementsOf(role).filter((s) => asArray(s.Action).some((a: string) => a.startsWith('lambda:')));
    assert.ok(invoke.every((s) => asArray(s.Action).every((a: string) => a === 'lambda:InvokeFunction')));
    const invoked = new Set(
      invoke.flatMap((s) => asArray(s.Resource)).map((r: Cfn) => r['Fn::GetAtt']?.[0] ?? r['Fn::Join'][1][0]['Fn::GetAtt'][0]),
    );
    assert.deepEqual([...invoked].sort(), loopFunctions.map(functionId).sort());
  });

  test('the functions that steer loops (lineage, record-deploy, record-cost, deploy-watch) may send task responses, from a policy of their own', () => {
    for (const name of names) {
      const policies = Object.entries(resources('AWS::IAM::Policy')).filter(
        ([, p]) =>
          asArray(p.Properties.Roles).some((r: Cfn) => r.Ref === roleOf(name)) &&
          asArray(p.Properties.PolicyDocument.Statement).some((s: Cfn) => asArray(s.Action).includes('states:SendTaskSuccess')),
      );
      const mayRespond = steering.includes(name);
      assert.equal(policies.length, mayRespond ? 1 : 0, name);
      const [entry] = policies;
      if (!entry) continue;
      const [policyId, policy] = entry;
      assert.deepEqual(policy.Properties.PolicyDocument.Statement, [
        {
          Action: ['states:SendTaskFailure', 'states:SendTaskHeartbeat', 'states:SendTaskSuccess'],
          Effect: 'Allow',
          Resource: { Ref: stateMachineId() },
        },
      ]);
      // The function must not wait for this policy: the state machine it refers to waits for the function.
      assert.ok(!asArray(functionResource(name).DependsOn ?? []).includes(policyId), `${name} does not depend on ${policyId}`);
    }
  });

  test('ingest-alarm may start executions and knows the state machine ARN', () => {
    assert.deepEqual(envOf('ingest-alarm')[ENV.stateMachineArn], { Ref: stateMachineId() });
    const start = statementsOf(roleOf('ingest-alarm')).find((s) => asArray(s.Action).includes('states:StartExecution'));
    assert.deepEqual(start?.Resource, { Ref: stateMachineId() });
  });

  test('lineage may start the next execution of its own loop, from a policy of its own and without an environment variable', () => {
    const policies = Object.entries(resources('AWS::IAM::Policy')).filter(
      ([, p]) =>
        asArray(p.Properties.Roles).some((r: Cfn) => r.Ref === roleOf('lineage')) &&
        asArray(p.Properties.PolicyDocument.Statement).some((s: Cfn) => asArray(s.Action).includes('states:StartExecution')),
    );
    assert.equal(policies.length, 1);
    const [policyId, policy] = policies[0] as [string, Resource];
    assert.deepEqual(policy.Properties.PolicyDocument.Statement, [
      { Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: stateMachineId() } },
    ]);
    assert.ok(!asArray(functionResource('lineage').DependsOn ?? []).includes(policyId));
    assert.equal(envOf('lineage')[ENV.stateMachineArn], undefined, 'the ARN comes from the execution context ($$.StateMachine.Id)');
    const definition = readFileSync(join(projectRoot, 'statemachines', 'lineage.asl.json'), 'utf8');
    assert.match(definition, /"stateMachineArn\.\$": "\$\$\.StateMachine\.Id"/);
  });

  test("the state machine's failures, timeouts, aborts and throttles alarm the escalation topic", () => {
    const topic = { Ref: logicalId(stack.escalation.topic) };
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted', 'ExecutionThrottled']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/States',
        MetricName: metric,
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: stateMachineId() } }],
        Threshold: 1,
        AlarmActions: [topic],
      });
    }
  });
});

describe('the deploy watch', () => {
  const watchId = () => logicalId(stack.deployWatch.stateMachine);
  const watch = () => resources('AWS::StepFunctions::StateMachine')[watchId()] as Resource;

  test('is a second STANDARD, traced state machine logging to /aws/vendedlogs/states/ without execution data', () => {
    const p = watch().Properties;
    assert.equal(p.StateMachineType, 'STANDARD');
    assert.deepEqual(p.TracingConfiguration, { Enabled: true });
    assert.equal(p.LoggingConfiguration.IncludeExecutionData, false);
    const logGroupId = p.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0];
    assert.match(logGroupName(logGroupId), /^\/aws\/vendedlogs\/states\/.*-deploy-watch-<stack uuid>$/);
  });

  test('its placeholders are the ARNs of the deploy-watch, github and escalate functions, and its role invokes only those', () => {
    const definition = readFileSync(join(projectRoot, 'statemachines', 'deploy-watch.asl.json'), 'utf8');
    assert.deepEqual(Object.keys(watch().Properties.DefinitionSubstitutions).sort(), placeholdersIn(definition));
    assert.deepEqual(watch().Properties.DefinitionSubstitutions, {
      DeployWatchFunctionArn: fnArn('deploy-watch'),
      GithubFunctionArn: fnArn('github'),
      EscalateFunctionArn: fnArn('escalate'),
    });
    const role = watch().Properties.RoleArn['Fn::GetAtt'][0];
    const invoked = new Set(
      statementsOf(role)
        .filter((s) => asArray(s.Action).some((a: string) => a.startsWith('lambda:')))
        .flatMap((s) => asArray(s.Resource))
        .map((r: Cfn) => r['Fn::GetAtt']?.[0] ?? r['Fn::Join'][1][0]['Fn::GetAtt'][0]),
    );
    assert.deepEqual([...invoked].sort(), watchFunctions.map(functionId).sort());
  });

  test('record-deploy starts deploy watches and knows their state machine', () => {
    assert.deepEqual(envOf('record-deploy')[ENV.deployWatchStateMachineArn], { Ref: watchId() });
    const start = statementsOf(roleOf('record-deploy')).find((s) => asArray(s.Action).includes('states:StartExecution'));
    assert.deepEqual(start?.Resource, { Ref: watchId() });
  });

  test("the deploy watch's failures, timeouts, aborts and throttles alarm the escalation topic", () => {
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted', 'ExecutionThrottled']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/States',
        MetricName: metric,
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: watchId() } }],
        AlarmActions: [{ Ref: logicalId(stack.escalation.topic) }],
      });
    }
  });
});

describe('the template', () => {
  test('has no dependency cycle', () => {
    const all = template.toJSON().Resources as Record<string, Resource>;
    const edges = new Map(Object.entries(all).map(([id, r]) => [id, dependenciesOf(r).filter((d) => d in all && d !== id)]));
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (id: string, path: string[]): void => {
      if (state.get(id) === 'done') return;
      assert.notEqual(state.get(id), 'visiting', `cycle: ${[...path.slice(path.indexOf(id)), id].join(' -> ')}`);
      state.set(id, 'visiting');
      for (const next of edges.get(id) ?? []) visit(next, [...path, id]);
      state.set(id, 'done');
    };
    for (const id of edges.keys()) visit(id, []);
  });

  test('outputs name the table, the state machine, the bus and both topics', () => {
    template.hasOutput('TableName', { Value: { Ref: logicalId(stack.store.table) } });
    template.hasOutput('StateMachineArn', { Value: { Ref: logicalId(stack.loop.stateMachine) } });
    template.hasOutput('DeployWatchStateMachineArn', { Value: { Ref: logicalId(stack.deployWatch.stateMachine) } });
    template.hasOutput('EventBusName', { Value: { Ref: logicalId(stack.ingest.eventBus) } });
    template.hasOutput('EscalationTopicArn', { Value: { Ref: logicalId(stack.escalation.topic) } });
    template.hasOutput('AlarmIntakeTopicArn', { Value: { Ref: logicalId(stack.ingest.alarmIntakeTopic) } });
  });
});

describe('configuration at synth time', () => {
  const stackWith = (prodloop: unknown) => new ProdloopStack(new App({ context: { ...cdkJsonContext, prodloop } }), 'Prodloop');

  test('an invalid configuration fails synth with every problem listed', () => {
    assert.throws(
      () => stackWith({ githubRepository: 'nope', watchedAlarms: { namePrefixes: [] } }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /githubRepository: must be "owner\/name"/);
        assert.match(error.message, /watchedAlarms: name at least one alarm name prefix or tag to watch/);
        return true;
      },
    );
  });

  test('a missing configuration fails synth and says where it belongs', () => {
    const app = new App({ context: { ...cdkJsonContext, prodloop: undefined } });
    assert.throws(() => new ProdloopStack(app, 'Prodloop'), /context key "prodloop" is missing/);
  });

  test('a configuration given on the command line as JSON is read like the one in cdk.json', () => {
    const scope = new Stack(new App({ context: { prodloop: JSON.stringify(exampleConfig) } }), 'S');
    assert.deepEqual(configFromContext(scope), parseConfig(exampleConfig));
    const broken = new Stack(new App({ context: { prodloop: '{ not json' } }), 'S');
    assert.throws(() => configFromContext(broken), /is a string but not JSON/);
  });

  test('a configuration too large for the Lambda environment fails synth', () => {
    const codePaths = Array.from({ length: 60 }, (_, i) => ({ service: `service-${i}`, paths: [`services/service-${i}/**`] }));
    assert.throws(
      () => validateConfig({ ...exampleConfig, codePaths }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, new RegExp(`at most ${MAX_CONFIG_BYTES} bytes`));
        return true;
      },
    );
  });
});

/** Resources a resource refers to (Ref, Fn::GetAtt, ${...} in Fn::Sub) or depends on. */
function dependenciesOf(resource: Resource): string[] {
  const found = new Set<string>(asArray(resource.DependsOn ?? []));
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(walk);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'Ref' && typeof value === 'string') found.add(value);
      else if (key === 'Fn::GetAtt') found.add(Array.isArray(value) ? String(value[0]) : (String(value).split('.')[0] as string));
      else if (key === 'Fn::Sub') {
        const text = Array.isArray(value) ? String(value[0]) : String(value);
        for (const m of text.matchAll(/\$\{([^}.!]+)/g)) found.add(m[1] as string);
        walk(value);
      } else walk(value);
    }
  };
  walk(resource.Properties);
  return [...found];
}
