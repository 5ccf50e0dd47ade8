import { z } from 'zod';
import type { ProviderDefinition } from '../provider.js';
import { DashScopeClient } from './dashscope-client.js';

/** vidgate stores no result larger than this (TaskWorker's bound); a channel may set less */
const MAX_RESULT_BYTES = 2 * 1024 ** 3;

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
  /** hosts result links may name beyond public addresses and the API's own (ADR 0009) */
  resultAllowHosts: z.array(z.string().min(1)).default([]),
  maxResultBytes: z.number().int().positive().max(MAX_RESULT_BYTES).default(MAX_RESULT_BYTES),
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
  create: (settings, deps) => new DashScopeClient(settingsSchema.parse(settings), deps.fetcher),
};
