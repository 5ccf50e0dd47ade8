/**
 * The one list of what never reaches a log line, and the functions that enforce it. Two nets,
 * because neither catches everything alone: field names catch secrets of any shape that are
 * logged under a telling key (an operator-chosen token in `token`), and shapes catch secrets
 * that hide inside ordinary strings (a signed link inside an error message or a request URL).
 */

export const REDACTED = '[redacted]';

/** Object keys (any case) whose value is a secret whatever it looks like, at any depth. */
export const SECRET_FIELDS = [
  'authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-dashscope-api-key',
  'token',
  'accessToken',
  'access_token',
  'bootstrapToken',
  'adminToken',
  'key',
  'apiKey',
  'api_key',
  'apiKeys',
  'api_keys',
  'encryptionKey',
  'secret',
  'password',
  'signature',
  'sig',
  'videoUrl',
  'video_url',
] as const;

/**
 * Query parameters that make a link a credential: vidgate's own result links (`exp`, `sig`),
 * OSS links as DashScope hands them out (`Expires`, `OSSAccessKeyId`, `Signature`, their V4
 * `x-oss-*` forms), S3-style presigned links, and keys or tokens passed in a URL.
 */
export const SIGNED_LINK_PARAMS = [
  'sig',
  'exp',
  'signature',
  'expires',
  'ossaccesskeyid',
  'security-token',
  'x-oss-signature',
  'x-oss-credential',
  'x-oss-security-token',
  'x-oss-expires',
  'x-amz-signature',
  'x-amz-credential',
  'x-amz-security-token',
  'token',
  'access_token',
  'api_key',
  'apikey',
  'key',
] as const;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const pathKey = (field: string): string => (IDENTIFIER.test(field) ? field : `["${field}"]`);

/**
 * pino `redact` paths: SECRET_FIELDS at the top level (child bindings included) and the headers
 * of the request as serialized. No wildcards: each `*` path cost pino about a microsecond per
 * line; nested plain objects are covered by redactFields instead.
 */
export const REDACT_PATHS: readonly string[] = [
  ...SECRET_FIELDS.map(pathKey),
  ...['authorization', 'cookie', 'x-api-key', 'x-dashscope-api-key'].map(
    (h) => `req.headers${pathKey(h).startsWith('[') ? '' : '.'}${pathKey(h)}`,
  ),
];

const SECRET_FIELD_NAMES = new Set<string>(SECRET_FIELDS.map((f) => f.toLowerCase()));

/** Deeper than this, a log object is not vidgate's own shape; its text is still masked. */
const MAX_FIELD_DEPTH = 6;

function redactNested(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object' || depth > MAX_FIELD_DEPTH) return value;
  if (Array.isArray(value)) {
    const items: readonly unknown[] = value;
    let copy: unknown[] | undefined;
    items.forEach((item, i) => {
      const r = redactNested(item, depth + 1);
      if (r !== item) (copy ??= [...items])[i] = r;
    });
    return copy ?? value;
  }
  // class instances (errors, requests) are left to their serializers and to maskSecrets
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const record = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    const item = record[key];
    const r = SECRET_FIELD_NAMES.has(key.toLowerCase()) ? REDACTED : redactNested(item, depth + 1);
    if (r !== item) (copy ??= { ...record })[key] = r;
  }
  return copy ?? value;
}

/**
 * The log object with every SECRET_FIELDS value in nested plain objects and arrays replaced;
 * copied only where something is replaced, so the caller's object is never changed.
 */
export function redactFields(obj: Record<string, unknown>): Record<string, unknown> {
  const out = redactNested(obj, 0);
  return out !== null && typeof out === 'object' ? (out as Record<string, unknown>) : obj;
}

const LINK_PARAM = SIGNED_LINK_PARAMS.map((p) => p.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')).join(
  '|',
);

/** Secret-looking substrings, each with what it is replaced by. */
const SECRET_SHAPES: ReadonlyArray<{ pattern: RegExp; replacement: string }> = [
  // credentials in a header value that was logged as text
  { pattern: /\b(Bearer|Basic)\s+[^\s"',;\\]+/gi, replacement: `$1 ${REDACTED}` },
  // vidgate tokens (ADR 0005) and any vg_-prefixed look-alike long enough to be one
  { pattern: /\bvg_[\w-]{16,}/g, replacement: `vg_${REDACTED}` },
  // DashScope API keys
  { pattern: /\bsk-[\w-]{12,}/g, replacement: `sk-${REDACTED}` },
  // signed link parameters; the value stops at the next parameter, a quote or an escape
  {
    pattern: new RegExp(`([?&;])(${LINK_PARAM})=[^&#\\s"'\\\\<>]*`, 'gi'),
    replacement: `$1$2=${REDACTED}`,
  },
  // passwords in connection strings (postgres://user:password@host)
  {
    pattern: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/"']+):[^\s@/"']+@/gi,
    replacement: `$1:${REDACTED}@`,
  },
];

/** Literal values never to be logged (the configured secrets), in raw and JSON-escaped form. */
const knownSecrets = new Set<string>();

/** Secrets shorter than this are too likely to occur in ordinary text to be masked literally. */
const MIN_LITERAL_LENGTH = 8;

/**
 * Masks these exact values in every log line from now on, whatever their shape: an operator's
 * own token or key does not have to look like a vidgate or DashScope one.
 */
export function redactValues(values: ReadonlyArray<string | undefined>): void {
  for (const v of values) {
    if (v === undefined || v.length < MIN_LITERAL_LENGTH) continue;
    knownSecrets.add(v);
    knownSecrets.add(JSON.stringify(v).slice(1, -1));
  }
}

/** Every SECRET_SHAPES match contains one of these; one scan spares most lines the rest. */
const MAYBE_SECRET = /bearer|basic|vg_|sk-|=|@/i;

/** The text with every known secret and every secret-looking substring replaced. */
export function maskSecrets(text: string): string {
  let out = text;
  for (const secret of knownSecrets)
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  if (!MAYBE_SECRET.test(out)) return out;
  for (const { pattern, replacement } of SECRET_SHAPES) out = out.replace(pattern, replacement);
  return out;
}
