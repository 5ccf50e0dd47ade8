import { SIM_CREATE_PATHS, simPost } from '../../sim-client.js';
import type { SimAccountConfig, SimRegion } from '../../sim-options.js';
import { startDashScopeSimulator, type DashScopeSimulator } from '../../simulator.js';
import { SIM_FAMILY_MODELS, type SimTaskGroup } from './family-catalogue.js';

/**
 * The shape of the simulator's table-driven family tests (the `*-cases.ts` tables here, run by
 * family-cases.test.ts): a create body, the path group and region it is sent to, and
 * DashScope's expected answer.
 */

/** `ok` = 200 and a task; else the 400 code and a text the message must contain. */
export type CaseExpect = 'ok' | readonly [code: string, mention?: string];

export interface FamilyCase {
  name: string;
  body: unknown;
  expect: CaseExpect;
  /** default: the model's own group, video-generation for unknown models */
  group?: SimTaskGroup;
  /** default beijing */
  region?: SimRegion;
}

/** A titled list of cases (one `describe` of family-cases.test.ts). */
export interface CaseTable {
  title: string;
  cases: FamilyCase[];
}

/** `table(title, cases)` appending to `list`: how the case modules declare their tables. */
export function tableInto(list: CaseTable[]): (title: string, cases: FamilyCase[]) => void {
  return (title, cases) => void list.push({ title, cases });
}

/** An account whose limits never get in a table's way (limits have tests of their own). */
export function unlimitedAccount(region: SimRegion): SimAccountConfig {
  const high = { createPerSecond: 1_000_000, concurrentTasks: 1_000_000 };
  return {
    id: `acct-${region}`,
    region,
    keys: ['sk-sim'],
    limits: high,
    modelLimits: Object.fromEntries(SIM_FAMILY_MODELS.map((m) => [m.name, high])),
  };
}

/** The group a case is sent on. */
export function groupOf(c: FamilyCase): SimTaskGroup {
  if (c.group) return c.group;
  const model = (c.body as { model?: unknown } | null)?.model;
  return SIM_FAMILY_MODELS.find((m) => m.name === model)?.group ?? 'video-generation';
}

/** `{type, url}` media items. */
export const media = (...items: (readonly [string, string])[]) =>
  items.map(([type, url]) => ({ type, url }));

export const IMG = 'https://media.example.com/a.png';
export const IMG2 = 'https://media.example.com/b.jpg';
export const VID = 'https://media.example.com/v.mp4';
export const AUD = 'https://media.example.com/a.mp3';
export const DATA_IMG = 'data:image/png;base64,iVBORw0KGgo=';
export const DATA_VID = 'data:video/mp4;base64,AAAAIGZ0eXA=';
export const DATA_AUD = 'data:audio/mpeg;base64,SUQz';
export const NOT_A_URL = 'not a url';

/**
 * Sends a case to `baseUrl` (a simulator of the case's region) and returns what went wrong, or
 * null when DashScope's expected answer came back.
 */
export async function caseProblem(baseUrl: string, c: FamilyCase): Promise<string | null> {
  const a = await simPost(baseUrl, SIM_CREATE_PATHS[groupOf(c)], c.body);
  const got = `${a.status} ${JSON.stringify(a.json)}`;
  if (c.expect === 'ok') return a.status === 200 ? null : `expected 200, got ${got}`;
  const [code, mention] = c.expect;
  if (a.status !== 400 || a.json.code !== code) return `expected 400 ${code}, got ${got}`;
  const message = typeof a.json.message === 'string' ? a.json.message : '';
  return mention === undefined || message.includes(mention)
    ? null
    : `expected the message to name ${mention}: ${message}`;
}

/** One unlimited simulator per region, started at first use; `close` stops them all. */
export function caseSimulators(): {
  url(region?: SimRegion): Promise<string>;
  close(): Promise<void>;
} {
  const sims = new Map<SimRegion, Promise<DashScopeSimulator>>();
  return {
    async url(region = 'beijing') {
      let sim = sims.get(region);
      if (!sim) {
        sim = startDashScopeSimulator({ region, accounts: [unlimitedAccount(region)] });
        sims.set(region, sim);
      }
      return (await sim).url;
    },
    async close() {
      await Promise.all([...sims.values()].map(async (s) => (await s).close()));
    },
  };
}
