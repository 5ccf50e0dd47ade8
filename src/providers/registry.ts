import type { ProviderDefinition } from './provider.js';
import { dashscope } from './dashscope/index.js';
import { sandbox } from './sandbox/index.js';

/** THE list of providers: the only file that names them all. Adding one is one line here. */
export const PROVIDERS: readonly ProviderDefinition[] = [sandbox, dashscope];

/** The provider `vidgate channels add` means when no --provider is given: an account to relay. */
export const CHANNEL_ADD_DEFAULT: ProviderDefinition = dashscope;

export function findProvider(id: string): ProviderDefinition | undefined {
  return PROVIDERS.find((p) => p.id === id);
}

/** Every environment variable some provider declares, with the provider that declares it. */
export function providerVariables(): { name: string; provider: ProviderDefinition }[] {
  return PROVIDERS.flatMap((provider) =>
    Object.keys(provider.variables.shape).map((name) => ({ name, provider })),
  );
}

/** The provider whose channel an empty store gets: vidgate's embedded upstream. */
export function defaultUpstream(): ProviderDefinition &
  Required<Pick<ProviderDefinition, 'defaultChannel'>> {
  for (const p of PROVIDERS)
    if (p.defaultChannel) return { ...p, defaultChannel: p.defaultChannel };
  throw new Error('no provider declares a default channel');
}
