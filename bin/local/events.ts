/**
 * Events as AWS and CI deliver them, built from a scenario: CloudWatch alarm state changes (every
 * alarm variant), AWS Health events, "Deploy Finished" and "Cost Reported". The local run replays
 * them through the real parsers and handlers; tests and benches build their events with the same
 * functions, so what they feed prodloop has the shape production sends.
 */
import { randomUUID } from 'node:crypto';
import type { Scenario } from './scenario.ts';

export function alarmEvent(s: Scenario, at: Date): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '123456789012',
    time: at.toISOString(),
    region: 'us-east-1',
    resources: [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${s.alarm.name}`],
    detail: {
      alarmName: s.alarm.name,
      state: { value: 'ALARM', reason: `Threshold Crossed: ${s.alarm.metricName} above threshold`, timestamp: at.toISOString() },
      previousState: { value: 'OK', reason: 'Threshold not crossed', timestamp: new Date(at.getTime() - 3_600_000).toISOString() },
      configuration: alarmConfiguration(s),
    },
  };
}

/** The alarm's configuration as its variant's event carries it. */
function alarmConfiguration(s: Scenario): Record<string, unknown> {
  const metricStat = {
    metric: { namespace: s.alarm.namespace, name: s.alarm.metricName, dimensions: s.alarm.dimensions },
    period: s.alarm.periodSeconds,
    stat: s.alarm.stat,
  };
  switch (s.alarm.variant) {
    case 'composite': {
      const children = s.alarm.children.length > 0 ? s.alarm.children : [`${s.alarm.name}-child`];
      return { alarmRule: children.map((c) => `ALARM("${c}")`).join(' OR ') };
    }
    case 'metric-math':
      return {
        metrics: [
          { id: 'e1', expression: 'm1 * 1', label: `${s.alarm.metricName} (expression)`, returnData: true },
          { id: 'm1', metricStat, returnData: false },
        ],
      };
    case 'anomaly-band':
      return {
        metrics: [
          { id: 'm1', metricStat, returnData: true },
          { id: 'ad1', expression: 'ANOMALY_DETECTION_BAND(m1, 2)', label: `${s.alarm.metricName} (expected)`, returnData: true },
        ],
      };
    default:
      return { metrics: [{ id: 'm1', metricStat, returnData: true }] };
  }
}

/** An `AWS Health Event` as EventBridge delivers it. */
export function healthEvent(
  h: { service: string; eventTypeCode: string; status: string; region: string },
  at: Date,
  n: number,
): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'AWS Health Event',
    source: 'aws.health',
    account: '123456789012',
    time: at.toISOString(),
    region: h.region,
    resources: [],
    detail: {
      eventArn: `arn:aws:health:${h.region}::event/${h.service}/${h.eventTypeCode}/${h.eventTypeCode}_LOCAL_${n}`,
      service: h.service,
      eventTypeCode: h.eventTypeCode,
      eventTypeCategory: 'issue',
      statusCode: h.status,
      eventRegion: h.region,
      startTime: at.toUTCString(),
    },
  };
}

export function deployFinishedEvent(d: {
  id: string;
  service: string;
  changedPaths: string[];
  prNumbers: number[];
  commitSha?: string;
  dependencyChanges?: { name: string; from?: string; to?: string }[];
  at: Date;
}): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Deploy Finished',
    source: 'prodloop.ci',
    account: '123456789012',
    time: d.at.toISOString(),
    region: 'us-east-1',
    resources: [],
    detail: {
      deployId: d.id,
      service: d.service,
      environment: 'prod',
      commitSha: d.commitSha ?? `${d.id.replace(/[^0-9a-f]/g, '')}0000000`.slice(0, 7).padEnd(7, 'a'),
      prNumbers: d.prNumbers,
      changedPaths: d.changedPaths,
      dependencyChanges: d.dependencyChanges ?? [],
      status: 'succeeded',
      finishedAt: d.at.toISOString(),
    },
  };
}

/** A "Cost Reported" event, as CI or a coding agent puts it on prodloop's bus. */
export function costReportedEvent(c: {
  lineageId: string;
  amountUsd: number;
  costId: string;
  at: Date;
  source?: string;
}): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Cost Reported',
    source: 'prodloop.ci',
    account: '123456789012',
    time: c.at.toISOString(),
    region: 'us-east-1',
    resources: [],
    detail: { lineageId: c.lineageId, amountUsd: c.amountUsd, source: c.source ?? 'coding-agent', costId: c.costId },
  };
}
