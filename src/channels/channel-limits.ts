import { z } from 'zod';

/**
 * An upstream account's hard limits (reference §10): shared by every key of the account, so
 * they belong to the channel, not to a key.
 */
export const channelLimitsSchema = z.object({
  submitPerSecond: z.number().positive().default(5),
  maxRunning: z.number().int().positive().default(5),
  queriesPerSecond: z.number().positive().default(20),
  /** s2v's synchronous face checks (families §7.1: 5 per second) */
  detectsPerSecond: z.number().positive().default(5),
});
export type ChannelLimits = z.infer<typeof channelLimitsSchema>;

export const DEFAULT_LIMITS: ChannelLimits = Object.freeze(channelLimitsSchema.parse({}));
