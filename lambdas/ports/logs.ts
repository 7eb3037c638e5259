import type { LogSample } from '#domain/signals/series';

/** CloudWatch Logs Insights (or a replay of it). */
export interface LogSource {
  /** Runs the query over the log groups between two instants; its rows as samples, newest first, at most `limit`. */
  samples(query: { logGroups: readonly string[]; query: string; from: string; to: string; limit: number }): Promise<LogSample[]>;
}
