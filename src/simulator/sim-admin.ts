import { z } from 'zod';
import type { SimReply } from './sim-api.js';
import { simFaultsSchema, type SimFaults } from './sim-faults.js';
import { simAccountSchema, type SimAccountConfig } from './sim-options.js';
import type { SimState } from './sim-state.js';

/** What the admin endpoints may change; the simulator handle implements it. */
export interface SimControls {
  state: SimState;
  setFaults(f: SimFaults): void;
  setAccount(a: SimAccountConfig): void;
}

function bad(message: string): SimReply {
  return { status: 400, body: { code: 'InvalidParameter', message } };
}

function problem(err: unknown): string {
  if (err instanceof z.ZodError) return z.prettifyError(err);
  return err instanceof Error ? err.message : String(err);
}

/** `POST /__sim/face-detect`: `{fail: {code?, message?}}` forces a failed verdict, `{fail: null}` clears it. */
const detectVerdictSchema = z
  .object({
    fail: z
      .object({ code: z.string().min(1).optional(), message: z.string().min(1).optional() })
      .strict()
      .nullable(),
  })
  .strict();

function forcedFailure(json: unknown, controls: SimControls): void {
  const { fail } = detectVerdictSchema.parse(json);
  controls.state.forcedDetectFailure = fail && {
    code: fail.code ?? 'InvalidParameter',
    message: fail.message ?? 'No human face was detected in the image.',
  };
}

/**
 * Test/benchmark controls under `/__sim/` (no auth: bind the simulator to loopback):
 * `GET stats`, `GET tasks[?account=]`, `POST faults`, `POST accounts`, `POST face-detect`.
 * Null for other paths.
 */
export function handleAdmin(
  method: string,
  path: string,
  query: URLSearchParams,
  body: Buffer,
  controls: SimControls,
): SimReply | null {
  const route = `${method} ${path}`;
  if (route === 'GET /__sim/stats') return { status: 200, body: controls.state.stats() };
  if (route === 'GET /__sim/tasks') {
    const account = query.get('account');
    const tasks = controls.state.allTasks();
    return {
      status: 200,
      body: { tasks: account ? tasks.filter((t) => t.accountId === account) : tasks },
    };
  }
  if (
    route === 'POST /__sim/faults' ||
    route === 'POST /__sim/accounts' ||
    route === 'POST /__sim/face-detect'
  ) {
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return bad('The request body is not valid JSON.');
    }
    try {
      if (path === '/__sim/faults') controls.setFaults(simFaultsSchema.parse(json));
      else if (path === '/__sim/face-detect') forcedFailure(json, controls);
      else controls.setAccount(simAccountSchema.parse(json));
    } catch (err) {
      return bad(problem(err));
    }
    return { status: 200, body: { ok: true, faultsPending: controls.state.faults.pending() } };
  }
  return null;
}
