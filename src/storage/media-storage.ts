import type { Readable } from 'node:stream';

export interface StoredObject {
  size: number;
}

export interface ByteRange {
  start: number;
  /** inclusive */
  end: number;
}

/** Where vidgate keeps result videos. Local disk now; object storage fits the same interface. */
export interface MediaStorage {
  /** Streams `body` into `key`; visible only once complete. Memory stays bounded. */
  put(key: string, body: Readable): Promise<StoredObject>;
  stat(key: string): Promise<StoredObject | null>;
  open(key: string, range?: ByteRange): Promise<Readable>;
  delete(key: string): Promise<void>;
}
