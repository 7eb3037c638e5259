/** Sample domain records for tests: one lineage of the checkout service, overridden where a test needs. */
import type { IssueDraft } from '#domain/issue/messages';
import { type IssueMetadata, lineageMarker } from '#domain/issue/metadata';
import { type Decision, decision, type Lineage, lineage } from '#domain/lineage/lineage';
import type { AlarmSignal, MetricRef } from '#domain/signals/signals';

/** A lineage just opened by the `checkout-5xx-rate` alarm, triaging, with no issue yet. */
export function sampleLineage(overrides: Partial<Lineage> = {}): Lineage {
  return lineage.parse({
    lineageId: 'lin-checkout-5xx',
    generation: 1,
    status: 'triaging',
    fingerprint: 'fp-checkout-5xx',
    alarmName: 'checkout-5xx-rate',
    service: 'checkout',
    codePaths: ['services/checkout/**'],
    openedAt: '2026-11-22T14:05:00.000Z',
    updatedAt: '2026-11-22T14:37:00.000Z',
    signal: {
      kind: 'alarm',
      source: 'eventbridge',
      alarmName: 'checkout-5xx-rate',
      state: 'ALARM',
      previousState: 'OK',
      reason: 'Threshold Crossed: 1 datapoint [0.049] was greater than the threshold (0.03).',
      at: '2026-11-22T14:05:00.000Z',
      variant: 'single-metric',
      metrics: [{ namespace: 'Shop', metricName: 'ErrorRate', dimensions: { Service: 'checkout' }, stat: 'Average', periodSeconds: 60 }],
      fingerprint: 'fp-checkout-5xx',
    },
    iterations: 0,
    costUsd: 0,
    budgetUsd: 50,
    version: 1,
    ...overrides,
  });
}

/** A lineage of the checkout service that `alarmName` opened at `at` and triage is about to measure through `metrics`. */
export function triagingLineage(o: { lineageId: string; alarmName: string; at: string; metrics: MetricRef[] }): Lineage {
  return lineage.parse({
    lineageId: o.lineageId,
    generation: 1,
    status: 'triaging',
    fingerprint: 'f',
    alarmName: o.alarmName,
    service: 'checkout',
    codePaths: ['services/checkout/**'],
    openedAt: o.at,
    updatedAt: o.at,
    signal: {
      kind: 'alarm',
      source: 'eventbridge',
      alarmName: o.alarmName,
      state: 'ALARM',
      at: o.at,
      variant: 'single-metric',
      metrics: o.metrics,
      fingerprint: 'f',
    },
    iterations: 0,
    costUsd: 0,
    budgetUsd: 50,
    version: 0,
  });
}

/** The machine-readable block of the sample lineage's issue (its alarm, onset and triage numbers). */
export function sampleMetadata(lineageId: string, options: { generation?: number; kind?: IssueDraft['kind'] } = {}): IssueMetadata {
  return {
    lineageId,
    signalSource: 'cloudwatch-alarm',
    alarmName: 'checkout-5xx-rate',
    onset: '2026-11-22T14:02:00.000Z',
    breadth: 0.3,
    tenantsAffected: 12,
    tenantsActive: 40,
    confidence: 0.82,
    attribution: 'platform-deploy',
    tier: 1,
    priority: 'P1',
    kind: options.kind ?? 'issue',
    generation: options.generation ?? 1,
    prodloopVersion: 1,
  };
}

/** An issue draft for `lineageId`: a one-line summary, the lineage marker and the metadata block. */
export function sampleDraft(
  lineageId: string,
  options: { generation?: number; kind?: IssueDraft['kind']; title?: string; summary?: string } = {},
): IssueDraft {
  const metadata = sampleMetadata(lineageId, options);
  return {
    lineageId,
    kind: metadata.kind,
    title: options.title ?? `[prodloop] checkout-5xx-rate: ErrorRate 4.1× baseline since 14:02 UTC (${lineageId})`,
    body: `${options.summary ?? `Summary for ${lineageId}.`}\n\n${lineageMarker(lineageId)}\n\`\`\`json prodloop-metadata\n${JSON.stringify(metadata, null, 2)}\n\`\`\`\n`,
    labels: ['prodloop', 'agent-ready', 'priority:P1', 'tier:1'],
    assignees: [],
  };
}

/** Triage's decision on the sample lineage: actionable, tier 1, a 4.1× shift since 14:02, blamed on deploy d-42. */
export function sampleDecision(overrides: Partial<Decision> = {}): Decision {
  return decision.parse({
    kind: 'actionable',
    tier: 1,
    priority: 'P1',
    confidence: 0.82,
    attribution: 'platform-deploy',
    reasons: ['signal-to-noise 12.4 is above 3', 'breadth 30% is above 5%', 'deploy d-42 finished 22 min before the onset'],
    evidence: {
      baseline: { from: '2026-11-22T12:00:00.000Z', to: '2026-11-22T13:55:00.000Z', mean: 0.012, stddev: 0.003, points: 115 },
      current: { from: '2026-11-22T14:02:00.000Z', to: '2026-11-22T14:37:00.000Z', mean: 0.0492, stddev: 0.006, points: 35 },
      onset: '2026-11-22T14:02:00.000Z',
      durationMinutes: 35,
      signalToNoise: 12.4,
      ratio: 4.1,
      tenantsAffected: 12,
      tenantsActive: 40,
      breadth: 0.3,
      suspectDeploys: [
        {
          kind: 'deploy',
          source: 'codedeploy',
          deployId: 'd-42',
          service: 'checkout',
          status: 'succeeded',
          at: '2026-11-22T13:40:00.000Z',
          commitSha: 'a'.repeat(40),
          previousSha: 'b'.repeat(40),
          prNumbers: [118, 121],
          changedPaths: ['services/checkout/src/pay.ts'],
          recordedAt: '2026-11-22T13:40:05.000Z',
        },
      ],
      candidates: [
        { cause: 'external-dependency', confidence: 0.1, why: 'no provider health events' },
        { cause: 'platform-deploy', confidence: 0.82, why: 'd-42 changed services/checkout 22 min before the onset', deployId: 'd-42' },
      ],
    },
    ...overrides,
  });
}

/** A single-metric alarm in ALARM, as ingest parses it from EventBridge. */
export function sampleAlarm(o: { alarmName: string; at: string; fingerprint: string; metrics?: MetricRef[] }): AlarmSignal {
  return {
    kind: 'alarm',
    source: 'eventbridge',
    alarmName: o.alarmName,
    state: 'ALARM',
    reason: '',
    at: o.at,
    variant: 'single-metric',
    metrics: o.metrics ?? [],
    childAlarms: [],
    fingerprint: o.fingerprint,
  };
}
