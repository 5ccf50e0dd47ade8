import type { ChannelRequest, ProviderSetup } from '../providers/provider.js';
import { defaultUpstream, PROVIDERS } from '../providers/registry.js';
import type { ChannelService, NewChannel } from './channel-service.js';

function newChannel(provider: string, c: ChannelRequest): NewChannel {
  return {
    name: c.name,
    provider,
    settings: { ...c.settings },
    models: [...c.models],
    ...(c.limits ? { limits: { ...c.limits } } : {}),
  };
}

/**
 * The channels a start makes: those the providers' variables ask for (created, or updated by
 * name), then the embedded upstream's default channel when the store has no channel at all. A
 * relayed account that replaces the default disables it, so tasks go upstream from now on.
 */
export async function ensureStartupChannels(
  channels: ChannelService,
  setups: ReadonlyMap<string, ProviderSetup>,
): Promise<void> {
  const fallback = defaultUpstream();
  for (const definition of PROVIDERS) {
    for (const c of setups.get(definition.id)?.startupChannels ?? []) {
      await channels.upsert(newChannel(definition.id, c));
      if (c.replacesDefault) await channels.setEnabled(fallback.defaultChannel.name, false);
    }
  }
  if ((await channels.list()).length > 0) return;
  await channels.create(newChannel(fallback.id, fallback.defaultChannel));
}
