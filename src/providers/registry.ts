import type { ProviderDefinition } from './provider.js';
import { dashscope } from './dashscope/index.js';
import { sandbox } from './sandbox/index.js';

/** THE list of providers: the only file that names them all. Adding one is one line here. */
export const PROVIDERS: readonly ProviderDefinition[] = [sandbox, dashscope];

export function findProvider(id: string): ProviderDefinition | undefined {
  return PROVIDERS.find((p) => p.id === id);
}
