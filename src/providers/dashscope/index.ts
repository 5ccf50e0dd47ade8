import { z } from 'zod';
import type { ProviderDefinition } from '../provider.js';
import { DashScopeClient } from './dashscope-client.js';

/** The public regions (reference §1); any other base URL may be given as `custom`. */
export const DASHSCOPE_REGIONS = {
  beijing: 'https://dashscope.aliyuncs.com/api/v1',
  singapore: 'https://dashscope-intl.aliyuncs.com/api/v1',
  virginia: 'https://dashscope-us.aliyuncs.com/api/v1',
} as const;

const settingsSchema = z.object({
  baseUrl: z
    .url()
    .transform((u) => u.replace(/\/+$/, ''))
    .default(DASHSCOPE_REGIONS.beijing),
  apiKeys: z.array(z.string().min(1)).min(1, 'at least one API key'),
  requestTimeoutMs: z.number().int().positive().default(15_000),
  downloadTimeoutMs: z
    .number()
    .int()
    .positive()
    .default(10 * 60_000),
});

export const dashscope: ProviderDefinition = {
  id: 'dashscope',
  capabilities: {
    listTasks: true,
    cancel: true,
    resultLinksExpire: true,
    resolvesMediaLocally: false,
  },
  settingsSchema,
  secretFields: ['apiKeys'],
  settingsPresets: Object.fromEntries(
    Object.entries(DASHSCOPE_REGIONS).map(([region, baseUrl]) => [region, { baseUrl }]),
  ),
  create: (settings) => new DashScopeClient(settingsSchema.parse(settings)),
};
