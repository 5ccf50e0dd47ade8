import { isIPv6 } from 'node:net';

export interface AuthThrottleOptions {
  /** failures one client may make per window; the next request in the window gets 429 */
  limit: number;
  windowMs: number;
  /** addresses remembered at once; the least recently seen is forgotten first */
  maxClients?: number;
}

interface Window {
  startedAt: number;
  failures: number;
}

/**
 * 10,000 windows are well under a megabyte. A flood from more addresses than this forgets the
 * oldest, which lets those retry sooner, but never grows the process.
 */
const DEFAULT_MAX_CLIENTS = 10_000;

/**
 * Counts failed authentications per client in fixed windows, so a client guessing tokens gets
 * `limit` guesses per window. A success does not reset the count: a client holding one valid
 * token would otherwise interleave it to guess others without limit.
 */
export class AuthThrottle {
  private readonly windows = new Map<string, Window>();
  private readonly maxClients: number;

  constructor(private readonly options: AuthThrottleOptions) {
    this.maxClients = options.maxClients ?? DEFAULT_MAX_CLIENTS;
  }

  /** Seconds the client must wait, or null when it may try (again). */
  retryAfterSeconds(client: string, now: number): number | null {
    const w = this.live(client, now);
    if (!w || w.failures < this.options.limit) return null;
    return Math.max(1, Math.ceil((w.startedAt + this.options.windowMs - now) / 1000));
  }

  recordFailure(client: string, now: number): void {
    const w = this.live(client, now) ?? { startedAt: now, failures: 0 };
    w.failures++;
    // re-inserting keeps the Map in least-recently-failed order for eviction
    this.windows.delete(client);
    this.windows.set(client, w);
    while (this.windows.size > this.maxClients) {
      const oldest = this.windows.keys().next();
      if (oldest.done === true) break;
      this.windows.delete(oldest.value);
    }
  }

  /** How many clients are remembered (tests bound the memory with it). */
  get size(): number {
    return this.windows.size;
  }

  private live(client: string, now: number): Window | undefined {
    const w = this.windows.get(client);
    if (!w) return undefined;
    if (now - w.startedAt >= this.options.windowMs) {
      this.windows.delete(client);
      return undefined;
    }
    return w;
  }
}

/**
 * The throttling key of an address. One IPv6 host usually holds a whole /64, so IPv6 clients
 * are counted per /64; an IPv4-mapped IPv6 address counts as the IPv4 address.
 */
export function clientKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (!isIPv6(address)) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('%')[0]?.split('::') ?? [];
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
