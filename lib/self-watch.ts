/**
 * Operations: prodloop watching itself. Alarms on every dead-letter and parking queue (a message
 * waiting, a message waiting for long) and on every function (errors, throttles), all acting on the
 * escalation topic and all marked as operational: named `prodloop-ops-…`, described "prodloop itself:
 * …" with the first thing to check, so on-call tells them from the incident pages prodloop sends about
 * production. The state machines already alarm on their own executions (`lib/lineage-loop.ts`,
 * `lib/friction.ts`); none of those is repeated here. And one dashboard of all of it. What each alarm
 * means and what to do is in docs/operations.md.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IAlarm,
  type Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { ProdloopFunction } from './function.ts';

/** Every alarm this construct creates is named with this prefix: on-call reads it as "prodloop is broken", not "production is". */
export const OPS_ALARM_PREFIX = 'prodloop-ops-';
/** Every description starts so: the alarm is about prodloop itself. */
export const OPS_DESCRIPTION_PREFIX = 'prodloop itself:';

export interface WatchedQueue {
  /** Short, alarm-name safe: `parking`, `rule-dead-letters`. */
  readonly name: string;
  readonly queue: IQueue;
  /** What a message here is, as a sentence fragment: "an event a function failed on or rejected". */
  readonly holds: string;
  /** The first thing to check when a message arrives. */
  readonly firstCheck: string;
}

export interface SelfWatchProps {
  /** Where the alarms go: the escalation topic. */
  readonly alarmTopic: ITopic;
  /** Every dead-letter and parking queue of the stack. */
  readonly queues: readonly WatchedQueue[];
  /** Every function of the stack, by name. */
  readonly functions: Readonly<Record<string, ProdloopFunction>>;
  /** Every state machine, by name, for the dashboard (their alarms exist already). */
  readonly stateMachines: Readonly<Record<string, IStateMachine>>;
  /** The alarms that exist already on the state machines, shown with these on the dashboard. */
  readonly stateMachineAlarms?: readonly IAlarm[];
  /**
   * The name prefixes of the alarms prodloop watches: none may match an operational alarm, or
   * prodloop would open lineages on its own failures as if they were production's.
   */
  readonly watchedAlarmPrefixes: readonly string[];
  /**
   * How long a message may wait in a queue before the second alarm: messages expire after 14 days.
   * @default Duration.days(1)
   */
  readonly oldestMessageAge?: Duration;
}

export class SelfWatch extends Construct {
  /** By queue name: `visible` (a message is waiting) and `age` (the oldest has waited too long). */
  readonly queueAlarms: Readonly<Record<string, { readonly visible: Alarm; readonly age: Alarm }>>;
  /** By function name. */
  readonly functionAlarms: Readonly<Record<string, { readonly errors: Alarm; readonly throttles: Alarm }>>;
  readonly alarms: readonly Alarm[];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: SelfWatchProps) {
    super(scope, id);
    const stackName = Stack.of(this).stackName;
    const alarmName = (suffix: string) => `${OPS_ALARM_PREFIX}${stackName}-${suffix}`;
    const clash = props.watchedAlarmPrefixes.find((prefix) => alarmName('').startsWith(prefix));
    if (clash !== undefined) {
      throw new Error(
        `the watched alarm name prefix "${clash}" matches prodloop's own operational alarms (${alarmName('…')}): prodloop would open lineages on its own failures; use a longer prefix`,
      );
    }
    const maxAge = props.oldestMessageAge ?? Duration.days(1);

    const topicAction = new SnsAction(props.alarmTopic);
    const alarm = (alarmId: string, name: string, metric: Metric, threshold: number, description: string): Alarm => {
      const created = new Alarm(this, alarmId, {
        alarmName: alarmName(name),
        alarmDescription: `${OPS_DESCRIPTION_PREFIX} ${description}`,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(topicAction);
      return created;
    };

    const queueAlarms: Record<string, { visible: Alarm; age: Alarm }> = {};
    for (const q of props.queues) {
      const visible = q.queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: Duration.minutes(5) });
      const age = q.queue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum', period: Duration.minutes(5) });
      queueAlarms[q.name] = {
        visible: alarm(
          `${q.name}-visible`,
          `${q.name}-visible`,
          visible,
          0,
          `${q.holds} is waiting in the ${q.name} queue. First: ${q.firstCheck} See docs/operations.md.`,
        ),
        age: alarm(
          `${q.name}-age`,
          `${q.name}-age`,
          age,
          maxAge.toSeconds(),
          `a message has waited in the ${q.name} queue for more than ${maxAge.toHumanString()}; messages expire unseen after 14 days. First: ${q.firstCheck} See docs/operations.md.`,
        ),
      };
    }
    this.queueAlarms = queueAlarms;

    const functionAlarms: Record<string, { errors: Alarm; throttles: Alarm }> = {};
    for (const [name, fn] of Object.entries(props.functions)) {
      const period = Duration.minutes(5);
      functionAlarms[name] = {
        errors: alarm(
          `${name}-errors`,
          `${name}-errors`,
          fn.function.metricErrors({ statistic: 'Sum', period }),
          0,
          `the ${name} function failed in the last 5 minutes. First: its log group (the error and its stack trace). See docs/operations.md.`,
        ),
        throttles: alarm(
          `${name}-throttles`,
          `${name}-throttles`,
          fn.function.metricThrottles({ statistic: 'Sum', period }),
          0,
          `the ${name} function was throttled in the last 5 minutes. First: the account's Lambda ConcurrentExecutions against its quota, and what else runs in the account. See docs/operations.md.`,
        ),
      };
    }
    this.functionAlarms = functionAlarms;
    this.alarms = [
      ...Object.values(queueAlarms).flatMap((a) => [a.visible, a.age]),
      ...Object.values(functionAlarms).flatMap((a) => [a.errors, a.throttles]),
    ];

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `prodloop-${stackName}`,
      defaultInterval: Duration.days(1),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: [
          '# prodloop operations',
          `Alarms named \`${OPS_ALARM_PREFIX}*\` (described "${OPS_DESCRIPTION_PREFIX} …") mean prodloop itself is broken, not production: what each means and what to do first is in **docs/operations.md** of the prodloop repository.`,
          'prodloop publishes no metrics of its own work (lineages opened, issues filed) yet: `npx prodloop status --table <TableName>` reads them from the table.',
        ].join('\n\n'),
        width: 24,
        height: 4,
      }),
      new AlarmStatusWidget({
        title: 'prodloop alarms',
        alarms: [...this.alarms, ...(props.stateMachineAlarms ?? [])],
        width: 24,
        height: 6,
      }),
    );
    const queueMetrics = (metric: (q: IQueue) => Metric) =>
      props.queues.map((q) => metric(q.queue).with({ label: q.name, statistic: 'Maximum', period: Duration.minutes(5) }));
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Queues: messages visible',
        left: queueMetrics((q) => q.metricApproximateNumberOfMessagesVisible()),
        width: 12,
      }),
      new GraphWidget({
        title: 'Queues: age of oldest message (seconds)',
        left: queueMetrics((q) => q.metricApproximateAgeOfOldestMessage()),
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      ...Object.entries(props.stateMachines).map(
        ([name, machine]) =>
          new GraphWidget({
            title: `State machine ${name}: executions`,
            left: [
              machine.metricStarted({ statistic: 'Sum', label: 'started' }),
              machine.metricFailed({ statistic: 'Sum', label: 'failed' }),
              machine.metricTimedOut({ statistic: 'Sum', label: 'timed out' }),
            ],
            width: 8,
          }),
      ),
    );
    this.dashboard.addWidgets(
      ...Object.entries(props.functions).map(
        ([name, fn]) =>
          new GraphWidget({
            title: `Function ${name}`,
            left: [
              fn.function.metricErrors({ statistic: 'Sum', label: 'errors' }),
              fn.function.metricThrottles({ statistic: 'Sum', label: 'throttles' }),
            ],
            right: [fn.function.metricDuration({ statistic: 'p99', label: 'duration p99 (ms)' })],
            width: 8,
          }),
      ),
    );
  }
}
