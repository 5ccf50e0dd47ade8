import { isIP } from 'node:net';

/** Why an address is not a public internet address; null means it may be contacted. */
export type BlockReason =
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unspecified'
  | 'shared'
  | 'multicast'
  | 'reserved'
  | 'documentation'
  | 'local-name'
  | 'invalid';

type Range4 = readonly [base: string, bits: number, reason: BlockReason];

// IANA IPv4 special-purpose registry, minus the few globally reachable anycast entries that
// media hosts never use.
const V4_RANGES: readonly Range4[] = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'shared'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

// Names that by standard never denote a public host (RFC 6761, RFC 6762, RFC 8375, ICANN's
// 2024 reservation of .internal, used e.g. by metadata.google.internal).
const LOCAL_NAME_SUFFIXES = ['localhost', 'local', 'internal', 'home.arpa'];

function parseIPv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = value * 256 + n;
  }
  return value;
}

function parseIPv6(text: string): number[] | null {
  let s = text.toLowerCase();
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const groups: number[] = [];
  let tail: number[] = [];
  // A trailing dotted quad (::ffff:1.2.3.4) stands for the last two groups.
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    const v4 = parseIPv4(dotted[2] ?? '');
    if (v4 === null) return null;
    tail = [Math.floor(v4 / 65536), v4 % 65536];
    s = (dotted[1] ?? '').endsWith('::') ? (dotted[1] ?? '') : (dotted[1] ?? '').slice(0, -1);
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parse(halves[0] ?? '');
  const rest = halves.length === 2 ? parse(halves[1] ?? '') : [];
  if (!head || !rest) return null;
  const known = head.length + rest.length + tail.length;
  if (halves.length === 2) {
    if (known > 7) return null;
    groups.push(...head, ...new Array<number>(8 - known).fill(0), ...rest, ...tail);
  } else {
    if (known !== 8) return null;
    groups.push(...head, ...tail);
  }
  return groups;
}

function v4Reason(value: number): BlockReason | null {
  for (const [base, bits, reason] of V4_RANGES) {
    const baseValue = parseIPv4(base) ?? 0;
    const size = 2 ** (32 - bits);
    if (value >= baseValue && value < baseValue + size) return reason;
  }
  return null;
}

function embeddedV4(g: number[]): number {
  return (g[6] ?? 0) * 65536 + (g[7] ?? 0);
}

function v6Reason(g: number[]): BlockReason | null {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const zeroTo5 = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (zeroTo5 && g5 === 0 && g6 === 0 && g7 === 0) return 'unspecified';
  if (zeroTo5 && g5 === 0 && g6 === 0 && g7 === 1) return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d) and the deprecated IPv4-compatible form (::a.b.c.d) both reach
  // the embedded IPv4 address on dual-stack hosts.
  if (zeroTo5 && (g5 === 0xffff || g5 === 0)) return v4Reason(embeddedV4(g)) ?? null;
  // NAT64 (64:ff9b::/96) is how IPv6-only hosts reach public IPv4 sites; judge the IPv4 inside.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    return v4Reason(embeddedV4(g));
  }
  // 6to4 (2002::/16) carries an IPv4 address in groups 1–2.
  if (g0 === 0x2002) return v4Reason(g1 * 65536 + g2);
  if ((g0 & 0xfe00) === 0xfc00) return 'private';
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local';
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  if (g0 === 0x2001 && g1 === 0x0db8) return 'documentation';
  if ((g0 & 0xfff0) === 0x3ff0) return 'documentation';
  // Teredo (2001::/32) tunnels hide an arbitrary IPv4 server address.
  if (g0 === 0x2001 && g1 === 0) return 'reserved';
  // Only 2000::/3 is allocated as global unicast; everything else is reserved.
  if ((g0 & 0xe000) !== 0x2000) return 'reserved';
  return null;
}

/** Judges one IP address (v4 or v6, without brackets). */
export function addressBlockReason(address: string): BlockReason | null {
  const family = isIP(address.split('%')[0] ?? '');
  if (family === 4) {
    const v = parseIPv4(address);
    return v === null ? 'invalid' : v4Reason(v);
  }
  if (family === 6) {
    const g = parseIPv6(address);
    return g === null ? 'invalid' : v6Reason(g);
  }
  return 'invalid';
}

/** Judges a host name before resolving it: names that can only be local are refused outright. */
export function hostnameBlockReason(hostname: string): BlockReason | null {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  const local = LOCAL_NAME_SUFFIXES.some((s) => name === s || name.endsWith(`.${s}`));
  return local ? 'local-name' : null;
}

/** URL host without IPv6 brackets, as sockets and DNS want it. */
export function bareHostname(url: URL): string {
  const h = url.hostname;
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

/** The port a URL will connect to, defaults included. */
export function effectivePort(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

interface AllowEntry {
  hostname: string;
  port: number | null;
}

function parseAllowEntry(entry: string): AllowEntry {
  const text = entry.trim();
  let host = text;
  let port: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const hostPort = /^([^:]+):(\d+)$/.exec(text);
  if (bracketed) {
    host = `[${bracketed[1] ?? ''}]`;
    port = bracketed[2];
  } else if (hostPort) {
    host = hostPort[1] ?? '';
    port = hostPort[2];
  } else if (isIP(text) === 6) {
    host = `[${text}]`;
  }
  let hostname: string;
  try {
    // Normalise exactly as request URLs are normalised (case, IDNA, 127.1 → 127.0.0.1, …).
    hostname = new URL(`http://${host}/`).hostname;
  } catch {
    throw new Error(`Invalid media allow-list entry '${entry}': expected host or host:port.`);
  }
  const portNumber = port === undefined ? null : Number(port);
  if (portNumber !== null && (portNumber < 1 || portNumber > 65535)) {
    throw new Error(`Invalid media allow-list entry '${entry}': port out of range.`);
  }
  return { hostname, port: portNumber };
}

/**
 * Decides which hosts media may be fetched from: public internet addresses only, except for
 * allow-listed `host` / `host:port` entries (VIDGATE_MEDIA_ALLOW_HOSTS), which skip all checks.
 */
export class AddressPolicy {
  private readonly allow: readonly AllowEntry[];

  constructor(private readonly allowHosts: readonly string[] = []) {
    this.allow = allowHosts.filter((h) => h.trim() !== '').map(parseAllowEntry);
  }

  /** This policy with more allow-listed entries (same syntax); this one is left unchanged. */
  withHosts(extra: readonly string[]): AddressPolicy {
    return extra.length === 0 ? this : new AddressPolicy([...this.allowHosts, ...extra]);
  }

  /** True when the URL's host (and port, if the entry names one) is allow-listed. */
  isAllowListed(url: URL): boolean {
    const port = effectivePort(url);
    return this.allow.some((e) => e.hostname === url.hostname && (e.port ?? port) === port);
  }

  /** Why the URL's host name is refused before any lookup; null when it may be resolved. */
  checkHostname(url: URL): BlockReason | null {
    if (this.isAllowListed(url)) return null;
    const bare = bareHostname(url);
    if (isIP(bare) !== 0) return addressBlockReason(bare);
    return hostnameBlockReason(bare);
  }

  /** Why a resolved address of the URL's host is refused; null when it may be contacted. */
  checkAddress(url: URL, address: string): BlockReason | null {
    return this.isAllowListed(url) ? null : addressBlockReason(address);
  }
}

/** Splits VIDGATE_MEDIA_ALLOW_HOSTS-style text ("a.example, 10.0.0.5:9000") into entries. */
export function parseAllowHosts(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
