/**
 * The deploy watch at its handler, with the real store on DynamoDB Local and the real CloudWatch
 * adapter, whose client (no local implementation) answers GetMetricData from per-cohort series at the
 * SDK boundary; Step Functions and SNS likewise.
 */
import assert from 'node:assert/strict';
import type { CloudWatchClient, GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { CloudWatchMetricSource } from '#adapters/aws/cloudwatch';
import { StepFunctionsLoop } from '#adapters/aws/sfn-loop';
import { SnsNotifier } from '#adapters/aws/sns';
import { makeDeployWatch } from '#app/deploy-watch';
import { makeEscalate } from '#app/escalate';
import { makeLineage } from '#app/lineage-loop';
import { parseConfig } from '#domain/config/config';
import type { DeploySignal } from '#domain/signals/signals';
import type { SignalJudgement } from '#domain/validation/deploy-watch';
import { localDefaultConfig } from '../bin/local/scenario.ts';
import { type TestStore, testStore } from './support/dynamodb.ts';
import { sampleAlarm } from './support/samples.ts';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const DEPLOY_AT = new Date('2026-03-02T10:00:00Z');
const NOW = new Date(DEPLOY_AT.getTime() + 10 * 60_000);
const metric = { namespace: 'Shop/Checkout', metricName: 'Errors5xx', dimensions: { Service: 'checkout' }, stat: 'Sum', periodSeconds: 60 };
const config = parseConfig({
  ...localDefaultConfig,
  codePaths: [{ service: 'checkout', alarmNamePrefixes: ['prod-checkout-'], paths: ['services/checkout/**'], metrics: [metric] }],
});

type Level = (cohort: string | undefined, minute: number, metricName: string | undefined) => number;

/** A CloudWatch client answering each query's series from `level(cohort, minute, metric)`, with a little deterministic noise. */
function cloudwatch(level: Level): CloudWatchClient {
  return {
    send: async (command: { input: GetMetricDataCommandInput }) => {
      const input = command.input;
      const from = (input.StartTime as Date).getTime();
      const to = (input.EndTime as Date).getTime();
      return {
        MetricDataResults: (input.MetricDataQueries ?? []).map((q) => {
          const cohort = q.MetricStat?.Metric?.Dimensions?.find((d) => d.Name === 'Cohort')?.Value;
          const name = q.MetricStat?.Metric?.MetricName;
          const timestamps: Date[] = [];
          const values: number[] = [];
          for (let t = from; t < to; t += 60_000) {
            const minute = Math.round((t - DEPLOY_AT.getTime()) / 60_000);
            timestamps.push(new Date(t));
            values.push(level(cohort, minute, name) * (1 + 0.05 * Math.sin(minute * 1.7)));
          }
          return { Id: q.Id, Label: q.Id, Timestamps: timestamps, Values: values, StatusCode: 'Complete' };
        }),
      };
    },
  } as unknown as CloudWatchClient;
}

function recording<T>() {
  const sent: { command: string; input: T }[] = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: T }) => {
      sent.push({ command: command.constructor.name, input: command.input });
      return { MessageId: 'm-1' };
    },
  };
  return { client, sent };
}

function deploy(overrides: Partial<DeploySignal> = {}): DeploySignal {
  return {
    kind: 'deploy',
    source: 'custom',
    deployId: 'deploy-canary-1',
    service: 'checkout',
    status: 'succeeded',
    at: DEPLOY_AT.toISOString(),
    commitSha: 'c0ffee1',
    previousSha: 'c0ffee0',
    prNumbers: [812],
    changedPaths: ['services/checkout/pricing.ts'],
    dependencyChanges: [],
    ...overrides,
  };
}

/** Three days of history before the deploy (the default is `validation.historyDays`, 7). */
const settings = { intervalSeconds: 300, maxEvaluations: 6, historyDays: 3 };
const requests = {
  namespace: 'Shop/Checkout',
  metricName: 'Requests',
  dimensions: { Service: 'checkout' },
  stat: 'Sum',
  periodSeconds: 60,
};
const orders = {
  namespace: 'Shop/Checkout',
  metricName: 'OrdersPlaced',
  dimensions: { Service: 'checkout' },
  stat: 'Sum',
  periodSeconds: 60,
};
/** The same service with its traffic metric (errors are a rate over it) and an orders metric whose fall is the regression. */
const withTraffic = parseConfig({
  ...localDefaultConfig,
  codePaths: [
    {
      service: 'checkout',
      alarmNamePrefixes: ['prod-checkout-'],
      paths: ['services/checkout/**'],
      trafficMetric: requests,
      metrics: [metric, { ...orders, worseWhen: 'lower' }],
    },
  ],
});

let t: TestStore;
beforeAll(async () => {
  t = await testStore();
});
afterAll(() => t.client.destroy());

function watchWith(level: Level, sfn = recording<Record<string, unknown>>(), watchConfig = config) {
  const published: { type: string; detail: Record<string, unknown> }[] = [];
  const app = makeDeployWatch({
    config: watchConfig,
    store: t.store,
    clock: { now: () => NOW },
    logger: quiet,
    metrics: new CloudWatchMetricSource(cloudwatch(level), () => NOW),
    events: { publish: async (type, detail) => void published.push({ type, detail }) },
    workflow: new StepFunctionsLoop(sfn.client as unknown as SFNClient, 'unused'),
  });
  return { app, published, sfn };
}

describe('judging a deploy', () => {
  test('a canary deploy is judged new cohort against the baseline cohort, not before against after', async () => {
    // Everyone's errors rise after the deploy (a traffic surge), the canary's no more than the stable cohort's.
    const surge = watchWith((_cohort, minute) => (minute >= 0 ? 40 : 20));
    const even = (await surge.app({ action: 'evaluate', deploy: deploy({ cohort: 'canary-10' }), loop: { evaluations: 0 }, settings })) as {
      outcome: string;
      judgements: SignalJudgement[];
    };
    assert.equal(even.outcome, 'pending');
    assert.equal(even.judgements[0]?.method, 'cohort');
    assert.equal(even.judgements[0]?.worse, false);
    // The same surge judged before/after (no cohort) looks like a regression: the cohort comparison is what keeps it apart.
    const beforeAfter = (await surge.app({ action: 'evaluate', deploy: deploy(), loop: { evaluations: 0 }, settings })) as {
      outcome: string;
      judgements: SignalJudgement[];
    };
    assert.equal(beforeAfter.judgements[0]?.method, 'before-after');
    assert.equal(beforeAfter.outcome, 'worse');

    // The canary errs twice as often as the stable cohort: worse, with the numbers.
    const bad = watchWith((cohort, minute) => (minute >= 0 && cohort === 'canary-10' ? 40 : 20));
    const worse = (await bad.app({ action: 'evaluate', deploy: deploy({ cohort: 'canary-10' }), loop: { evaluations: 0 }, settings })) as {
      outcome: string;
      judgements: SignalJudgement[];
      paths: string[];
    };
    assert.equal(worse.outcome, 'worse');
    const j = worse.judgements[0];
    assert.equal(j?.method, 'cohort');
    assert.ok((j?.currentMean ?? 0) > 38 && (j?.baselineMean ?? 0) < 22, JSON.stringify(j));
    assert.match(
      j?.reason ?? '',
      /^the event count of cohort canary-10 is 2\.\d\dx that of stable over 10 minute\(s\) of both; e-value \S+ ≥ 100/,
    );
    assert.ok((j?.eValue ?? 0) >= 100 && j?.threshold === 100);
    assert.deepEqual(worse.paths, ['services/checkout/**']);
  });

  test('a traffic surge that doubles the error count but not the rate does not pull the andon when the code path names its traffic metric', async () => {
    const surge = watchWith(
      (_cohort, minute) => (minute >= 0 ? 2 : 1) * (1000 - 200 * Math.cos((2 * Math.PI * minute) / 1440)) * 0.02,
      undefined,
      withTraffic,
    );
    const look = (await surge.app({ action: 'evaluate', deploy: deploy(), loop: { evaluations: 0 }, settings })) as {
      outcome: string;
      judgements: SignalJudgement[];
    };
    const errors = look.judgements.find((j) => j.label.startsWith('Shop/Checkout/Errors5xx'));
    assert.equal(errors?.kind, 'rate', JSON.stringify(errors));
    assert.equal(errors?.worse, false, errors?.reason);
    assert.ok(Math.abs((errors?.ratio ?? 0) - 1) < 0.1, errors?.reason);
    assert.equal(look.outcome, 'pending');
  });

  test('an error rate that doubles over the same traffic pulls the andon at the first look', async () => {
    const bad = watchWith(
      (_cohort, minute, name) => (name === 'Requests' ? 1000 : name === 'OrdersPlaced' ? 50 : minute >= 0 ? 40 : 20),
      undefined,
      withTraffic,
    );
    const look = (await bad.app({ action: 'evaluate', deploy: deploy(), loop: { evaluations: 0 }, settings })) as {
      outcome: string;
      judgements: SignalJudgement[];
    };
    assert.equal(look.outcome, 'worse');
    const errors = look.judgements.find((j) => j.worse);
    assert.equal(errors?.kind, 'rate');
    assert.match(
      errors?.reason ?? '',
      /^the error rate \(events per request\) is 2\.\d\d× the trend-adjusted level before the deploy over 10 point\(s\); e-value \S+ ≥ 100/,
    );
  });

  test('orders that halve after the deploy pull the andon when the code path says lower is worse; orders that rise do not', async () => {
    const level =
      (effect: number): Level =>
      (_cohort, minute, name) =>
        name === 'Requests' ? 1000 : name === 'OrdersPlaced' ? (minute >= 0 ? effect : 1) * 50 : 20;
    const drop = (await watchWith(level(0.5), undefined, withTraffic).app({
      action: 'evaluate',
      deploy: deploy(),
      loop: { evaluations: 0 },
      settings,
    })) as {
      outcome: string;
      judgements: SignalJudgement[];
    };
    assert.equal(drop.outcome, 'worse');
    const j = drop.judgements.find((x) => x.worse);
    assert.equal(j?.label, 'Shop/Checkout/OrdersPlaced {Service=checkout}');
    assert.equal(j?.worseWhen, 'lower');
    assert.ok((j?.ratio ?? 1) < 0.6, j?.reason);
    const rise = (await watchWith(level(1.5), undefined, withTraffic).app({
      action: 'evaluate',
      deploy: deploy(),
      loop: { evaluations: 0 },
      settings,
    })) as {
      outcome: string;
    };
    assert.equal(rise.outcome, 'pending');
  });

  test('an execution started before historyDays existed (its settings carry preDeployMinutes) looks on with the default history', async () => {
    const flat = watchWith(() => 20);
    const old = { intervalSeconds: 300, maxEvaluations: 6, preDeployMinutes: 30 };
    const look = (await flat.app({ action: 'evaluate', deploy: deploy(), loop: { evaluations: 0 }, settings: old })) as {
      outcome: string;
      judgements: SignalJudgement[];
    };
    assert.equal(look.outcome, 'pending');
    assert.equal(look.judgements[0]?.baselinePoints, 7 * 1440);
  });

  test('quiet looks clear the deploy after the configured number of looks', async () => {
    const flat = watchWith(() => 20);
    const first = (await flat.app({ action: 'evaluate', deploy: deploy(), loop: { evaluations: 0 }, settings })) as { outcome: string };
    const last = (await flat.app({ action: 'evaluate', deploy: deploy(), loop: { evaluations: 5 }, settings })) as { outcome: string };
    assert.deepEqual([first.outcome, last.outcome], ['pending', 'clear']);
  });
});

describe('the andon cord of a deploy watch', () => {
  test('locks the paths, halts the loop waiting for a fix at once and the validating one at its next look, and the page carries numbers and commands', async () => {
    const open = async (name: string) => {
      const id = `lin-${name}${Date.now().toString(36)}`;
      await t.store.openLineage({
        lineageId: id,
        signal: sampleAlarm({ alarmName: `prod-checkout-${name}`, at: DEPLOY_AT.toISOString(), fingerprint: `fp-${id}` }),
        service: 'checkout',
        codePaths: ['services/checkout/**'],
        budgetUsd: 50,
        at: DEPLOY_AT.toISOString(),
      });
      await t.store.parkForFix(id, `token-${id}`, DEPLOY_AT.toISOString());
      return id;
    };
    const waiting = await open('waiting');
    const validating = await open('validating');
    await t.store.claimFix(
      validating,
      deploy({ deployId: 'an-earlier-fix', at: new Date(DEPLOY_AT.getTime() - 60_000).toISOString() }),
      DEPLOY_AT.toISOString(),
    );

    const sfn = recording<Record<string, unknown>>();
    const { app, published } = watchWith((cohort, minute) => (minute >= 0 && cohort === 'canary-10' ? 40 : 20), sfn);
    const look = (await app({ action: 'evaluate', deploy: deploy({ cohort: 'canary-10' }), loop: { evaluations: 0 }, settings })) as {
      judgements: SignalJudgement[];
      paths: string[];
    };
    const andon = (await app({
      action: 'andon',
      deploy: deploy({ cohort: 'canary-10' }),
      paths: look.paths,
      judgements: look.judgements,
    })) as {
      locked: string[];
      halted: string[];
    };
    assert.deepEqual(andon.locked, ['services/checkout/**']);
    assert.deepEqual([...andon.halted].sort(), [validating, waiting].sort());
    assert.deepEqual(
      sfn.sent.map((s) => [s.command, s.input.taskToken, s.input.error]),
      [['SendTaskFailureCommand', `token-${waiting}`, 'prodloop.Halted']],
    );
    assert.equal((await t.store.getLineage(waiting))?.status, 'halted');
    assert.equal(published.filter((e) => e.type === 'Andon Pulled').length, 1);
    // Pulled again (a retried step): nothing is announced twice.
    await app({ action: 'andon', deploy: deploy({ cohort: 'canary-10' }), paths: look.paths, judgements: look.judgements });
    assert.equal(published.filter((e) => e.type === 'Andon Pulled').length, 1);

    // The validating loop's next check stops it.
    const lineage = makeLineage({
      config,
      store: t.store,
      events: { publish: async () => {} },
      clock: { now: () => NOW },
      logger: quiet,
      workflow: new StepFunctionsLoop(sfn.client as unknown as SFNClient, 'unused'),
    });
    const check = await lineage({ action: 'check', lineageId: validating, loop: { evaluations: 2, recoveredStreak: 0 } });
    assert.equal(check.stop, 'andon');
    assert.equal(check.evaluations, 2, 'the counters travel on');

    // The page, through SNS.
    const sns = recording<PublishCommandInput>();
    const escalate = makeEscalate({
      store: t.store,
      notifier: new SnsNotifier(sns.client as unknown as SNSClient, 'arn:aws:sns:us-east-1:1:escalations'),
      events: { publish: async () => {} },
      clock: { now: () => NOW },
      logger: quiet,
    });
    const paged = await escalate({
      kind: 'deploy-andon',
      deploy: deploy({ cohort: 'canary-10' }),
      judgements: look.judgements,
      prs: [{ number: 812, title: 'Price rounding' }],
      andon: andon,
      revert: {
        proposed: true,
        number: 913,
        url: 'https://github.com/acme/shop/pull/913',
        branch: 'prodloop/revert-deploy-canary-1',
        existing: false,
      },
    });
    assert.equal(paged.subject, '[prodloop] ANDON, deploy made it worse: checkout deploy-canary-1');
    const message = sns.sent[0]?.input as PublishCommandInput;
    assert.equal(message.MessageAttributes?.reason?.StringValue, 'andon');
    const text = String(message.Message);
    assert.deepEqual(
      text.split('\n').filter((l) => /^[A-Z ]+$/.test(l)),
      ['WHAT HAPPENED', 'EVIDENCE', 'WHAT PRODLOOP DID', 'NEXT'],
    );
    assert.match(text, /cohort canary-10/);
    assert.match(
      text,
      /Errors5xx \{Service=checkout\}: \d+(\.\d+)? vs \d+(\.\d+)? \(2\.\d\dx the baseline cohort's\), e-value \S+ ≥ 100, 10 points after, 10 before \(cohort comparison\)/,
    );
    assert.match(text, /Proposed a revert: pull request #913 https:\/\/github\.com\/acme\/shop\/pull\/913/);
    assert.match(text, /Halted 2 fix loop\(s\)/);
    assert.match(text, /npx prodloop quarantine lift 'services\/checkout\/\*\*' --reason "\.\.\."/);
    assert.ok(
      text.split('\n').every((l) => l.length <= 400),
      'short lines, readable on a phone',
    );
  });
});
