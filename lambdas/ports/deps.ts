/** Everything a handler's core may need from the outside, injected: real adapters on AWS, local ones in local mode and tests. */
import type { ProdloopConfig } from '#domain/config/config';
import type { Clock } from './clock.ts';
import type { CodeHost } from './code-host.ts';
import type { EventPublisher } from './events.ts';
import type { IssueTracker } from './issues.ts';
import type { MetricSource } from './metrics.ts';
import type { Notifier } from './notifier.ts';
import type { LineageStore } from './store.ts';
import type { Workflow } from './workflow.ts';

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
