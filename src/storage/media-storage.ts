import type { Readable } from 'node:stream';

export interface StoredObject {
  size: number;
}

export interface ByteRange {
  start: number;
  /** inclusive */
  end: number;
}

export interface PutOptions {
  /** more bytes than this fail the put with ObjectTooLargeError; nothing is kept */
  maxBytes?: number;
}

/** A put cut off at its size bound. */
export class ObjectTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the object is larger than ${maxBytes} bytes`);
    this.name = 'ObjectTooLargeError';
  }
}

/** Where vidgate keeps result videos. Local disk now; object storage fits the same interface. */
export interface MediaStorage {
  /** Streams `body` into `key`; visible only once complete. Memory stays bounded. */
  put(key: string, body: Readable, options?: PutOptions): Promise<StoredObject>;
  stat(key: string): Promise<StoredObject | null>;
  open(key: string, range?: ByteRange): Promise<Readable>;
  /** Removes the object and any partial copy of it a crash left behind. */
  delete(key: string): Promise<void>;
  /**
   * Removes partial copies not written to for `idleMs`: a process killed during a copy leaves
   * one, and no live copy sits idle that long. Returns how many were removed.
   */
  sweepPartials(idleMs: number, now: number): Promise<number>;
}
