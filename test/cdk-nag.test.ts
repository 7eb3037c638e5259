import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { describe, test } from 'vitest';
import { addNagChecks } from '../lib/nag.ts';
import {
  acknowledgementsIn,
  allNagFindings,
  type Cfn,
  cdkAnnotationProblems,
  cdkJsonContext,
  type NagFinding,
  synthStack,
  unacknowledgedNagFindings,
} from './support/synth.ts';

const synthesized = synthStack();
const { app, stack } = synthesized;
const show = (findings: readonly NagFinding[]) => findings.map((f) => `${f.rule} at ${f.path}`).join('\n');

describe('cdk-nag AwsSolutions', () => {
  test('cdk-nag AwsSolutions finds nothing unacknowledged', () => {
    const { errors, warnings } = unacknowledgedNagFindings(app);
    assert.equal(errors.length, 0, `unacknowledged errors:\n${show(errors)}`);
    assert.equal(warnings.length, 0, `unacknowledged warnings:\n${show(warnings)}`);
  });

  test('every acknowledgement carries a reason', () => {
    const acknowledgements = acknowledgementsIn(app);
    assert.ok(acknowledgements.length > 0);
    for (const a of acknowledgements) {
      assert.match(a.id, /^AwsSolutions-[A-Z]+\d+(\[.+\])?$/, `${a.path}: ${a.id}`);
      assert.ok(a.reason.trim().length >= 40, `${a.path}: ${a.id} needs a real reason, has "${a.reason}"`);
    }
  });

  test('every acknowledgement answers a finding at or below where it is made', () => {
    const findings = allNagFindings(app);
    for (const a of acknowledgementsIn(app)) {
      const answered = findings.some((f) => f.rule === a.id && (f.path === a.path || f.path.startsWith(`${a.path}/`)));
      assert.ok(answered, `${a.path}: ${a.id} acknowledges nothing; remove it`);
    }
  });

  test('wildcard acknowledgements name the wildcard, never the whole rule', () => {
    for (const a of acknowledgementsIn(app).filter((x) => x.id.startsWith('AwsSolutions-IAM5'))) {
      assert.match(a.id, /^AwsSolutions-IAM5\[(Resource|Action)::.*\*.*\]$/, `${a.path}: ${a.id}`);
    }
  });

  test('"Resource::*" is acknowledged only where no resource-level permission exists', () => {
    const resourceLevelFree =
      /^(xray:|cloudwatch:GetMetricData$|cloudwatch:DescribeAlarms$|logs:GetQueryResults$|logs:(Create|Get|Update|Delete|List)LogDelivery|logs:ListLogDeliveries$|logs:PutResourcePolicy$|logs:DescribeResourcePolicies$|logs:DescribeLogGroups$|ecs:DescribeTaskDefinition$)/;
    const template = JSON.parse(readFileSync(join(app.synth().directory, stack.templateFile), 'utf8'));
    for (const [id, resource] of Object.entries<Cfn>(template.Resources)) {
      if (resource.Type !== 'AWS::IAM::Policy') continue;
      for (const statement of [resource.Properties.PolicyDocument.Statement].flat()) {
        if (statement.Effect !== 'Allow' || statement.Resource !== '*') continue;
        for (const action of [statement.Action].flat()) assert.match(action, resourceLevelFree, `${id} allows ${action} on "*"`);
      }
    }
  });

  test('an unacknowledged finding fails synth', () => {
    const probe = new App();
    addNagChecks(probe);
    new Queue(new Stack(probe, 'Probe'), 'Plain', { enforceSSL: false });
    let reportPath = '';
    assert.throws(
      () => probe.synth(),
      (error: unknown) => {
        reportPath = /report can be found in: (\S+\.json)/.exec(String(error))?.[1] ?? '';
        return /Validation failed/.test(String(error));
      },
    );
    const report = JSON.parse(readFileSync(reportPath, 'utf8'));
    const rules = report.pluginReports.flatMap((r: { violations: { ruleName: string }[] }) => r.violations.map((v) => v.ruleName));
    assert.ok(rules.includes('AwsSolutions-SQS3'), rules.join(', '));
  });

  test('acknowledgements and their reasons are recorded in the template', () => {
    const template = JSON.parse(readFileSync(join(app.synth().directory, stack.templateFile), 'utf8'));
    const recorded = Object.values<Cfn>(template.Resources).flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []);
    assert.ok(recorded.length > 0);
    for (const rule of recorded) assert.ok(rule.reason.length >= 40, `${rule.id}: ${rule.reason}`);
  });
});

describe('CDK', () => {
  test('the stack synthesizes without CDK errors or warnings', () => {
    const { errors, warnings } = cdkAnnotationProblems(stack);
    assert.deepEqual(errors, []);
    assert.deepEqual(warnings, []);
  });

  test("synth's validation report holds no violation", () => {
    const report = JSON.parse(readFileSync(join(app.synth().directory, 'validation-report.json'), 'utf8'));
    const violations = (report.pluginReports ?? []).flatMap((r: { violations?: unknown[] }) => r.violations ?? []);
    assert.deepEqual(violations, []);
  });
});

describe('alarms watched by tag', () => {
  const base = cdkJsonContext.prodloop as Record<string, unknown>;
  const tagged = synthStack({
    prodloop: { ...base, watchedAlarms: { namePrefixes: ['prod-'], tags: [{ key: 'team', value: 'checkout' }] } },
  });
  /** Statements granting ListTagsForResource, with the roles they are attached to. */
  const tagGrants = (t: ReturnType<typeof synthStack>) =>
    Object.values(t.template.findResources('AWS::IAM::Policy') as Record<string, Cfn>).flatMap((p) =>
      [p.Properties.PolicyDocument.Statement]
        .flat()
        .filter((st: Cfn) => [st.Action].flat().includes('cloudwatch:ListTagsForResource'))
        .map((st: Cfn) => ({ roles: JSON.stringify(p.Properties.Roles), resource: JSON.stringify(st.Resource) })),
    );

  test('with tags to watch, ingest-alarm may read the tags of alarms in its account and region, and cdk-nag accepts why', () => {
    const grants = tagGrants(tagged);
    assert.equal(grants.length, 1);
    assert.match(grants[0]?.roles ?? '', /IngestAlarm/);
    assert.match(grants[0]?.resource ?? '', /:cloudwatch:.*:alarm:\*/);
    const { errors, warnings } = unacknowledgedNagFindings(tagged.app);
    assert.equal(errors.length + warnings.length, 0, show([...errors, ...warnings]));
  });

  test('with name prefixes only, no function may read alarm tags', () => {
    assert.equal(tagGrants(synthesized).length, 0);
  });
});
