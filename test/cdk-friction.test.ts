/** The friction pipeline in the synthesized stack: bucket, workflow, schedule, alarms, grants, cdk-nag. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, test } from 'vitest';
import { parseConfig } from '#domain/config/config';
import { ConfigError } from '#domain/shared/errors';
import { FRICTION_KINDS } from '#friction/domain/config';
import { FRICTION_NAMESPACE, RATE_METRIC } from '#friction/domain/metrics';
import { projectRoot } from '../lib/function.ts';
import { alarmPattern } from '../lib/signal-ingest.ts';
import { placeholdersIn } from '../lib/workflow.ts';
import { acknowledgementsIn, allNagFindings, type Cfn, cdkJsonContext, synthStack, unacknowledgedNagFindings } from './support/synth.ts';

const example = cdkJsonContext.prodloop as Record<string, unknown>;
const withFriction = (friction: Record<string, unknown>) => synthStack({ prodloop: { ...example, friction } });

const plain = synthStack();
const friction = withFriction({ rateThresholds: { 'escalation-tone': 0.05 } });
const judged = withFriction({ judge: { enabled: true } });

type Resource = { Type: string; Properties: Record<string, Cfn> };
const resourcesOf = (t: typeof friction.template, type: string) => Object.entries(t.findResources(type) as Record<string, Resource>);
const asArray = <T>(x: T | T[]) => (Array.isArray(x) ? x : [x]);
const logicalId = (s: typeof friction, c: { node: { defaultChild?: unknown } }) =>
  s.stack.resolve((c.node.defaultChild as { logicalId: string }).logicalId) as string;
const statementsOfRole = (t: typeof friction.template, roleId: string) =>
  resourcesOf(t, 'AWS::IAM::Policy')
    .filter(([, p]) => asArray(p.Properties.Roles).some((r: Cfn) => r.Ref === roleId))
    .flatMap(([, p]) => asArray(p.Properties.PolicyDocument.Statement));
const actionsOfRole = (t: typeof friction.template, roleId: string) =>
  new Set(statementsOfRole(t, roleId).flatMap((s) => asArray(s.Action as string | string[])));

describe('friction is deployed only when configured', () => {
  test('without a friction key the stack has no transcript bucket, no friction workflow and no friction alarm', () => {
    assert.equal(plain.stack.friction, undefined);
    assert.equal(resourcesOf(plain.template, 'AWS::S3::Bucket').length, 0);
    // Whatever other state machines the stack has, none is the friction workflow.
    assert.ok(
      !resourcesOf(plain.template, 'AWS::StepFunctions::StateMachine').some(
        ([, sm]) => sm.Properties.DefinitionSubstitutions?.TranscriptBucketName,
      ),
    );
    assert.ok(!resourcesOf(plain.template, 'AWS::CloudWatch::Alarm').some(([, a]) => a.Properties.Namespace === FRICTION_NAMESPACE));
  });

  test('"enabled": false keeps it out; an invalid friction key fails synth naming the path', () => {
    assert.equal(withFriction({ enabled: false }).stack.friction, undefined);
    assert.throws(
      () => parseConfig({ ...example, friction: { minSteps: -1, judge: { modelId: '' } } }),
      (e: unknown) => e instanceof ConfigError && /friction\.minSteps/.test(e.message) && /friction\.judge\.modelId/.test(e.message),
    );
  });

  test("the friction key travels as written: its defaults do not take room in the functions' environment", () => {
    const config = parseConfig({ ...example, friction: { minSteps: 10 } });
    assert.deepEqual(config.friction, { minSteps: 10 });
  });
});

describe('the transcript bucket', () => {
  const bucketId = () => logicalId(friction, friction.stack.friction?.bucket as never);

  test('is encrypted, private, TLS-only and logs its access', () => {
    const bucket = friction.template.toJSON().Resources[bucketId()];
    assert.deepEqual(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault, {
      SSEAlgorithm: 'AES256',
    });
    assert.deepEqual(bucket.Properties.PublicAccessBlockConfiguration, {
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    assert.ok(bucket.Properties.LoggingConfiguration.DestinationBucketName);
    friction.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId() },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  test('transcripts and runs expire after the retention (30 days); summaries and digests are kept for the trend', () => {
    const rules = friction.template.toJSON().Resources[bucketId()].Properties.LifecycleConfiguration.Rules as Cfn[];
    const byPrefix = Object.fromEntries(rules.filter((r) => r.Prefix).map((r) => [r.Prefix, r.ExpirationInDays]));
    assert.deepEqual(byPrefix, { 'transcripts/': 30, 'runs/': 30, 'summaries/': 400, 'digests/': 400 });
    assert.ok(rules.some((r) => r.AbortIncompleteMultipartUpload?.DaysAfterInitiation === 1));
  });
});

describe('the daily workflow', () => {
  const sm = () => {
    const id = logicalId(friction, friction.stack.friction?.stateMachine as never);
    return { id, resource: friction.template.toJSON().Resources[id] };
  };

  test('every placeholder of statemachines/friction.asl.json is substituted', () => {
    const file = readFileSync(join(projectRoot, 'statemachines', 'friction.asl.json'), 'utf8');
    const { resource } = sm();
    assert.deepEqual(Object.keys(resource.Properties.DefinitionSubstitutions).sort(), placeholdersIn(file));
  });

  test('it maps over the day with a Distributed Map reading the transcript bucket, in Express child workflows', () => {
    const definition = JSON.parse(readFileSync(join(projectRoot, 'statemachines', 'friction.asl.json'), 'utf8'));
    const map = definition.States["Analyse the day's transcripts"];
    assert.equal(map.Type, 'Map');
    assert.equal(map.ItemReader.Resource, 'arn:aws:states:::s3:listObjectsV2');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an ASL placeholder that CDK substitutes, not a template literal
    assert.equal(map.ItemReader.Parameters.Bucket, '${TranscriptBucketName}');
    assert.deepEqual(map.ItemProcessor.ProcessorConfig, { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' });
    assert.equal(map.ItemBatcher.MaxItemsPerBatchPath, '$.plan.batchSize');
    assert.ok(map.ToleratedFailurePercentage > 0);
    const { resource } = sm();
    assert.deepEqual(resource.Properties.DefinitionSubstitutions.TranscriptBucketName, {
      Ref: logicalId(friction, friction.stack.friction?.bucket as never),
    });
    assert.equal(resource.Properties.StateMachineType, 'STANDARD');
    assert.equal(resource.Properties.LoggingConfiguration.Level, 'ALL');
    assert.equal(resource.Properties.TracingConfiguration.Enabled, true);
  });

  test('its role may run the map (child executions, listing the bucket, writing results) and invoke exactly its four functions', () => {
    const roleId = logicalId(friction, friction.stack.friction?.stateMachine.role as never);
    const statements = statementsOfRole(friction.template, roleId);
    const actions = actionsOfRole(friction.template, roleId);
    for (const a of [
      'states:StartExecution',
      'states:DescribeExecution',
      'states:StopExecution',
      's3:ListBucket',
      's3:PutObject',
      'lambda:InvokeFunction',
    ])
      assert.ok(actions.has(a), a);
    const invoked = statements
      .filter((s) => asArray(s.Action).includes('lambda:InvokeFunction'))
      .flatMap((s) => asArray(s.Resource))
      .map((r: Cfn) => JSON.stringify(r));
    for (const f of Object.values(friction.stack.friction?.functions ?? {}))
      assert.ok(
        invoked.some((r) => r.includes(logicalId(friction, f.function as never))),
        f.node.id,
      );
  });

  test('the stack outputs the bucket and the workflow under stable names', () => {
    const outputs = friction.template.toJSON().Outputs as Record<string, Cfn>;
    assert.deepEqual(outputs.FrictionBucketName?.Value, { Ref: logicalId(friction, friction.stack.friction?.bucket as never) });
    assert.deepEqual(outputs.FrictionWorkflowArn?.Value, { Ref: sm().id });
  });

  test('an EventBridge schedule starts it every day at 03:00 UTC, with a dead-letter queue', () => {
    const smId = sm().id;
    const [, rule] = resourcesOf(friction.template, 'AWS::Events::Rule').find(([, r]) => r.Properties.ScheduleExpression) ?? [];
    assert.ok(rule);
    assert.equal(rule.Properties.ScheduleExpression, 'cron(0 3 * * ? *)');
    const [target] = rule.Properties.Targets;
    assert.deepEqual(target.Arn, { Ref: smId });
    assert.equal(target.Input, '{}');
    assert.ok(target.DeadLetterConfig.Arn);
  });

  test('four friction functions on Node 22 and ARM64, each from its own folder, all told the bucket', () => {
    const fns = friction.stack.friction?.functions;
    assert.ok(fns);
    assert.deepEqual(Object.keys(fns).sort(), ['friction-analyze', 'friction-judge', 'friction-plan', 'friction-report']);
    for (const [name, f] of Object.entries(fns)) {
      assert.ok(existsSync(join(projectRoot, 'lambdas', name, 'handler.ts')), name);
      const props = friction.template.toJSON().Resources[logicalId(friction, f.function as never)].Properties;
      assert.deepEqual([props.Runtime, props.Architectures], ['nodejs22.x', ['arm64']]);
      assert.ok(props.Environment.Variables.FRICTION_BUCKET, name);
    }
    const report =
      friction.template.toJSON().Resources[logicalId(friction, fns['friction-report'].function as never)].Properties.Environment.Variables;
    assert.ok(report.TABLE_NAME && report.GITHUB_TOKEN_SECRET_ID, 'the report reads lineages and may file to GitHub');
  });

  test('each function may touch only its prefixes: the analyzer reads transcripts and writes runs; the plan touches nothing', () => {
    const fns = friction.stack.friction?.functions;
    assert.ok(fns);
    const objectResources = (name: keyof typeof fns) =>
      statementsOfRole(friction.template, logicalId(friction, fns[name].role as never))
        .filter((s) => asArray(s.Action).some((a: string) => a.startsWith('s3:')))
        .flatMap((s) => asArray(s.Resource))
        .map((r) => JSON.stringify(r))
        .filter((r) => r.includes('/'));
    assert.deepEqual(objectResources('friction-plan'), []);
    assert.ok(objectResources('friction-analyze').some((r) => r.includes('/transcripts/*')));
    assert.ok(!objectResources('friction-judge').some((r) => r.includes('/transcripts/*')), 'the judge never reads raw transcripts');
    assert.ok(!objectResources('friction-report').some((r) => r.includes('/transcripts/*')), 'the report never reads raw transcripts');
    const actions = actionsOfRole(friction.template, logicalId(friction, fns['friction-analyze'].role as never));
    assert.ok(!actions.has('s3:DeleteObject*') && !actions.has('s3:DeleteObject'));
  });
});

describe('friction alarms: how friction becomes a lineage', () => {
  const alarms = () =>
    resourcesOf(friction.template, 'AWS::CloudWatch::Alarm')
      .map(([, a]) => a.Properties)
      .filter((p) => p.Namespace === FRICTION_NAMESPACE);

  test('one alarm per kind, named prod-friction-<kind>, on the daily FrictionRate of that kind', () => {
    const found = alarms();
    assert.deepEqual(found.map((a) => a.AlarmName).sort(), FRICTION_KINDS.map((k) => `prod-friction-${k}`).sort());
    for (const a of found) {
      const kind = (a.AlarmName as string).replace('prod-friction-', '');
      assert.equal(a.MetricName, RATE_METRIC);
      assert.deepEqual(a.Dimensions, [{ Name: 'Kind', Value: kind }]);
      assert.deepEqual([a.Statistic, a.Period, a.EvaluationPeriods], ['Maximum', 86400, 1]);
      assert.deepEqual([a.ComparisonOperator, a.TreatMissingData], ['GreaterThanThreshold', 'notBreaching']);
      assert.equal(a.Threshold, kind === 'escalation-tone' ? 0.05 : 0.2);
    }
  });

  test('their names start with a watched prefix, so the alarm state change rule sends them to ingest-alarm', () => {
    const pattern = alarmPattern(friction.stack.config.watchedAlarms) as { detail: { alarmName: { prefix: string }[] } };
    for (const a of alarms())
      assert.ok(
        pattern.detail.alarmName.some((p) => (a.AlarmName as string).startsWith(p.prefix)),
        a.AlarmName,
      );
  });

  test('a prefix no watched prefix covers is flagged at synth', () => {
    const unwatched = withFriction({ alarmNamePrefix: 'team-friction-' });
    const warnings = Annotations.fromStack(unwatched.stack).findWarning(
      '*',
      Match.stringLikeRegexp('no watched alarm name prefix matches'),
    );
    assert.equal(warnings.length, 1);
  });
});

describe('the model judge', () => {
  test('off by default: no role may call Bedrock', () => {
    for (const [, p] of resourcesOf(friction.template, 'AWS::IAM::Policy'))
      for (const s of asArray(p.Properties.PolicyDocument.Statement))
        for (const a of asArray(s.Action as string | string[])) assert.ok(!a.startsWith('bedrock:'), a);
  });

  test('on: the judge may invoke its model, run batch jobs and pass only the batch role, which only Bedrock of this account assumes', () => {
    const fr = judged.stack.friction;
    assert.ok(fr?.judgeBatchRole);
    const judgeRole = logicalId(judged, fr.functions['friction-judge'].role as never);
    const statements = statementsOfRole(judged.template, judgeRole);
    const invoke = statements.find((s) => asArray(s.Action).includes('bedrock:InvokeModel'));
    assert.match(JSON.stringify(invoke?.Resource), /foundation-model\/anthropic\.claude-3-5-haiku-20241022-v1:0/);
    assert.ok(statements.some((s) => asArray(s.Action).includes('bedrock:CreateModelInvocationJob')));
    const pass = statements.find((s) => asArray(s.Action).includes('iam:PassRole'));
    assert.deepEqual(pass?.Condition, { StringEquals: { 'iam:PassedToService': 'bedrock.amazonaws.com' } });
    const batchRoleId = logicalId(judged, fr.judgeBatchRole as never);
    assert.deepEqual(pass?.Resource, { 'Fn::GetAtt': [batchRoleId, 'Arn'] });
    const trust = judged.template.toJSON().Resources[batchRoleId].Properties.AssumeRolePolicyDocument.Statement[0];
    assert.equal(trust.Principal.Service, 'bedrock.amazonaws.com');
    assert.deepEqual(Object.keys(trust.Condition).sort(), ['ArnLike', 'StringEquals']);
    const env =
      judged.template.toJSON().Resources[logicalId(judged, fr.functions['friction-judge'].function as never)].Properties.Environment
        .Variables;
    assert.deepEqual(env.FRICTION_JUDGE_ROLE_ARN, { 'Fn::GetAtt': [batchRoleId, 'Arn'] });
  });
});

describe('cdk-nag with friction on', () => {
  for (const [label, synthesized] of [
    ['judge off', friction],
    ['judge on', judged],
  ] as const) {
    test(`${label}: nothing unacknowledged, and every acknowledgement answers a finding with a reason`, () => {
      const { errors, warnings } = unacknowledgedNagFindings(synthesized.app);
      assert.deepEqual([...errors, ...warnings], []);
      const findings = allNagFindings(synthesized.app);
      for (const a of acknowledgementsIn(synthesized.app).filter((x) => x.path.includes('/Friction/'))) {
        assert.ok(a.reason.trim().length >= 40, `${a.path}: ${a.id}: "${a.reason}"`);
        assert.ok(
          findings.some((f) => f.rule === a.id && (f.path === a.path || f.path.startsWith(`${a.path}/`))),
          `${a.path}: ${a.id} acknowledges nothing`,
        );
      }
    });
  }

  test('"Resource::*" is acknowledged only where no resource-level permission exists', () => {
    const resourceLevelFree =
      /^(xray:|logs:(Create|Get|Update|Delete|List)LogDelivery|logs:ListLogDeliveries$|logs:PutResourcePolicy$|logs:DescribeResourcePolicies$|logs:DescribeLogGroups$|cloudwatch:GetMetricData$|cloudwatch:DescribeAlarms$|logs:GetQueryResults$|ecs:DescribeTaskDefinition$)/;
    for (const [id, p] of resourcesOf(judged.template, 'AWS::IAM::Policy')) {
      for (const s of asArray(p.Properties.PolicyDocument.Statement)) {
        if (s.Effect !== 'Allow' || s.Resource !== '*') continue;
        for (const a of asArray(s.Action as string | string[])) assert.match(a, resourceLevelFree, `${id} allows ${a} on "*"`);
      }
    }
  });
});
