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
import { NotFoundError, TransientError } from '#domain/shared/errors';
import type { ObjectStore, StoredObject } from '#friction/ports/objects';

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
