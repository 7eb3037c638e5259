/**
 * The DynamoDB adapter of LineageStore, on the one table (`tableSchema`).
 *
 * Item design (pk / sk, and what else the item carries):
 *
 * | record        | pk                          | sk                               | also                                   |
 * | ------------- | --------------------------- | -------------------------------- | -------------------------------------- |
 * | lineage       | `LINEAGE#<lineageId>`       | `META`                           | kind=lineage, updatedAt (byKind index) |
 * | audit event   | `LINEAGE#<lineageId>`       | `AUDIT#<at, UTC>#<tiebreak>`     | the event                              |
 * | deploy        | `DEPLOY#<service>`          | `<at, UTC>#<deployId>#<status>`  | the deploy, recordedAt, expiresAt 30 d |
 * | health event  | `HEALTH#<service>`          | `<at, UTC>#<eventArn>`           | the event, expiresAt 30 d              |
 * | quarantine    | `LOCK#<path>`               | `LOCK`                           | kind=lock, updatedAt=lockedAt (index)  |
 * | once-key      | `ONCE#<key>`                | `ONCE`                           | at, expiresAt                          |
 *
 * Once-keys make writes idempotent: `charge:<chargeId>` (charges), `deploy:<deployId>:<status>`
 * (deploys), `health:<eventArn>` (health events), and any key handed to `claimOnce`. A once-key
 * whose `expiresAt` has passed counts as free even before TTL deletes it.
 *
 * Only lineage and lock items carry both `kind` and `updatedAt`, so the byKind index holds just
 * them (a sparse index): listing lineages or locks never scans. Audit events sort by their instant
 * in UTC, then by a per-process increasing tiebreak, so a trail reads oldest first.
 *
 * Every counter, status change and lock is a conditional write or a TransactWriteItems; every item
 * read back is validated with the zod schemas of the core. What a lineage write changes is decided
 * by the pure rules of domain/lineage/transitions.ts: the adapter reads the lineage, applies the
 * rule, and writes its change conditional on the version it read.
 *
 * The class stays one over 400 lines: it implements every port of the one table (lineages, fix waits,
 * budgets, audit log, deploy log, locks, once-keys), and several writes span those concerns in one
 * transaction (a lineage with its audit event, a charge with its once-key and the lineage's budget, a
 * lifted lock with the lineage's audit event, a deploy or health event with its once-key). Keys, items
 * and expressions are in items.ts; telling DynamoDB's errors apart, and the backoff, in conflicts.ts.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  type AuditEvent,
  auditEvent,
  type HaltReason,
  type IssueRef,
  issueRef,
  type Lineage,
  type QuarantineLock,
  quarantineLock,
  type RecordedDeploy,
  recordedDeploy,
} from '#domain/lineage/lineage';
import * as rules from '#domain/lineage/transitions';
import { ConflictError, NotFoundError } from '#domain/shared/errors';
import { isoUtc } from '#domain/shared/time';
import { type DeploySignal, deploySignal, type HealthSignal, healthSignal } from '#domain/signals/signals';
import type { ChargeInput, ChargeResult } from '#ports/budgets';
import type { OpenLineageInput, OpenLineageResult, StatusChange } from '#ports/lineages';
import type { LineageStore } from '#ports/store';
import type { ClaimFixResult } from '#ports/waits';
import { backoff, cancellationReasons, conditionFailure, isConditionalCheckFailed, isTransientConflict, raise } from './conflicts.ts';
import {
  BY_KIND,
  compact,
  Expressions,
  epochSeconds,
  fromAttributeMap,
  type Item,
  lineageItem,
  lineageKey,
  lineagePk,
  lockItem,
  lockKey,
  PK,
  parseItem,
  parseLineage,
  parseLock,
  SK,
  TTL,
  tiebreak,
} from './items.ts';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
type PutAction = TransactItem & { Put: NonNullable<TransactItem['Put']> };

const DAY_SECONDS = 24 * 60 * 60;
/** How long deploys, health events and their once-keys (and charge once-keys) are kept. */
export const RECORD_TTL_SECONDS = 30 * DAY_SECONDS;
/** DynamoDB takes at most 100 actions in one TransactWriteItems and 100 keys in one BatchGetItem. */
const MAX_TRANSACT_ITEMS = 100;
/** Attempts of a write that keeps losing to concurrent transactions before giving up. */
const MAX_ATTEMPTS = 12;

const FINISHED_DEPLOY_STATUSES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'rolled-back']);

export interface DynamoDbLineageStoreOptions {
  readonly client: DynamoDBDocumentClient | DynamoDBClient;
  readonly tableName: string;
}

export class DynamoDbLineageStore implements LineageStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: DynamoDbLineageStoreOptions) {
    this.doc =
      options.client instanceof DynamoDBDocumentClient
        ? options.client
        : DynamoDBDocumentClient.from(options.client, { marshallOptions: { removeUndefinedValues: true } });
    this.tableName = options.tableName;
  }

  // ---------------------------------------------------------------------------------------------
  // Lineages

  async openLineage(input: OpenLineageInput): Promise<OpenLineageResult> {
    const first = rules.firstGeneration(input);

    // The lineage and its 'lineage-opened' event are written together: a retry after a failure
    // never finds a lineage in flight that no execution was started for.
    let existing: Lineage;
    try {
      await this.transact([
        {
          Put: {
            TableName: this.tableName,
            Item: lineageItem(first),
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': PK },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        this.auditPut(rules.openedEvent(first)),
      ]);
      return { started: true, lineage: first, executionName: rules.executionNameOf(first.lineageId, first.generation) };
    } catch (error) {
      const reason = conditionFailure(error, 0);
      if (!reason) throw error;
      existing =
        (reason.Item ? parseLineage(fromAttributeMap(reason.Item)) : await this.getLineage(input.lineageId)) ??
        raise(new ConflictError(`lineage ${input.lineageId} vanished`, { cause: error }));
    }

    const opened = rules.nextGeneration(existing, input);
    if (!opened) return { started: false, lineage: existing };
    try {
      await this.transact([
        {
          Put: {
            TableName: this.tableName,
            Item: lineageItem(opened),
            ConditionExpression: '#version = :version',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':version': existing.version },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        this.auditPut(rules.openedEvent(opened)),
      ]);
      return { started: true, lineage: opened, executionName: rules.executionNameOf(opened.lineageId, opened.generation) };
    } catch (error) {
      const reason = conditionFailure(error, 0);
      if (!reason) throw error;
      // Another alarm opened the new generation first.
      const fresh = reason.Item ? parseLineage(fromAttributeMap(reason.Item)) : await this.getLineage(input.lineageId);
      return { started: false, lineage: fresh ?? existing };
    }
  }

  async claimStart(lineageId: string, executionName: string, at: string): Promise<string | undefined> {
    return this.rewrite(lineageId, (current) => rules.claimStart(current, executionName, at));
  }

  async releaseStart(lineageId: string, executionName: string, claim: string, at: string): Promise<boolean> {
    return this.rewrite(lineageId, (current) => rules.releaseStart(current, executionName, claim, at));
  }

  async confirmStarted(lineageId: string, executionName: string, at: string): Promise<boolean> {
    return this.rewrite(lineageId, (current) => rules.confirmStarted(current, executionName, at));
  }

  async recordMeasured(lineageId: string, measured: NonNullable<Lineage['measured']>, at: string): Promise<void> {
    await this.rewrite(lineageId, (current) => rules.recordMeasured(current, measured, at));
  }

  async getLineage(lineageId: string): Promise<Lineage | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: lineageKey(lineageId), ConsistentRead: true }));
    return out.Item ? parseLineage(out.Item) : undefined;
  }

  /** Every lineage, most recently updated first. */
  async listLineages(): Promise<Lineage[]> {
    const items = await this.queryAll(this.byKindQuery('lineage', { newestFirst: true }));
    return items.map(parseLineage);
  }

  async transition(lineageId: string, change: StatusChange): Promise<Lineage> {
    if (change.from.length === 0) {
      const current = await this.requireLineage(lineageId);
      throw new ConflictError(`lineage ${lineageId} is ${current.status}; no status to move from was given`);
    }
    const expr = new Expressions();
    const update = expr.update({ set: { status: change.to, updatedAt: change.at }, add: { version: 1 } });
    const condition = `attribute_exists(${expr.name(PK)}) AND ${expr.name('status')} IN (${change.from.map((s) => expr.value(s)).join(', ')})`;
    const audit = this.auditPut({
      lineageId,
      at: change.at,
      actor: change.actor,
      action: change.action,
      detail: { status: change.to, ...change.detail },
    });
    try {
      await this.transact([
        {
          Update: {
            TableName: this.tableName,
            Key: lineageKey(lineageId),
            UpdateExpression: update,
            ConditionExpression: condition,
            ...expr.attributes(),
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        audit,
      ]);
    } catch (error) {
      const reason = conditionFailure(error, 0);
      if (!reason) throw error;
      if (!reason.Item) throw new NotFoundError(`no lineage ${lineageId}`);
      const current = parseLineage(fromAttributeMap(reason.Item));
      throw new ConflictError(
        `lineage ${lineageId} is ${current.status}, not ${change.from.join(' or ')}: cannot move it to ${change.to}`,
        { cause: error },
      );
    }
    return this.requireLineage(lineageId);
  }

  async recordIssue(lineageId: string, issue: IssueRef, at: string): Promise<Lineage> {
    const expr = new Expressions();
    const update = expr.update({ set: { issue: issueRef.parse(issue), updatedAt: at }, add: { version: 1 } });
    const exists = `attribute_exists(${expr.name(PK)})`;
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: lineageKey(lineageId),
          UpdateExpression: update,
          ConditionExpression: exists,
          ...expr.attributes(),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return parseLineage(out.Attributes);
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new NotFoundError(`no lineage ${lineageId}`, { cause: error });
      throw error;
    }
  }

  async charge(input: ChargeInput, limits: { iterationCap: number }): Promise<ChargeResult> {
    if (!Number.isFinite(input.costUsd) || input.costUsd < 0) {
      throw new RangeError(`a charge must be a finite, non-negative amount (got ${input.costUsd})`);
    }
    const expr = new Expressions();
    const update = expr.update({
      set: { updatedAt: input.at },
      add: {
        costUsd: input.costUsd,
        version: 1,
        ...(input.iteration ? { iterations: 1 } : {}),
        ...(input.category === 'reported' ? { reportedCostUsd: input.costUsd } : {}),
        ...(input.category === 'prodloop' ? { ownCostUsd: input.costUsd } : {}),
      },
    });
    const exists = `attribute_exists(${expr.name(PK)})`;
    let applied = true;
    try {
      await this.transact([
        this.oncePut(`charge:${input.chargeId}`, input.at, RECORD_TTL_SECONDS, { lineageId: input.lineageId, reason: input.reason }),
        {
          Update: {
            TableName: this.tableName,
            Key: lineageKey(input.lineageId),
            UpdateExpression: update,
            ConditionExpression: exists,
            ...expr.attributes(),
          },
        },
        ...(input.audit ? [this.auditPut(input.audit)] : []),
      ]);
    } catch (error) {
      if (conditionFailure(error, 1)) throw new NotFoundError(`no lineage ${input.lineageId}`, { cause: error });
      if (!conditionFailure(error, 0)) throw error;
      applied = false;
    }
    const current = await this.requireLineage(input.lineageId);
    return { lineage: current, applied, ...rules.chargeLimits(current, limits.iterationCap) };
  }

  async resetBudget(lineageId: string, by: { actor: string; reason: string; at: string; budgetUsd?: number }): Promise<Lineage> {
    if (by.budgetUsd !== undefined && !(Number.isFinite(by.budgetUsd) && by.budgetUsd > 0)) {
      throw new RangeError(`a budget must be a positive amount (got ${by.budgetUsd})`);
    }
    await this.rewrite(lineageId, (current) => rules.resetBudget(current, by));
    return this.requireLineage(lineageId);
  }

  // ---------------------------------------------------------------------------------------------
  // Fix deploys, halts and hand-overs between executions

  async claimFix(lineageId: string, deploy: DeploySignal, at: string): Promise<ClaimFixResult> {
    return this.rewrite(lineageId, (current) => rules.claimFix(current, deploy, at));
  }

  async unclaimFix(lineageId: string, deployId: string, taskToken: string, at: string): Promise<boolean> {
    return this.rewrite(lineageId, (current) => rules.unclaimFix(current, deployId, taskToken, at));
  }

  async parkForFix(lineageId: string, taskToken: string, at: string): Promise<{ lineage: Lineage; queued?: DeploySignal }> {
    const queued = await this.rewrite(lineageId, (current) => rules.parkForFix(current, taskToken, at));
    const lineage = await this.requireLineage(lineageId);
    return queued ? { lineage, queued } : { lineage };
  }

  async takeFixToken(lineageId: string, reason: HaltReason, at: string, detail: Record<string, unknown> = {}): Promise<string | undefined> {
    return this.rewrite(lineageId, (current) => rules.takeFixToken(current, reason, at, detail));
  }

  async releaseHaltToken(lineageId: string, token: string, at: string): Promise<boolean> {
    return this.rewrite(lineageId, (current) => rules.releaseHaltToken(current, token, at));
  }

  async parkForHuman(lineageId: string, taskToken: string, reason: HaltReason, at: string): Promise<Lineage> {
    await this.rewrite(lineageId, (current) => rules.parkForHuman(current, taskToken, reason, at));
    return this.requireLineage(lineageId);
  }

  async releaseHuman(
    lineageId: string,
    by: { actor: string; reason: string; at: string },
  ): Promise<{ lineage: Lineage; taskToken?: string }> {
    const token = await this.rewrite(lineageId, (current) => rules.releaseHuman(current, by));
    const lineage = await this.requireLineage(lineageId);
    return token ? { lineage, taskToken: token } : { lineage };
  }

  async continueExecution(lineageId: string, from: string, to: string, at: string): Promise<Lineage> {
    await this.rewrite(lineageId, (current) => rules.continueExecution(current, from, to, at));
    return this.requireLineage(lineageId);
  }

  // ---------------------------------------------------------------------------------------------
  // Audit trail

  async appendAudit(event: AuditEvent): Promise<void> {
    await this.doc.send(new PutCommand(this.auditPut(event).Put));
  }

  /** The lineage's audit events, oldest first. */
  async auditTrail(lineageId: string): Promise<AuditEvent[]> {
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :audit)',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: { ':pk': lineagePk(lineageId), ':audit': 'AUDIT#' },
      ConsistentRead: true,
      ScanIndexForward: true,
    });
    return items.map((item) => parseItem(auditEvent, item));
  }

  // ---------------------------------------------------------------------------------------------
  // Deploys and health events

  async recordDeploy(deploy: DeploySignal, recordedAt: string): Promise<boolean> {
    const parsed = deploySignal.parse(deploy);
    const record: RecordedDeploy = recordedDeploy.parse({ ...parsed, recordedAt });
    const expiresAt = epochSeconds(recordedAt) + RECORD_TTL_SECONDS;
    return this.recordOnce(`deploy:${parsed.deployId}:${parsed.status}`, recordedAt, {
      ...record,
      [PK]: `DEPLOY#${parsed.service}`,
      [SK]: `${isoUtc(parsed.at)}#${parsed.deployId}#${parsed.status}`,
      [TTL]: expiresAt,
    });
  }

  /** Deploys of the service that finished (succeeded, failed, rolled back) between the two instants, inclusive, oldest first. */
  async deploysBetween(service: string, from: string, to: string): Promise<RecordedDeploy[]> {
    const lower = isoUtc(from);
    const upper = `${isoUtc(to)}~`;
    if (lower > upper) return [];
    const items = await this.queryAll({
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      ExpressionAttributeNames: { '#pk': PK, '#sk': SK },
      ExpressionAttributeValues: { ':pk': `DEPLOY#${service}`, ':from': lower, ':to': upper },
      ConsistentRead: true,
      ScanIndexForward: true,
    });
    return items.map((item) => parseItem(recordedDeploy, item, { keepKind: true })).filter((d) => FINISHED_DEPLOY_STATUSES.has(d.status));
  }

  async recordHealthEvent(event: HealthSignal): Promise<boolean> {
    const parsed = healthSignal.parse(event);
    return this.recordOnce(`health:${parsed.eventArn}`, parsed.at, {
      ...parsed,
      [PK]: `HEALTH#${parsed.service}`,
      [SK]: `${isoUtc(parsed.at)}#${parsed.eventArn}`,
      [TTL]: epochSeconds(parsed.at) + RECORD_TTL_SECONDS,
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Quarantine locks

  async lockPaths(locks: readonly QuarantineLock[]): Promise<QuarantineLock[]> {
    const requested = new Map<string, QuarantineLock>();
    for (const lock of locks) {
      const parsed = quarantineLock.parse(lock);
      if (!requested.has(parsed.path)) requested.set(parsed.path, parsed);
    }
    let pending = [...requested.values()];
    while (pending.length > 0) {
      const batch = pending.slice(0, MAX_TRANSACT_ITEMS);
      try {
        await this.transact(
          batch.map((lock) => ({
            Put: {
              TableName: this.tableName,
              Item: lockItem(lock),
              ConditionExpression: 'attribute_not_exists(#pk)',
              ExpressionAttributeNames: { '#pk': PK },
            },
          })),
        );
        pending = pending.slice(batch.length);
      } catch (error) {
        const reasons = cancellationReasons(error);
        if (!reasons?.some((r) => r.Code === 'ConditionalCheckFailed')) throw error;
        // Paths locked already keep their first lock: lock only the others.
        const held = new Set(batch.filter((_, i) => reasons[i]?.Code === 'ConditionalCheckFailed').map((l) => l.path));
        pending = pending.filter((l) => !held.has(l.path));
      }
    }
    return this.getLocks([...requested.keys()]);
  }

  /** Every lock, oldest first. */
  async listLocks(): Promise<QuarantineLock[]> {
    const items = await this.queryAll(this.byKindQuery('lock', { newestFirst: false }));
    return items.map(parseLock);
  }

  async liftLock(path: string, by: { actor: string; reason: string; at: string }): Promise<QuarantineLock> {
    for (let attempt = 1; ; attempt++) {
      const [lock] = await this.getLocks([path]);
      if (!lock) throw new NotFoundError(`no lock on ${path}`);
      try {
        await this.transact([
          {
            Delete: {
              TableName: this.tableName,
              Key: lockKey(path),
              ConditionExpression: '#lineageId = :lineageId AND #lockedAt = :lockedAt',
              ExpressionAttributeNames: { '#lineageId': 'lineageId', '#lockedAt': 'lockedAt' },
              ExpressionAttributeValues: { ':lineageId': lock.lineageId, ':lockedAt': lock.lockedAt },
            },
          },
          this.auditPut({
            lineageId: lock.lineageId,
            at: by.at,
            actor: by.actor,
            action: 'quarantine-lifted',
            detail: { path, reason: by.reason, lockReason: lock.reason, lockedAt: lock.lockedAt, deployId: lock.deployId },
          }),
        ]);
        return lock;
      } catch (error) {
        // Lifted or replaced since it was read: read it again.
        if (!conditionFailure(error, 0)) throw error;
        if (attempt >= MAX_ATTEMPTS) throw new ConflictError(`the lock on ${path} kept changing; not lifted`, { cause: error });
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Idempotency

  async claimOnce(key: string, ttlSeconds: number, at: string): Promise<boolean> {
    try {
      await this.doc.send(new PutCommand(this.oncePut(key, at, ttlSeconds).Put));
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async releaseClaim(key: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { [PK]: `ONCE#${key}`, [SK]: 'ONCE' } }));
  }

  // ---------------------------------------------------------------------------------------------
  // Internals

  /**
   * Reads the lineage, lets the rule decide, and writes its change (with its audit event) conditional
   * on the version read; a concurrent write makes it read and decide again. A refusal is a ConflictError.
   */
  private async rewrite<R>(lineageId: string, rule: (current: Lineage) => rules.Transition<R>): Promise<R> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.requireLineage(lineageId);
      const decided = rule(current);
      if ('refused' in decided) throw new ConflictError(decided.refused);
      if (!decided.change) return decided.result;
      const { set, clear = [], audit } = decided.change;
      const expr = new Expressions();
      const update = expr.update({ set: { ...set, version: current.version + 1 }, remove: clear });
      const sameVersion = `${expr.name('version')} = ${expr.value(current.version)}`;
      try {
        await this.transact([
          {
            Update: {
              TableName: this.tableName,
              Key: lineageKey(lineageId),
              UpdateExpression: update,
              ConditionExpression: sameVersion,
              ...expr.attributes(),
            },
          },
          ...(audit ? [this.auditPut({ lineageId, ...audit })] : []),
        ]);
        return decided.result;
      } catch (error) {
        if (!conditionFailure(error, 0)) throw error;
        if (attempt >= MAX_ATTEMPTS)
          throw new ConflictError(`lineage ${lineageId} kept changing under a concurrent write`, { cause: error });
        await backoff(attempt);
      }
    }
  }

  private async requireLineage(lineageId: string): Promise<Lineage> {
    const found = await this.getLineage(lineageId);
    if (!found) throw new NotFoundError(`no lineage ${lineageId}`);
    return found;
  }

  private auditPut(event: AuditEvent): PutAction {
    const parsed = auditEvent.parse(event);
    return {
      Put: {
        TableName: this.tableName,
        Item: compact({ ...parsed, [PK]: lineagePk(parsed.lineageId), [SK]: `AUDIT#${isoUtc(parsed.at)}#${tiebreak()}` }) as Item,
      },
    };
  }

  /** A once-key put that fails when the key is held and not yet expired at `at`. */
  private oncePut(key: string, at: string, ttlSeconds: number, extra: Item = {}): PutAction {
    const now = epochSeconds(at);
    return {
      Put: {
        TableName: this.tableName,
        Item: compact({ ...extra, key, at, [PK]: `ONCE#${key}`, [SK]: 'ONCE', [TTL]: now + ttlSeconds }) as Item,
        ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt <= :now',
        ExpressionAttributeNames: { '#pk': PK, '#expiresAt': TTL },
        ExpressionAttributeValues: { ':now': now },
      },
    };
  }

  /** Writes the record together with its once-key; false when the key was claimed before. */
  private async recordOnce(key: string, at: string, item: Item): Promise<boolean> {
    try {
      await this.transact([this.oncePut(key, at, RECORD_TTL_SECONDS), { Put: { TableName: this.tableName, Item: compact(item) as Item } }]);
      return true;
    } catch (error) {
      if (conditionFailure(error, 0)) return false;
      throw error;
    }
  }

  private async getLocks(paths: readonly string[]): Promise<QuarantineLock[]> {
    const found = new Map<string, QuarantineLock>();
    for (let i = 0; i < paths.length; i += MAX_TRANSACT_ITEMS) {
      let keys: Record<string, unknown>[] | undefined = paths.slice(i, i + MAX_TRANSACT_ITEMS).map(lockKey);
      for (let attempt = 1; keys && keys.length > 0; attempt++) {
        const out: BatchGetCommandOutput = await this.doc.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of out.Responses?.[this.tableName] ?? []) {
          const lock = parseLock(item);
          found.set(lock.path, lock);
        }
        keys = out.UnprocessedKeys?.[this.tableName]?.Keys;
        if (keys && keys.length > 0) await backoff(attempt);
      }
    }
    return paths.flatMap((p) => {
      const lock = found.get(p);
      return lock ? [lock] : [];
    });
  }

  private byKindQuery(kind: 'lineage' | 'lock', order: { newestFirst: boolean }): QueryCommandInput {
    return {
      TableName: this.tableName,
      IndexName: BY_KIND.name,
      KeyConditionExpression: '#kind = :kind',
      ExpressionAttributeNames: { '#kind': BY_KIND.partitionKey },
      ExpressionAttributeValues: { ':kind': kind },
      ScanIndexForward: !order.newestFirst,
    };
  }

  private async queryAll(input: QueryCommandInput): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** TransactWriteItems, tried again while it only loses to concurrent transactions. */
  private async transact(items: TransactItem[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
        return;
      } catch (error) {
        if (!isTransientConflict(error)) throw error;
        if (attempt >= MAX_ATTEMPTS) throw new ConflictError('a transaction kept conflicting with concurrent writes', { cause: error });
        await backoff(attempt);
      }
    }
  }
}
