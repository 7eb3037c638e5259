/**
 * prodloop watching itself (lib/self-watch.ts): an alarm per queue per metric and per function per
 * metric, counted against what the template holds, so a queue or a function added without alarms
 * fails here; every one operational and acting on the escalation topic; the state machines' own
 * alarms left as they are; the dashboard.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'vitest';
import { projectRoot } from '../lib/function.ts';
import { OPS_ALARM_PREFIX, OPS_DESCRIPTION_PREFIX } from '../lib/self-watch.ts';
import { type Cfn, cdkJsonContext, type Synthesized, synthStack } from './support/synth.ts';

const example = cdkJsonContext.prodloop as Record<string, unknown>;
const plain = synthStack();
const withFriction = synthStack({ prodloop: { ...example, friction: {} } });

type Resource = { Type: string; Properties: Record<string, Cfn> };
const resourcesOf = (s: Synthesized, type: string) => Object.entries(s.template.findResources(type) as Record<string, Resource>);
const alarmsOf = (s: Synthesized) => resourcesOf(s, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
const opsAlarmsOf = (s: Synthesized) => alarmsOf(s).filter((a) => String(a.AlarmName ?? '').startsWith(OPS_ALARM_PREFIX));
const topicRef = (s: Synthesized) => s.stack.resolve(s.stack.escalation.topic.topicArn);
const dimension = (alarm: Cfn, name: string) => (alarm.Dimensions as Cfn[] | undefined)?.find((d) => d.Name === name)?.Value;

for (const [label, s, queues, functions] of [
  ['the stack', plain, 3, 9],
  ['the stack with friction', withFriction, 4, 13],
] as const) {
  describe(`${label}: alarms on itself`, () => {
    const lambdas = resourcesOf(s, 'AWS::Lambda::Function').map(([id]) => id);
    const sqsQueues = resourcesOf(s, 'AWS::SQS::Queue').map(([id]) => id);

    test('the template holds the functions and queues counted here', () => {
      assert.equal(lambdas.length, functions);
      assert.equal(sqsQueues.length, queues);
    });

    for (const [metric, what] of [
      ['Errors', 'errors'],
      ['Throttles', 'throttles'],
    ] as const) {
      test(`every function has exactly one ${metric} alarm: more than 0 in 5 minutes, to the escalation topic`, () => {
        const alarms = opsAlarmsOf(s).filter((a) => a.Namespace === 'AWS/Lambda' && a.MetricName === metric);
        assert.equal(alarms.length, lambdas.length, `${metric} alarms`);
        for (const id of lambdas) {
          const mine = alarms.filter((a) => JSON.stringify(dimension(a, 'FunctionName')) === JSON.stringify({ Ref: id }));
          assert.equal(mine.length, 1, `${id}: ${metric} alarms`);
          const [alarm] = mine as [Cfn];
          assert.equal(alarm.Threshold, 0);
          assert.equal(alarm.ComparisonOperator, 'GreaterThanThreshold');
          assert.equal(alarm.Statistic, 'Sum');
          assert.equal(alarm.Period, 300);
          assert.equal(alarm.EvaluationPeriods, 1);
          assert.equal(alarm.TreatMissingData, 'notBreaching');
          assert.deepEqual(alarm.AlarmActions, [topicRef(s)]);
          assert.match(alarm.AlarmName, new RegExp(`^${OPS_ALARM_PREFIX}Prodloop-.+-${what}$`));
        }
      });
    }

    for (const [metric, threshold] of [
      ['ApproximateNumberOfMessagesVisible', 0],
      ['ApproximateAgeOfOldestMessage', 86_400],
    ] as const) {
      test(`every queue has exactly one ${metric} alarm over ${threshold}, to the escalation topic`, () => {
        const alarms = opsAlarmsOf(s).filter((a) => a.Namespace === 'AWS/SQS' && a.MetricName === metric);
        assert.equal(alarms.length, sqsQueues.length, `${metric} alarms`);
        for (const id of sqsQueues) {
          const mine = alarms.filter(
            (a) => JSON.stringify(dimension(a, 'QueueName')) === JSON.stringify({ 'Fn::GetAtt': [id, 'QueueName'] }),
          );
          assert.equal(mine.length, 1, `${id}: ${metric} alarms`);
          const [alarm] = mine as [Cfn];
          assert.equal(alarm.Threshold, threshold);
          assert.equal(alarm.ComparisonOperator, 'GreaterThanThreshold');
          assert.equal(alarm.Statistic, 'Maximum');
          assert.equal(alarm.TreatMissingData, 'notBreaching');
          assert.deepEqual(alarm.AlarmActions, [topicRef(s)]);
        }
      });
    }

    test('every operational alarm says it is about prodloop itself and points at the runbook', () => {
      const ops = opsAlarmsOf(s);
      assert.equal(ops.length, 2 * (lambdas.length + sqsQueues.length));
      for (const alarm of ops) {
        assert.ok(String(alarm.AlarmDescription).startsWith(`${OPS_DESCRIPTION_PREFIX} `), alarm.AlarmName);
        assert.match(alarm.AlarmDescription, /First: .+ See docs\/operations\.md\.$/);
      }
      const parking = ops.find((a) => a.AlarmName === `${OPS_ALARM_PREFIX}Prodloop-parking-visible`);
      assert.match(parking?.AlarmDescription, /reason attribute/);
    });

    test("the state machines' own alarms stay, and no operational alarm repeats them", () => {
      const onStates = alarmsOf(s).filter((a) => a.Namespace === 'AWS/States');
      // lineage and deploy watch: failed, timed out, aborted, throttled; friction: failed, timed out.
      assert.equal(onStates.length, functions === 9 ? 8 : 10);
      assert.ok(onStates.every((a) => !String(a.AlarmName ?? '').startsWith(OPS_ALARM_PREFIX)));
      assert.ok(onStates.every((a) => JSON.stringify(a.AlarmActions) === JSON.stringify([topicRef(s)])));
    });
  });

  describe(`${label}: the dashboard`, () => {
    const dashboards = resourcesOf(s, 'AWS::CloudWatch::Dashboard');
    /** The body as one string, each reference written as its logical id. */
    const body = () => {
      const [, dashboard] = dashboards[0] as [string, Resource];
      const parts = (dashboard.Properties.DashboardBody['Fn::Join'] as [string, Cfn[]])[1];
      return parts.map((p) => (typeof p === 'string' ? p : `<${p.Ref ?? p['Fn::GetAtt']?.join('.')}>`)).join('');
    };

    test('one dashboard, named after the stack', () => {
      assert.equal(dashboards.length, 1);
      assert.equal(dashboards[0]?.[1].Properties.DashboardName, 'prodloop-Prodloop');
    });

    test('names every function, with its errors, throttles and duration', () => {
      const text = body();
      const fnNames = [...Object.keys(s.stack.functions), ...Object.keys(s.stack.friction?.functions ?? {})];
      assert.equal(fnNames.length, functions);
      for (const name of fnNames) assert.ok(text.includes(`"title":"Function ${name}"`), name);
      for (const [id] of resourcesOf(s, 'AWS::Lambda::Function')) {
        for (const metric of ['Errors', 'Throttles', 'Duration']) {
          assert.ok(text.includes(`"AWS/Lambda","${metric}","FunctionName","<${id}>"`), `${id} ${metric}`);
        }
      }
    });

    test("shows every queue's visible messages and every state machine's executions started and failed", () => {
      const text = body();
      for (const [id] of resourcesOf(s, 'AWS::SQS::Queue')) {
        assert.ok(text.includes(`"AWS/SQS","ApproximateNumberOfMessagesVisible","QueueName","<${id}.QueueName>"`), id);
      }
      for (const [id] of resourcesOf(s, 'AWS::StepFunctions::StateMachine')) {
        for (const metric of ['ExecutionsStarted', 'ExecutionsFailed']) {
          assert.ok(text.includes(`"AWS/States","${metric}","StateMachineArn","<${id}>"`), `${id} ${metric}`);
        }
      }
    });

    test("shows the state of every prodloop alarm, and none of friction's rate alarms (signals, not prodloop's health)", () => {
      const text = body();
      for (const [id, alarm] of resourcesOf(s, 'AWS::CloudWatch::Alarm')) {
        const shown = text.includes(`<${id}.Arn>`);
        const isRate =
          alarm.Properties.Namespace !== 'AWS/States' && !String(alarm.Properties.AlarmName ?? '').startsWith(OPS_ALARM_PREFIX);
        assert.equal(shown, !isRate, `${id} ${alarm.Properties.AlarmName ?? alarm.Properties.MetricName}`);
      }
    });

    test('links the operations runbook', () => {
      assert.match(body(), /docs\/operations\.md/);
    });
  });
}

test('docs/operations.md names every operational alarm', () => {
  const path = join(projectRoot, 'docs', 'operations.md');
  assert.ok(existsSync(path));
  const doc = readFileSync(path, 'utf8');
  const suffixes = opsAlarmsOf(withFriction).map((a) =>
    String(a.AlarmName)
      .replace(`${OPS_ALARM_PREFIX}Prodloop-`, '')
      .replace(/^.+-(errors|throttles)$/, '<function>-$1'),
  );
  for (const suffix of new Set(suffixes)) assert.ok(doc.includes(`\`${suffix}\``), `docs/operations.md says nothing of ${suffix}`);
});

test('a watched prefix that matches the operational alarms fails the synth', () => {
  assert.throws(
    () => synthStack({ prodloop: { ...example, watchedAlarms: { namePrefixes: ['prodloop-'] } } }),
    /matches prodloop's own operational alarms/,
  );
});
