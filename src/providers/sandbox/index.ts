import { z } from 'zod';
import { readVariables, type ProviderDefinition } from '../provider.js';
import { SandboxProvider } from './sandbox-provider.js';

const settingsSchema = z.object({
  /** renders at once; ffmpeg uses about one core per render */
  maxConcurrentRenders: z.number().int().positive().default(2),
});

const variables = z.object({
  VIDGATE_SANDBOX_TIME_SCALE: z.coerce
    .number({ error: 'must be a number' })
    .positive('must be > 0')
    .max(100, 'must be <= 100')
    .default(1)
    .describe('multiplies the sandbox queue and run phases (1 = demo speed, ~10-20 s a task)'),
});

export const sandbox: ProviderDefinition = {
  id: 'sandbox',
  capabilities: {
    listTasks: false,
    cancel: true,
    resolvesMediaLocally: true,
  },
  settingsSchema,
  secretFields: [],
  channelFlags: {
    settings: [],
    help: 'A sandbox channel renders placeholder videos locally with ffmpeg; it needs no account.',
  },
  defaultModels: ['*'],
  defaultChannel: {
    name: 'sandbox',
    settings: {},
    models: ['*'],
    limits: { maxRunning: 4 },
    exampleModels: { 'first-frame': 'wan2.6-i2v-flash', references: 'wan2.6-r2v-flash' },
  },
  variables,
  configure: (env) =>
    readVariables(variables, env, (v) => ({
      startupChannels: [],
      secrets: [],
      create: (settings, deps) =>
        new SandboxProvider(deps, {
          maxConcurrentRenders: settingsSchema.parse(settings).maxConcurrentRenders,
          timeScale: v.VIDGATE_SANDBOX_TIME_SCALE,
        }),
    })),
};
