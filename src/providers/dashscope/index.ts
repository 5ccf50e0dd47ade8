import { z } from 'zod';
import { optionalText, positiveInt } from '../../shared/env-values.js';
import { readVariables, type ProviderDefinition } from '../provider.js';
import { DASHSCOPE_REGION_NAMES } from '../../models/model-table.js';
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
  /**
   * the account's region, which decides the models it offers and their ids (families §1.1);
   * a public base URL tells it; for any other (a relay, the simulator) it is this, else beijing
   */
  region: z.enum(DASHSCOPE_REGION_NAMES).optional(),
});

/** The official SDKs' variables (plus vidgate's timeout): one DashScope account, relayed. */
const variables = z.object({
  DASHSCOPE_API_KEY: optionalText.describe(
    'creates (or updates) the channel dashscope-default at start and relays to DashScope',
  ),
  DASHSCOPE_HTTP_BASE_URL: optionalText
    .pipe(z.url({ error: 'must be an absolute URL ending in /api/v1' }).optional())
    .transform((u) => u?.replace(/\/+$/, ''))
    .describe('base URL for DASHSCOPE_API_KEY, e.g. https://dashscope-intl.aliyuncs.com/api/v1'),
  VIDGATE_UPSTREAM_TIMEOUT_SECONDS: positiveInt(15).describe(
    'per-request timeout towards DashScope for the channel made from DASHSCOPE_API_KEY',
  ),
});

export const dashscope: ProviderDefinition = {
  id: 'dashscope',
  capabilities: {
    listTasks: true,
    cancel: true,
    resolvesMediaLocally: false,
  },
  settingsSchema,
  secretFields: ['apiKeys'],
  // a preset names the region too, so `--region singapore --base-url URL` is a relay or the
  // simulator standing in for a Singapore account
  settingsPresets: Object.fromEntries(
    Object.entries(DASHSCOPE_REGIONS).map(([region, baseUrl]) => [region, { baseUrl, region }]),
  ),
  channelFlags: {
    presetFlag: 'region',
    settings: [
      { flag: 'key', setting: 'apiKeys', multiple: true, value: 'KEY' },
      { flag: 'base-url', setting: 'baseUrl', multiple: false, value: 'URL' },
    ],
    help: "A DashScope channel is one account; its keys share the account's limits.",
  },
  defaultModels: ['*'],
  variables,
  configure: (env) =>
    readVariables(variables, env, (v) => ({
      startupChannels: v.DASHSCOPE_API_KEY
        ? [
            {
              name: 'dashscope-default',
              settings: {
                apiKeys: [v.DASHSCOPE_API_KEY],
                requestTimeoutMs: v.VIDGATE_UPSTREAM_TIMEOUT_SECONDS * 1000,
                ...(v.DASHSCOPE_HTTP_BASE_URL ? { baseUrl: v.DASHSCOPE_HTTP_BASE_URL } : {}),
              },
              models: ['*'],
              replacesDefault: true,
            },
          ]
        : [],
      secrets: v.DASHSCOPE_API_KEY ? [v.DASHSCOPE_API_KEY] : [],
      create: (settings, deps) => new DashScopeClient(settingsSchema.parse(settings), deps.fetcher),
    })),
};
