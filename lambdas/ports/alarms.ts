/** CloudWatch alarms: their description and their tags. */
import type { MetricRef } from '#domain/signals/signals';

/** An alarm as CloudWatch describes it. */
export interface AlarmDescription {
  readonly alarmName: string;
  readonly state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';
  /** When the alarm entered its state. */
  readonly stateSince?: string;
  /** A metric alarm's metrics (metric math and anomaly bands as expressions); empty for a composite alarm. */
  readonly metrics: readonly MetricRef[];
  /** A composite alarm's rule: the alarms it names. */
  readonly childAlarms: readonly string[];
  /** A metric alarm's comparison operator (`GreaterThanThreshold`, `LessThanThreshold`…): which way is worse. */
  readonly comparisonOperator?: string;
}

/** Tags of CloudWatch alarms, for watching alarms by tag. */
export interface AlarmTags {
  /**
   * The alarm's tags; `undefined` when the alarm no longer exists. Throws TransientError when AWS
   * throttles or fails, and an error that says why when the tags cannot be read (access denied).
   */
  tagsOf(alarmArn: string): Promise<Readonly<Record<string, string>> | undefined>;
}

/** CloudWatch alarms: composite alarms resolve to their children; alarms in ALARM show how wide an outage is. */
export interface AlarmDirectory {
  /** Describes alarms by name (metric and composite); names CloudWatch does not know are left out. */
  describe(alarmNames: readonly string[]): Promise<AlarmDescription[]>;
  /** Metric alarms in ALARM now. */
  inAlarm(): Promise<AlarmDescription[]>;
}
