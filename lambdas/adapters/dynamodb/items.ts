/**
 * The items of the one table as the store writes and reads them: the expression builder (a placeholder
 * for every name), the keys and items of lineages and locks and their validation when read back, plain
 * values (undefined dropped, raw attribute maps unmarshalled), epoch seconds for TTL attributes, and the
 * tiebreak that keeps a lineage's audit events in order.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { type Lineage, lineage as lineageSchema, type QuarantineLock, quarantineLock } from '#domain/lineage/lineage';
import { isoUtc } from '#domain/shared/time';
import { tableSchema } from './table-schema.ts';

export type Item = Record<string, unknown>;
interface ZodLike<T> {
  parse(value: unknown): T;
}

export const { partitionKey: PK, sortKey: SK, ttlAttribute: TTL } = tableSchema;
export const BY_KIND = tableSchema.byKindIndex;

// -----------------------------------------------------------------------------------------------
// Expressions

/** Builds update and condition expressions with placeholders for every name (many are reserved words). */
export class Expressions {
  private readonly names: Record<string, string> = {};
  private readonly values: Record<string, unknown> = {};
  private count = 0;

  name(attribute: string): string {
    const placeholder = `#${attribute.replace(/[^A-Za-z0-9_]/g, '_')}`;
    this.names[placeholder] = attribute;
    return placeholder;
  }

  value(value: unknown): string {
    const placeholder = `:v${this.count++}`;
    this.values[placeholder] = compact(value);
    return placeholder;
  }

  /** SET (undefined values are left alone), ADD and REMOVE clauses. */
  update(change: { set?: Record<string, unknown>; add?: Record<string, number>; remove?: readonly string[] }): string {
    const clauses: string[] = [];
    const set = Object.entries(change.set ?? {})
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${this.name(k)} = ${this.value(v)}`);
    if (set.length > 0) clauses.push(`SET ${set.join(', ')}`);
    const add = Object.entries(change.add ?? {}).map(([k, v]) => `${this.name(k)} ${this.value(v)}`);
    if (add.length > 0) clauses.push(`ADD ${add.join(', ')}`);
    const remove = (change.remove ?? []).map((k) => this.name(k));
    if (remove.length > 0) clauses.push(`REMOVE ${remove.join(', ')}`);
    return clauses.join(' ');
  }

  /** The placeholders used so far; call it after building every expression that uses them. */
  attributes(): { ExpressionAttributeNames?: Record<string, string>; ExpressionAttributeValues?: Record<string, unknown> } {
    return {
      ...(Object.keys(this.names).length > 0 ? { ExpressionAttributeNames: { ...this.names } } : {}),
      ...(Object.keys(this.values).length > 0 ? { ExpressionAttributeValues: { ...this.values } } : {}),
    };
  }
}

// -----------------------------------------------------------------------------------------------
// Keys and items

export function lineagePk(lineageId: string): string {
  return `LINEAGE#${lineageId}`;
}

export function lineageKey(lineageId: string): Item {
  return { [PK]: lineagePk(lineageId), [SK]: 'META' };
}

export function lockKey(path: string): Item {
  return { [PK]: `LOCK#${path}`, [SK]: 'LOCK' };
}

export function lineageItem(value: Lineage): Item {
  return compact({ ...value, ...lineageKey(value.lineageId), [BY_KIND.partitionKey]: 'lineage' }) as Item;
}

export function lockItem(lock: QuarantineLock): Item {
  return compact({ ...lock, ...lockKey(lock.path), [BY_KIND.partitionKey]: 'lock', [BY_KIND.sortKey]: lock.lockedAt }) as Item;
}

/** Validates an item read back, without the table's own attributes (keys, kind marker, TTL). */
export function parseItem<T>(schema: ZodLike<T>, item: Item | undefined, options: { keepKind?: boolean } = {}): T {
  if (!item) throw new Error('expected an item, got none');
  const { [PK]: _pk, [SK]: _sk, [TTL]: _ttl, ...rest } = item;
  if (!options.keepKind) delete rest[BY_KIND.partitionKey];
  return schema.parse(rest);
}

export function parseLineage(item: Item | undefined): Lineage {
  return parseItem(lineageSchema, item);
}

export function parseLock(item: Item): QuarantineLock {
  // The lock's updatedAt only feeds the index; the schema drops it.
  return parseItem(quarantineLock, item);
}

// -----------------------------------------------------------------------------------------------
// Values

export function epochSeconds(instant: string): number {
  return Math.floor(Date.parse(isoUtc(instant)) / 1000);
}

let lastTiebreakMs = 0;
let tiebreakCounter = 0;

/** Increasing within a process (then random), so events at the same instant keep their order. */
export function tiebreak(): string {
  const now = Date.now();
  if (now === lastTiebreakMs) tiebreakCounter++;
  else {
    lastTiebreakMs = now;
    tiebreakCounter = 0;
  }
  const random = Math.floor(Math.random() * 36 ** 6)
    .toString(36)
    .padStart(6, '0');
  return `${now.toString(36).padStart(9, '0')}${tiebreakCounter.toString(36).padStart(4, '0')}${random}`;
}

/** Drops undefined values from plain objects and arrays, whatever the client's marshalling options. */
export function compact(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(compact);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, compact(v)]),
    );
  }
  return value;
}

/** Plain values of an item returned raw by DynamoDB (condition-failure items are not unmarshalled). */
export function fromAttributeMap(map: Record<string, AttributeValue>): Item {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, fromAttributeValue(v)]));
}

function fromAttributeValue(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.M !== undefined) return fromAttributeMap(value.M);
  if (value.L !== undefined) return value.L.map(fromAttributeValue);
  if (value.SS !== undefined) return new Set(value.SS);
  if (value.NS !== undefined) return new Set(value.NS.map(Number));
  if (value.B !== undefined) return value.B;
  if (value.BS !== undefined) return new Set(value.BS);
  return undefined;
}
