import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Unguessable, expiring links to results: `exp` (unix seconds) and an HMAC over the path and
 * `exp`, keyed by a secret only the server holds. Any vidgate process with the secret can verify.
 */
export class LinkSigner {
  constructor(private readonly secret: Buffer) {}

  private mac(path: string, exp: number): string {
    return createHmac('sha256', this.secret).update(`${path}\n${exp}`).digest('base64url');
  }

  sign(path: string, expiresAtMs: number): { exp: number; sig: string } {
    const exp = Math.floor(expiresAtMs / 1000);
    return { exp, sig: this.mac(path, exp) };
  }

  /** 'ok', 'expired' or 'invalid'; expiry is checked only for a genuine signature. */
  verify(path: string, exp: number, sig: string, nowMs: number): 'ok' | 'expired' | 'invalid' {
    const expected = Buffer.from(this.mac(path, exp));
    const given = Buffer.from(sig);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'invalid';
    return exp * 1000 < nowMs ? 'expired' : 'ok';
  }
}
