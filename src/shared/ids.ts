import { randomBytes, randomUUID } from 'node:crypto';

/** Every id prefix vidgate hands out, so an id tells what it names. */
export const ID_PREFIXES = {
  task: 'task',
  account: 'acct',
  token: 'tok',
  channel: 'chan',
  worker: 'wrk',
  upload: 'upl',
  webhookEndpoint: 'whep',
  webhookDelivery: 'whdl',
} as const;
export type IdKind = keyof typeof ID_PREFIXES;

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

function encodeTime(ms: number): string {
  let out = '';
  let rest = ms;
  for (let i = 0; i < 10; i++) {
    out = (CROCKFORD[rest % 32] ?? '0') + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function encodeRandom(bytes: number): string {
  const buf = randomBytes(bytes);
  let out = '';
  for (const b of buf) out += CROCKFORD[b % 32] ?? '0';
  return out;
}

/** Prefixed, time-sortable id: `task_01hx…`. 16 random chars carry 80 bits, enough to be unguessable. */
export function newId(kind: IdKind, now: number = Date.now()): string {
  return `${ID_PREFIXES[kind]}_${encodeTime(now)}${encodeRandom(16)}`;
}

/** DashScope's request ids are UUIDs; clients that log or parse them keep working. */
export function newRequestId(): string {
  return randomUUID();
}
