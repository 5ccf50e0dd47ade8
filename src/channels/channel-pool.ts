import { z } from 'zod';
import type { Logger } from '../shared/logger.js';
import type { ProviderDefinition, VideoProvider } from '../providers/provider.js';
import { findModel } from '../models/model-table.js';
import { findProvider } from '../providers/registry.js';
import type { ChannelRow, ChannelStore } from '../store/channel-store.js';
import { channelLimitsSchema, type ChannelLimits } from './channel-limits.js';

/** A channel ready to use: its row, its provider definition and a live provider instance. */
export interface Channel {
  readonly id: string;
  readonly name: string;
  readonly definition: ProviderDefinition;
  readonly provider: VideoProvider;
  /** model names served; `*` serves every model in the table */
  readonly models: readonly string[];
  readonly priority: number;
  readonly weight: number;
  readonly limits: ChannelLimits;
  readonly enabled: boolean;
  readonly pausedUntil: number | null;
}

/** Decrypts a channel's stored settings; identity when no secrets are configured. */
export type SettingsReader = (row: ChannelRow, definition: ProviderDefinition) => unknown;

/** Builds one channel's provider from its opened settings (see ProviderSetup.create). */
export type ProviderFactory = (definition: ProviderDefinition, settings: unknown) => VideoProvider;

const modelsSchema = z.array(z.string());

/**
 * The channels this process can dispatch to. Rows are re-read periodically so that channels
 * added or paused by another process (or the CLI) take effect without a restart.
 */
export class ChannelPool {
  private channels = new Map<string, Channel>();
  /** provider instances are kept while a channel's settings are unchanged */
  private instances = new Map<string, { settings: string; provider: VideoProvider }>();

  constructor(
    private readonly store: ChannelStore,
    private readonly build: ProviderFactory,
    private readonly readSettings: SettingsReader,
    private readonly logger: Logger,
  ) {}

  async refresh(): Promise<void> {
    const rows = await this.store.list();
    const next = new Map<string, Channel>();
    for (const row of rows) {
      const definition = findProvider(row.provider);
      if (!definition) {
        this.logger.warn(
          { channel: row.name, provider: row.provider },
          'channel names an unknown provider',
        );
        continue;
      }
      let instance = this.instances.get(row.id);
      if (!instance || instance.settings !== row.settings) {
        try {
          const provider = this.build(definition, this.readSettings(row, definition));
          instance = { settings: row.settings, provider };
          this.instances.set(row.id, instance);
        } catch (err) {
          this.logger.error(
            { channel: row.name, err: errMessage(err) },
            'channel settings are invalid',
          );
          continue;
        }
      }
      next.set(row.id, {
        id: row.id,
        name: row.name,
        definition,
        provider: instance.provider,
        models: modelsSchema.parse(JSON.parse(row.models)),
        priority: row.priority,
        weight: row.weight,
        limits: channelLimitsSchema.parse(JSON.parse(row.limits)),
        enabled: row.enabled === 1,
        pausedUntil: row.pausedUntil === null ? null : Number(row.pausedUntil),
      });
    }
    this.channels = next;
  }

  get(id: string): Channel | undefined {
    return this.channels.get(id);
  }

  all(): Channel[] {
    return [...this.channels.values()];
  }

  /** Channels that may take `model` now: highest priority first, weighted-random within one. */
  candidates(model: string, now: number, random: () => number = Math.random): Channel[] {
    const usable = this.all().filter(
      (c) => c.enabled && (c.pausedUntil === null || c.pausedUntil <= now) && serves(c, model),
    );
    const byPriority = new Map<number, Channel[]>();
    for (const c of usable) byPriority.set(c.priority, [...(byPriority.get(c.priority) ?? []), c]);
    const out: Channel[] = [];
    for (const p of [...byPriority.keys()].sort((a, b) => b - a)) {
      out.push(...weightedShuffle(byPriority.get(p) ?? [], random));
    }
    return out;
  }

  /** Takes a channel out of rotation until `until`; every process sees it on its next refresh. */
  async pause(id: string, until: number, reason: string): Promise<void> {
    await this.store.update(id, { pausedUntil: until, pauseReason: reason });
    const c = this.channels.get(id);
    if (c) this.channels.set(id, { ...c, pausedUntil: until });
  }

  async close(): Promise<void> {
    for (const { provider } of this.instances.values()) await provider.close?.();
  }
}

/** Whether a channel takes a model: it lists it (or `*`) and its upstream offers it. */
export function serves(c: Channel, model: string): boolean {
  if (!c.models.includes('*') && !c.models.includes(model)) return false;
  const spec = findModel(model);
  return !spec || !c.provider.modelIdFor || c.provider.modelIdFor(spec) !== null;
}

function weightedShuffle(items: Channel[], random: () => number): Channel[] {
  const pool = [...items];
  const out: Channel[] = [];
  while (pool.length > 0) {
    const total = pool.reduce((s, c) => s + Math.max(c.weight, 0.0001), 0);
    let r = random() * total;
    let idx = 0;
    for (; idx < pool.length - 1; idx++) {
      r -= Math.max(pool[idx]?.weight ?? 0, 0.0001);
      if (r <= 0) break;
    }
    out.push(...pool.splice(idx, 1));
  }
  return out;
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
