/** Everything a handler's core may need from the outside, injected: real adapters on AWS, local ones in local mode and tests. */
import type { ProdloopConfig } from '#domain/config/config';
import { signalRules } from '#domain/validation/signal-rule';
import type { Clock, CodeHost, EventPublisher, IssueTracker, LineageStore, MetricSource, Notifier, Workflow } from './ports.ts';

export interface LoggerLike {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/** Where events no parser accepts are parked, with the reason, for a human to redrive. */
export interface ParkingLot {
  park(event: unknown, reason: string, source: string): Promise<void>;
}

export interface Deps {
  readonly config: ProdloopConfig;
  readonly store: LineageStore;
  readonly tracker: IssueTracker;
  readonly notifier: Notifier;
  readonly metrics: MetricSource;
  readonly workflow: Workflow;
  readonly events: EventPublisher;
  readonly parking: ParkingLot;
  readonly clock: Clock;
  readonly logger: LoggerLike;
  /** Pull requests a deploy ships, and revert pull requests; optional where a function never needs it. */
  readonly codeHost?: CodeHost;
}

/** Settings the lineage execution carries in its input, so the ASL reads them with JSONPath. */
export function executionSettings(config: ProdloopConfig) {
  return {
    validationIntervalSeconds: config.validation.intervalSeconds,
    recoveredEvaluations: config.validation.recoveredEvaluations,
    maxEvaluations: config.validation.maxEvaluations,
    minPoints: 3,
    recoveryMinutes: config.validation.recoveryMinutes,
    recoveryMargin: config.validation.recoveryMargin,
    settleMinutes: config.validation.settleMinutes,
    historyMinutes: Math.round(config.validation.historyDays * 1440),
    preDeployMinutes: config.validation.preDeployMinutes,
    signals: signalRules(config),
  };
}
