/** Reading and writing the pipeline's JSON objects through the object store, a bounded number at a time. */
import type * as z from 'zod';
import type { ObjectStore } from '#friction/ports/objects';

/** Reads a JSON object and validates it, or undefined when the object does not exist. */
export async function readJson<T>(store: ObjectStore, key: string, schema: z.ZodType<T>): Promise<T | undefined> {
  const text = await store.findText(key);
  if (text === undefined) return undefined;
  return schema.parse(JSON.parse(text));
}

export async function writeJson(store: ObjectStore, key: string, value: unknown): Promise<void> {
  await store.putText(key, `${JSON.stringify(value)}\n`, 'application/json');
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
