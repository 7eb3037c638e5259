/**
 * Cold-start wiring shared by the handlers: the environment parsed once with zod (a bad value fails
 * the cold start with a clear message), the logger, the table. Each handler builds only the clients
 * it uses, so its bundle carries only those.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as z from 'zod';
import { DynamoDbLineageStore } from '#adapters/dynamodb/store';
import { parseConfig } from '#domain/config/config';
import type { IssueDraft } from '#domain/issue/messages';
import { type IssueRef, lineage as lineageSchema } from '#domain/lineage/lineage';
import { ConfigError } from '#domain/shared/errors';
import { systemClock } from '#ports/clock';
import type { LoggerLike } from '#ports/deps';
import type { IssueTracker } from '#ports/issues';
import type { LineageStore } from '#ports/store';

const env = z.object({
  TABLE_NAME: z.string().min(1),
  PRODLOOP_CONFIG: z.string().min(2),
  STATE_MACHINE_ARN: z.string().optional(),
  EVENT_BUS_NAME: z.string().optional(),
  TOPIC_ARN: z.string().optional(),
  GITHUB_TOKEN_SECRET_ID: z.string().optional(),
  PARKING_QUEUE_URL: z.string().optional(),
});
export type RuntimeEnv = z.infer<typeof env>;

export function readEnv(source: NodeJS.ProcessEnv = process.env): RuntimeEnv {
  const parsed = env.safeParse(source);
  if (!parsed.success)
    throw new ConfigError(`environment is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export function requireEnv(value: string | undefined, name: string): string {
  if (!value) throw new ConfigError(`environment variable ${name} is required by this function`);
  return value;
}

export function runtime() {
  const e = readEnv();
  let raw: unknown;
  try {
    raw = JSON.parse(e.PRODLOOP_CONFIG);
  } catch (error) {
    throw new ConfigError(`PRODLOOP_CONFIG is not JSON: ${(error as Error).message}`);
  }
  const config = parseConfig(raw, 'PRODLOOP_CONFIG');
  const logger = powertoolsLogger(new Logger({ serviceName: 'prodloop' }));
  const store = new DynamoDbLineageStore({ client: new DynamoDBClient({}), tableName: e.TABLE_NAME });
  return { env: e, config, logger, store, clock: systemClock };
}

/** Powertools Logger behind the core's LoggerLike: structured JSON with the extra keys merged in. */
export function powertoolsLogger(logger: Logger): LoggerLike {
  const at = (level: 'info' | 'warn' | 'error') => (message: string, extra?: Record<string, unknown>) =>
    extra ? logger[level](message, extra as Record<string, never>) : logger[level](message);
  return { info: at('info'), warn: at('warn'), error: at('error') };
}

/**
 * Shadow mode on AWS: the issue is not sent to GitHub; it is written to the lineage's audit trail as
 * a dry-run record (title, labels, body) and numbered deterministically from the lineage id.
 */
export class AuditTrailIssueTracker implements IssueTracker {
  constructor(
    private readonly store: LineageStore,
    private readonly clock = systemClock,
  ) {}

  async fileIssue(draft: IssueDraft): Promise<IssueRef> {
    const number = Number.parseInt(draft.lineageId.replace(/[^0-9a-f]/g, '').slice(0, 6) || '1', 16) + 1;
    const issue: IssueRef = { number, url: `shadow://issues/${draft.lineageId}`, kind: draft.kind, shadow: true };
    await this.record(draft.lineageId, 'shadow-issue-filed', {
      title: draft.title,
      labels: draft.labels,
      assignees: draft.assignees,
      body: draft.body,
      number,
    });
    return issue;
  }
  async comment(issue: IssueRef, body: string): Promise<void> {
    await this.record(lineageOf(issue), 'shadow-issue-comment', { number: issue.number, body });
  }
  async close(issue: IssueRef, comment: string): Promise<void> {
    await this.record(lineageOf(issue), 'shadow-issue-closed', { number: issue.number, comment });
  }
  async update(issue: IssueRef, change: { body?: string; labels?: readonly string[] }): Promise<void> {
    await this.record(lineageOf(issue), 'shadow-issue-updated', { number: issue.number, ...change });
  }
  private async record(lineageId: string, action: string, detail: Record<string, unknown>) {
    await this.store.appendAudit({ lineageId, at: this.clock.now().toISOString(), actor: 'prodloop', action, detail });
  }
}

const lineageOf = (issue: IssueRef) => lineageSchema.shape.lineageId.parse(issue.url.replace('shadow://issues/', ''));
