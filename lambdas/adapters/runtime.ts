/**
 * Cold-start wiring shared by the handlers: the environment parsed once with the schema of
 * lambdas/adapters/env.ts (a bad value fails the cold start with a clear message), the logger, the
 * table. Each handler builds only the clients it uses, so its bundle carries only those.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbLineageStore } from '#adapters/dynamodb/store';
import { configJson, ENV, parseEnv, type RuntimeEnv, runtimeEnvSchema } from '#adapters/env';
import { parseConfig } from '#domain/config/config';
import { type IssueRef, lineage as lineageSchema } from '#domain/lineage/lineage';
import type { LoggerLike } from '#ports/deps';
import type { IssueDraft, IssueTracker, LineageStore } from '#ports/ports';
import { systemClock } from '#ports/ports';

/** The lineage loop's environment (lambdas/adapters/env.ts); a bad value fails the cold start with a ConfigError naming it. */
export function readEnv(source: Record<string, string | undefined> = process.env): RuntimeEnv {
  return parseEnv(runtimeEnvSchema, source);
}

export function runtime() {
  const e = readEnv();
  const config = parseConfig(configJson(e[ENV.config]), ENV.config);
  const logger = powertoolsLogger(new Logger({ serviceName: 'prodloop' }));
  const store = new DynamoDbLineageStore({ client: new DynamoDBClient({}), tableName: e[ENV.tableName] });
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
