/** Where results and stored inputs live, from VIDGATE_STORAGE. */
export type StorageSpec =
  | { readonly kind: 'file' }
  | {
      readonly kind: 's3';
      readonly bucket: string;
      /** '' or ending in '/' */
      readonly prefix: string;
      readonly forcePathStyle: boolean;
    };

/** S3 bucket names: 3–63 of lowercase letters, digits, dots and hyphens, alphanumeric ends. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * `file:` (or unset: the data directory) or `s3://bucket/prefix` with optional `?path_style=1`.
 * Returns the spec, or what is wrong with the value.
 */
export function parseStorageSpec(value: string | undefined): StorageSpec | string {
  const v = (value ?? '').trim();
  if (v === '' || v === 'file:') return { kind: 'file' };
  if (!v.startsWith('s3://')) return 'must be file: or s3://bucket/prefix[?path_style=1]';
  // URL would quietly resolve them away
  if (/\/\.\.?(\/|\?|$)/.test(v.slice('s3://'.length).split('?')[0] ?? ''))
    return 'has a prefix with . or .. segments';
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return 'must be file: or s3://bucket/prefix[?path_style=1]';
  }
  if (url.username !== '' || url.password !== '')
    return 'must not carry credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';
  if (url.port !== '') return 'must not name a port: set AWS_ENDPOINT_URL_S3 for the endpoint';
  const bucket = url.hostname;
  if (!BUCKET.test(bucket)) return `has an invalid bucket name (${bucket || 'none'})`;
  if (url.hash !== '') return 'must not have a #fragment';
  let forcePathStyle = false;
  for (const [k, val] of url.searchParams) {
    if (k !== 'path_style') return `has an unknown option ${k} (only path_style=1|0)`;
    if (val !== '1' && val !== '0') return 'path_style must be 1 or 0';
    forcePathStyle = val === '1';
  }
  const path = decodeURIComponent(url.pathname).replace(/^\/+/, '');
  if (path.split('/').some((s) => s === '.' || s === '..'))
    return 'has a prefix with . or .. segments';
  const prefix = path === '' || path.endsWith('/') ? path : `${path}/`;
  return { kind: 's3', bucket, prefix, forcePathStyle };
}

/** The spec as the operator wrote it, for logs (it holds no secret). */
export function describeStorageSpec(spec: StorageSpec, dataDir: string): string {
  return spec.kind === 'file'
    ? `file:${dataDir}`
    : `s3://${spec.bucket}/${spec.prefix}${spec.forcePathStyle ? '?path_style=1' : ''}`;
}
