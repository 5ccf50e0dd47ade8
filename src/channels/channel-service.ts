import { z } from 'zod';
import type { Clock } from '../shared/clock.js';
import { newId } from '../shared/ids.js';
import { findProvider, PROVIDERS } from '../providers/registry.js';
import type { ProviderDefinition } from '../providers/provider.js';
import type { ChannelRow, ChannelStore } from '../store/channel-store.js';
import { channelLimitsSchema, type ChannelLimits } from './channel-limits.js';
import { SecretBox } from './secret-box.js';

export const newChannelSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, . _ - only'),
  provider: z.string(),
  settings: z.record(z.string(), z.unknown()).default({}),
  models: z.array(z.string().min(1)).min(1).default(['*']),
  priority: z.number().int().default(0),
  weight: z.number().int().positive().default(1),
  limits: channelLimitsSchema.partial().default({}),
  enabled: z.boolean().default(true),
});
export type NewChannel = z.input<typeof newChannelSchema>;

/** A channel as the CLI and admin API show it: never a secret, not even encrypted. */
export interface ChannelView {
  id: string;
  name: string;
  provider: string;
  settings: Record<string, unknown>;
  models: string[];
  priority: number;
  weight: number;
  limits: ChannelLimits;
  enabled: boolean;
  paused_until: number | null;
  pause_reason: string | null;
}

export class ChannelError extends Error {}

/** Creating, listing and changing channels; secrets are sealed before they reach the store. */
export class ChannelService {
  constructor(
    private readonly store: ChannelStore,
    private readonly box: SecretBox,
    private readonly clock: Clock,
  ) {}

  private definition(id: string): ProviderDefinition {
    const d = findProvider(id);
    if (!d)
      throw new ChannelError(
        `unknown provider '${id}'; known: ${PROVIDERS.map((p) => p.id).join(', ')}`,
      );
    return d;
  }

  /** Stored settings with secret fields sealed. */
  private seal(def: ProviderDefinition, settings: Record<string, unknown>): string {
    const parsed = def.settingsSchema.safeParse(settings);
    if (!parsed.success) {
      throw new ChannelError(
        `invalid settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    const out: Record<string, unknown> = { ...settings };
    for (const f of def.secretFields) {
      if (out[f] !== undefined) out[f] = this.box.seal(JSON.stringify(out[f]));
    }
    return JSON.stringify(out);
  }

  /** Reads stored settings back for the provider, opening sealed fields. */
  readSettings(row: ChannelRow, def: ProviderDefinition): unknown {
    const raw = z.record(z.string(), z.unknown()).parse(JSON.parse(row.settings));
    for (const f of def.secretFields) {
      const v = raw[f];
      if (SecretBox.isSealed(v)) raw[f] = JSON.parse(this.box.open(v)) as unknown;
    }
    return raw;
  }

  async create(input: unknown): Promise<ChannelView> {
    const c = newChannelSchema.parse(input);
    const def = this.definition(c.provider);
    if (await this.store.findByName(c.name))
      throw new ChannelError(`a channel named '${c.name}' exists`);
    const row: ChannelRow = {
      id: newId('channel'),
      name: c.name,
      provider: def.id,
      settings: this.seal(def, c.settings),
      models: JSON.stringify(c.models),
      priority: c.priority,
      weight: c.weight,
      limits: JSON.stringify(channelLimitsSchema.parse(c.limits)),
      enabled: c.enabled ? 1 : 0,
      pausedUntil: null,
      pauseReason: null,
      createdAt: this.clock.now(),
    };
    await this.store.insert(row);
    return this.view(row);
  }

  /** Creates the channel, or replaces its settings when one of that name exists. */
  async upsert(input: NewChannel): Promise<ChannelView> {
    const c = newChannelSchema.parse(input);
    const existing = await this.store.findByName(c.name);
    if (!existing) return this.create(input);
    const def = this.definition(c.provider);
    await this.store.update(existing.id, {
      provider: def.id,
      settings: this.seal(def, c.settings),
      models: JSON.stringify(c.models),
      enabled: c.enabled ? 1 : 0,
    });
    const row = await this.store.get(existing.id);
    if (!row) throw new ChannelError('channel vanished');
    return this.view(row);
  }

  async list(): Promise<ChannelView[]> {
    return (await this.store.list()).map((r) => this.view(r));
  }

  async setEnabled(name: string, enabled: boolean): Promise<boolean> {
    const row = await this.store.findByName(name);
    if (!row) return false;
    return this.store.update(row.id, {
      enabled: enabled ? 1 : 0,
      ...(enabled ? { pausedUntil: null, pauseReason: null } : {}),
    });
  }

  async remove(name: string): Promise<boolean> {
    const row = await this.store.findByName(name);
    return row ? this.store.delete(row.id) : false;
  }

  view(row: ChannelRow): ChannelView {
    const def = findProvider(row.provider);
    const settings = z.record(z.string(), z.unknown()).parse(JSON.parse(row.settings));
    for (const f of def?.secretFields ?? []) {
      if (settings[f] !== undefined) settings[f] = '[redacted]';
    }
    return {
      id: row.id,
      name: row.name,
      provider: row.provider,
      settings,
      models: z.array(z.string()).parse(JSON.parse(row.models)),
      priority: row.priority,
      weight: row.weight,
      limits: channelLimitsSchema.parse(JSON.parse(row.limits)),
      enabled: row.enabled === 1,
      paused_until: row.pausedUntil === null ? null : Number(row.pausedUntil),
      pause_reason: row.pauseReason,
    };
  }
}
