/** CloudWatch metrics (or a replay of them). */
import type { Point, TenantSeries } from '#domain/signals/series';
import type { MetricRef } from '#domain/signals/signals';

export interface MetricSource {
  /** Values of the alarm's metric (or its expression) between two instants, oldest first. */
  series(metric: readonly MetricRef[], from: string, to: string): Promise<Point[]>;
  /** Tenants with data in the window, and those among them in breach. */
  tenants(metric: readonly MetricRef[], tenantDimension: string, from: string, to: string): Promise<{ active: number; affected: number }>;
  /**
   * The metric per tenant (a SEARCH over the tenant dimension), so triage tests each tenant at the
   * onset itself. Optional: without it breadth comes from `tenants`.
   */
  tenantSeries?(metric: readonly MetricRef[], tenantDimension: string, from: string, to: string): Promise<TenantSeries[]>;
}
