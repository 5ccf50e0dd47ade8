import { findModel } from '../models/model-table.js';

/**
 * How long an upstream task takes, by model, tier and duration: an exponentially weighted mean
 * of finished tasks, falling back to the model table's typical time before any has finished.
 */
export class EtaEstimator {
  private readonly means = new Map<string, { meanMs: number; n: number }>();

  private static key(model: string, tier: string, durationSec: number): string {
    return `${model}|${tier}|${durationSec}`;
  }

  estimateMs(model: string, tier: string, durationSec: number): number {
    const learned = this.means.get(EtaEstimator.key(model, tier, durationSec));
    // whole milliseconds: the store keeps times as bigint
    if (learned) return Math.round(learned.meanMs);
    // a near key (same model, any tier/duration) is a better guess than the static table
    for (const [k, v] of this.means) if (k.startsWith(`${model}|`)) return Math.round(v.meanMs);
    const typical = findModel(model)?.typicalRunSeconds ?? 180;
    return Math.round(typical * 1000 * Math.max(0.6, durationSec / 5));
  }

  observe(model: string, tier: string, durationSec: number, tookMs: number): void {
    if (!(tookMs > 0)) return;
    const key = EtaEstimator.key(model, tier, durationSec);
    const prev = this.means.get(key);
    const alpha = prev ? Math.max(0.1, 1 / (prev.n + 1)) : 1;
    const meanMs = prev ? prev.meanMs + alpha * (tookMs - prev.meanMs) : tookMs;
    this.means.set(key, { meanMs, n: (prev?.n ?? 0) + 1 });
  }
}
