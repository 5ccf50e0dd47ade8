/**
 * A client beside the lost-submits drill (issue 13 item 5, ADR 0016): while a phase runs, it
 * keeps polling known tasks on both faces (`/task/{id}`, `/api/v1/tasks/{id}`) and sends a
 * trickle of creates, half with an Idempotency-Key (each sent twice: the repeat must name the
 * same task). Every HTTP answer is counted by status; a 5xx or a 429 on these routes is a defect.
 * A request that got no HTTP answer at all (connection refused or reset while a process is
 * killed and restarted) is counted apart: it is not an answer vidgate gave.
 */
import { z } from 'zod';
import type { DrillTask } from './lost-submits-drill-rig.js';

export interface ProbeResult {
  /** task GETs by HTTP status */
  gets: Record<string, number>;
  /** creates (repeats with the key included) by HTTP status */
  creates: Record<string, number>;
  /** requests that got no HTTP answer (no process listening, or killed mid-answer) */
  noAnswer: number;
  /** 5xx and 429 answers of both routes: each one a defect */
  serverErrors: number;
  throttled: number;
  /** a repeat with the same Idempotency-Key named another task */
  replayMismatch: number;
  /** creates without a key that got no answer: vidgate may or may not hold their task */
  unkeyedUnanswered: number;
  accepted: number;
}

export interface ClientProbe {
  /** all the trickle's creates have been answered (or given up on) */
  createsDone(): boolean;
  stop(): Promise<ProbeResult>;
}

export interface ProbeOptions {
  /** the live process's origin: it changes when the drill restarts vidgate */
  url: () => string;
  token: string;
  /** the trickle's creates, sent one every `createEveryMs` */
  tasks: readonly DrillTask[];
  createEveryMs: number;
  /** the phase's own accepted tasks, polled too */
  known: () => readonly string[];
  /** told about each task a probe create made, so the drill checks it like its own */
  onAccepted: (id: string, task: DrillTask) => void;
  /** GET loops running side by side */
  pollers: number;
}

const createdSchema = z.object({ output: z.object({ task_id: z.string().min(1) }) });
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** a keyed create is repeated until answered; a restart takes seconds, this is minutes */
const KEYED_TRIES = 240;

export function startClientProbe(o: ProbeOptions): ClientProbe {
  const result: ProbeResult = {
    gets: {},
    creates: {},
    noAnswer: 0,
    serverErrors: 0,
    throttled: 0,
    replayMismatch: 0,
    unkeyedUnanswered: 0,
    accepted: 0,
  };
  const mine: string[] = [];
  let stopped = false;
  let createsFinished = false;

  const count = (into: Record<string, number>, status: number): void => {
    into[status] = (into[status] ?? 0) + 1;
    if (status >= 500) result.serverErrors++;
    if (status === 429) result.throttled++;
  };

  /** One request; null when no HTTP answer came. */
  async function send(
    path: string,
    init: RequestInit,
  ): Promise<{ status: number; json: unknown } | null> {
    try {
      const res = await fetch(`${o.url()}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${o.token}`, ...init.headers },
        signal: AbortSignal.timeout(120_000),
      });
      const text = await res.text();
      let json: unknown = null;
      try {
        json = JSON.parse(text);
      } catch {
        // a non-JSON answer is still an answer; its status is what is counted
      }
      return { status: res.status, json };
    } catch {
      result.noAnswer++;
      return null;
    }
  }

  async function create(t: DrillTask, key: string | undefined) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (key !== undefined) headers['idempotency-key'] = key;
    return send(t.path, { method: 'POST', headers, body: JSON.stringify(t.body) });
  }

  /** With a key a create can be sent again until it is answered; the key makes it one task. */
  async function keyedCreate(t: DrillTask, key: string): Promise<string | null> {
    for (let i = 0; i < KEYED_TRIES && !stopped; i++) {
      const a = await create(t, key);
      if (a === null) {
        await sleep(500);
        continue;
      }
      count(result.creates, a.status);
      return a.status === 200 ? createdSchema.parse(a.json).output.task_id : null;
    }
    return null;
  }

  const creating = (async () => {
    for (const [i, t] of o.tasks.entries()) {
      if (stopped) break;
      let id: string | null = null;
      if (i % 2 === 0) {
        const key = `probe-${t.index}-${t.prompt.length}-${Date.now()}`;
        id = await keyedCreate(t, key);
        if (id !== null) {
          const again = await keyedCreate(t, key);
          if (again !== null && again !== id) result.replayMismatch++;
        }
      } else {
        const a = await create(t, undefined);
        if (a === null) result.unkeyedUnanswered++;
        else {
          count(result.creates, a.status);
          if (a.status === 200) id = createdSchema.parse(a.json).output.task_id;
        }
      }
      if (id !== null) {
        result.accepted++;
        mine.push(id);
        o.onAccepted(id, t);
      }
      await sleep(o.createEveryMs);
    }
    createsFinished = true;
  })();

  const polling = Array.from({ length: o.pollers }, async (_, p) => {
    for (let n = p; !stopped; n++) {
      const known = o.known();
      const ids = known.length > 0 ? known : mine;
      const id = ids[n % Math.max(1, ids.length)];
      if (id === undefined) {
        await sleep(200);
        continue;
      }
      const path = n % 2 === 0 ? `/task/${id}` : `/api/v1/tasks/${id}`;
      const a = await send(path, { method: 'GET' });
      if (a === null) await sleep(200);
      else count(result.gets, a.status);
      await sleep(50);
    }
  });

  return {
    createsDone: () => createsFinished,
    async stop() {
      stopped = true;
      await Promise.all([creating, ...polling]);
      return result;
    },
  };
}
