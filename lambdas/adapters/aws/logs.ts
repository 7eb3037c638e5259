/**
 * CloudWatch Logs Insights adapter of LogSource: StartQuery over the service's log groups, then
 * GetQueryResults until the query completes or the time budget is spent. Rows become samples (their
 * @timestamp and @message); the caller sanitizes them before anything else sees them.
 */
import { type CloudWatchLogsClient, GetQueryResultsCommand, StartQueryCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { LogSample } from '#domain/signals/series';
import type { LogSource } from '#ports/logs';

export interface LogsInsightsOptions {
  /** How long to wait for the query, in milliseconds (the triage function has 60 s in all). */
  readonly budgetMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export class LogsInsightsSource implements LogSource {
  private readonly budgetMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly client: CloudWatchLogsClient,
    options: LogsInsightsOptions = {},
  ) {
    this.budgetMs = options.budgetMs ?? 20_000;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  async samples(q: { logGroups: readonly string[]; query: string; from: string; to: string; limit: number }): Promise<LogSample[]> {
    if (q.logGroups.length === 0) return [];
    const started = await this.client.send(
      new StartQueryCommand({
        logGroupNames: [...q.logGroups].slice(0, 50),
        queryString: q.query,
        startTime: Math.floor(Date.parse(q.from) / 1000),
        endTime: Math.ceil(Date.parse(q.to) / 1000),
        limit: Math.max(1, Math.min(q.limit, 10_000)),
      }),
    );
    const queryId = started.queryId;
    if (!queryId) throw new Error('Logs Insights returned no query id');
    const deadline = Date.now() + this.budgetMs;
    let wait = 250;
    for (;;) {
      const out = await this.client.send(new GetQueryResultsCommand({ queryId }));
      const status = out.status ?? 'Unknown';
      if (status === 'Complete') return rowsToSamples(out.results ?? [], q.limit);
      if (status === 'Failed' || status === 'Cancelled' || status === 'Timeout' || status === 'Unknown')
        throw new Error(`Logs Insights query ${queryId} ended ${status}`);
      if (Date.now() + wait > deadline) {
        // Partial results are still evidence; say so in the last sample's absence rather than fail.
        const partial = rowsToSamples(out.results ?? [], q.limit);
        if (partial.length > 0) return partial;
        throw new Error(`Logs Insights query ${queryId} still ${status} after ${this.budgetMs} ms`);
      }
      await this.sleep(wait);
      wait = Math.min(wait * 2, 2_000);
    }
  }
}

type Row = readonly { readonly field?: string | undefined; readonly value?: string | undefined }[];

/** Logs Insights rows to samples: @timestamp (`2026-03-02 09:15:02.123`, UTC) and @message. */
export function rowsToSamples(rows: readonly Row[], limit: number): LogSample[] {
  const samples: LogSample[] = [];
  for (const row of rows) {
    const get = (f: string) => row.find((c) => c.field === f)?.value;
    const message = get('@message');
    if (!message) continue;
    const ts = get('@timestamp');
    const at = ts ? new Date(`${ts.replace(' ', 'T')}${/[zZ]|[+-]\d\d:?\d\d$/.test(ts) ? '' : 'Z'}`) : undefined;
    samples.push({ at: at && !Number.isNaN(at.getTime()) ? at.toISOString() : new Date(0).toISOString(), message });
    if (samples.length >= limit) break;
  }
  return samples;
}
