import { z } from 'zod';

/**
 * How vidgate reads a value from an environment variable; core settings (config/schema.ts) and
 * providers' own variables use the same parsers, so both report a bad value alike.
 */

/** `PORT=` must not coerce to 0 (an ephemeral port): an empty number is no number. */
export const emptyToNaN = (v: unknown): unknown =>
  typeof v === 'string' && v.trim() === '' ? NaN : v;

export const positiveInt = (def: number) =>
  z
    .preprocess(
      emptyToNaN,
      z.coerce
        .number({ error: 'must be a number' })
        .int('must be an integer')
        .positive('must be > 0'),
    )
    .default(def);

/** Unset and empty are the same: no value. */
export const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v));
