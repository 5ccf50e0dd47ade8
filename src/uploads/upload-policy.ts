import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { UPLOAD_BUCKET } from '../models/media-url.js';
import type { LinkSigner } from '../shared/link-signer.js';

/** The SDKs' name for the key id field; vidgate's policies are signed with one server key. */
export const UPLOAD_KEY_ID = 'vidgate';

/** What an upload policy allows: one account's files under one folder, up to a size. */
export interface UploadGrant {
  accountId: string;
  /** `vidgate-uploads/<random>`; every file's key is `<dir>/<file name>` */
  dir: string;
  maxBytes: number;
  expiresAt: number;
}

/** A signed policy as the SDKs receive it and send it back with the form (reference §12.1). */
export interface SignedPolicy {
  /** base64 of the policy document */
  policy: string;
  signature: string;
}

const documentSchema = z.object({
  expiration: z.iso.datetime(),
  conditions: z.tuple([
    z.tuple([z.literal('content-length-range'), z.literal(0), z.number().int().positive()]),
    z.tuple([z.literal('starts-with'), z.literal('$key'), z.string().min(1)]),
    z.object({ 'x-vidgate-account': z.string().min(1) }),
  ]),
});

// the signed text names its purpose, so no result link's signature can pass for a policy
const signedText = (policy: string): string => `upload-policy\n${policy}`;

/** A fresh folder for one policy: unguessable, so keys of different policies never meet. */
export function newUploadDir(): string {
  return `${UPLOAD_BUCKET}/${randomBytes(16).toString('base64url')}`;
}

/**
 * Signs a grant in the shape of an OSS POST policy (a base64 JSON document of conditions), so
 * the SDKs carry it unchanged from `getPolicy` to the form POST; the account it is for rides in
 * the document, under the signature.
 */
export function signPolicy(links: LinkSigner, g: UploadGrant): SignedPolicy {
  const doc = {
    expiration: new Date(g.expiresAt).toISOString(),
    conditions: [
      ['content-length-range', 0, g.maxBytes],
      ['starts-with', '$key', g.dir],
      { 'x-vidgate-account': g.accountId },
    ],
  };
  const policy = Buffer.from(JSON.stringify(doc), 'utf8').toString('base64');
  return { policy, signature: links.sign(signedText(policy), g.expiresAt).sig };
}

/** The grant a form's policy and signature carry, or why they carry none. */
export function verifyPolicy(
  links: LinkSigner,
  form: SignedPolicy,
  now: number,
): { ok: true; grant: UploadGrant } | { ok: false; reason: 'invalid' | 'expired' } {
  let parsed: z.infer<typeof documentSchema>;
  try {
    const json: unknown = JSON.parse(Buffer.from(form.policy, 'base64').toString('utf8'));
    const r = documentSchema.safeParse(json);
    if (!r.success) return { ok: false, reason: 'invalid' };
    parsed = r.data;
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  const expiresAt = Date.parse(parsed.expiration);
  const verdict = links.verify(
    signedText(form.policy),
    Math.floor(expiresAt / 1000),
    form.signature,
    now,
  );
  if (verdict !== 'ok') return { ok: false, reason: verdict };
  const [[, , maxBytes], [, , dir], { 'x-vidgate-account': accountId }] = parsed.conditions;
  return { ok: true, grant: { accountId, dir, maxBytes, expiresAt } };
}
