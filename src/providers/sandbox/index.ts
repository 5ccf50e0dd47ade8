import { z } from 'zod';
import type { ProviderDefinition } from '../provider.js';
import { SandboxProvider } from './sandbox-provider.js';

const settingsSchema = z.object({
  /** renders at once; ffmpeg uses about one core per render */
  maxConcurrentRenders: z.number().int().positive().default(2),
});

export const sandbox: ProviderDefinition = {
  id: 'sandbox',
  capabilities: {
    listTasks: false,
    cancel: true,
    resultLinksExpire: false,
    resolvesMediaLocally: true,
  },
  settingsSchema,
  secretFields: [],
  create: (settings, deps) =>
    new SandboxProvider(deps, settingsSchema.parse(settings).maxConcurrentRenders),
};
