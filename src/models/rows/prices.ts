import type { ModelPrice, ResolutionTier } from '../model-table.js';

/** Millionths of a currency unit from a decimal text ('0.071677'): exact, no floating point. */
export function micros(decimal: string): number {
  const m = /^(\d+)(?:\.(\d{1,6}))?$/.exec(decimal);
  if (!m) throw new Error(`not a price: ${decimal}`);
  return Number(m[1]) * 1_000_000 + Number((m[2] ?? '').padEnd(6, '0'));
}

type TierPrices = Partial<Record<ResolutionTier | 'any', string>>;

function prices(
  region: ModelPrice['region'],
  currency: ModelPrice['currency'],
  table: TierPrices,
  unverified: boolean,
  variant?: string,
): ModelPrice[] {
  return Object.entries(table).map(([tier, value]) => ({
    region,
    currency,
    tier: tier as ModelPrice['tier'],
    perSecondMicros: micros(value ?? '0'),
    ...(variant ? { variant } : {}),
    ...(unverified ? { unverified: true } : {}),
  }));
}

/** Beijing list prices, CNY per second. */
export const cny = (t: TierPrices, unverified = false, variant?: string) =>
  prices('beijing', 'CNY', t, unverified, variant);
/** International (Singapore) list prices, USD per second. */
export const usd = (t: TierPrices, unverified = false, variant?: string) =>
  prices('singapore', 'USD', t, unverified, variant);
