/** The friction pipeline's bucket: transcripts in, partials, summaries, digests and judge records out. */
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
