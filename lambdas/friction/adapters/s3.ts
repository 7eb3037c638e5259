/**
 * S3 adapter of the friction pipeline's object store: transcripts in, partials, summaries, digests
 * and judge records out, all in one bucket.
 */
import {
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type * as z from 'zod';
import { NotFoundError, TransientError } from '#domain/shared/errors';

export interface StoredObject {
  readonly key: string;
  readonly size: number;
}

/** What the friction handlers need from a bucket; the local and test implementations keep objects in memory. */
export interface ObjectStore {
  readonly bucket: string;
  getText(key: string): Promise<string>;
  /** The object's text, or undefined when it does not exist. */
  findText(key: string): Promise<string | undefined>;
  putText(key: string, body: string, contentType?: string): Promise<void>;
  list(prefix: string): Promise<StoredObject[]>;
}

export class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
  ) {}

  async getText(key: string): Promise<string> {
    const found = await this.findText(key);
    if (found === undefined) throw new NotFoundError(`s3://${this.bucket}/${key} does not exist`);
    return found;
  }

  async findText(key: string): Promise<string | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return (await out.Body?.transformToString('utf8')) ?? '';
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw transient(error, `reading s3://${this.bucket}/${key}`);
    }
  }

  async putText(key: string, body: string, contentType = 'text/plain; charset=utf-8'): Promise<void> {
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
    } catch (error) {
      throw transient(error, `writing s3://${this.bucket}/${key}`);
    }
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const objects: StoredObject[] = [];
    let ContinuationToken: string | undefined;
    do {
      let out: ListObjectsV2CommandOutput;
      try {
        out = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken }));
      } catch (error) {
        throw transient(error, `listing s3://${this.bucket}/${prefix}`);
      }
      for (const o of out.Contents ?? []) if (o.Key) objects.push({ key: o.Key, size: o.Size ?? 0 });
      ContinuationToken = out.NextContinuationToken;
    } while (ContinuationToken);
    return objects;
  }
}

/** Throttling and 5xx are worth a retry (the state machine retries on TransientError); the rest is not. */
function transient(error: unknown, what: string): Error {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  const status = e.$metadata?.httpStatusCode ?? 0;
  if (status >= 500 || status === 429 || e.$retryable || /Throttl|SlowDown|RequestTimeout/i.test(e.name ?? ''))
    return new TransientError(`${what}: ${e.name ?? 'error'}: ${e.message ?? ''}`, { cause: error });
  return error instanceof Error ? error : new Error(`${what}: ${String(error)}`);
}

/** Reads a JSON object and validates it, or undefined when the object does not exist. */
export async function readJson<T>(store: ObjectStore, key: string, schema: z.ZodType<T>): Promise<T | undefined> {
  const text = await store.findText(key);
  if (text === undefined) return undefined;
  return schema.parse(JSON.parse(text));
}

export async function writeJson(store: ObjectStore, key: string, value: unknown): Promise<void> {
  await store.putText(key, `${JSON.stringify(value)}\n`, 'application/json');
}

/** An in-memory store: local runs and tests of the handlers' cores. */
export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, string>();
  constructor(readonly bucket = 'memory') {}
  async getText(key: string): Promise<string> {
    const v = this.objects.get(key);
    if (v === undefined) throw new NotFoundError(`${key} does not exist`);
    return v;
  }
  async findText(key: string): Promise<string | undefined> {
    return this.objects.get(key);
  }
  async putText(key: string, body: string): Promise<void> {
    this.objects.set(key, body);
  }
  async list(prefix: string): Promise<StoredObject[]> {
    return [...this.objects.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, v]) => ({ key, size: Buffer.byteLength(v) }));
  }
}

/** Maps over items with at most `limit` promises in flight, keeping the order: many small reads without a storm. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
