import { LocalDiskStorage } from './local-disk-storage.js';
import type { MediaStorage } from './media-storage.js';
import { S3Storage } from './s3-storage.js';
import type { StorageSpec } from './storage-spec.js';

/**
 * The MediaStorage a spec names: the data directory for `file:`, else the bucket. The S3 client
 * takes its credentials, region and endpoint from the AWS SDK's environment.
 */
export function buildStorage(spec: StorageSpec, dataDir: string): MediaStorage {
  if (spec.kind === 'file') return new LocalDiskStorage(dataDir);
  return new S3Storage({
    bucket: spec.bucket,
    prefix: spec.prefix,
    forcePathStyle: spec.forcePathStyle,
  });
}
