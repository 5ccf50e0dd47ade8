import type { ModelMode } from '../../src/models/model-table.js';
import type { RequestBody } from '../../src/models/task-request.js';
import { validateRequest } from '../../src/models/validate-request.js';
import type { Clock } from '../../src/shared/clock.js';
import type {
  EnvSource,
  ProviderDefinition,
  ProviderSetup,
  VideoProvider,
} from '../../src/providers/provider.js';

/**
 * The time both a provider and its upstream read. It moves only when a test moves it, so a
 * test sees every phase of a task however busy the machine is.
 */
export class ManualClock implements Clock {
  private at = Date.now();

  now(): number {
    return this.at;
  }

  advance(ms: number): void {
    this.at += ms;
  }
}

/** What an upstream can be made to do wrong on the next request, as DashScope's HTTP shows it. */
export type UpstreamFault =
  | { kind: 'rate429'; retryAfterSec: number }
  | { kind: 'error5xx'; status: 500 | 503 }
  /** handled upstream (a create makes its task), then the connection is reset */
  | { kind: 'lostAnswer' };

export type FaultTarget = 'submit' | 'query' | 'cancel';

/** One provider set up for the suite: its upstream started, its state in a temp place. */
export interface ProviderHarness {
  readonly clock: ManualClock;
  /**
   * Longest queue and run phases of a task in clock ms. A task is PENDING until its queue time
   * ends and its shortest run outlasts the spread of queue times, so advancing by
   * `queueMaxMs + 1` after a submit always lands in RUNNING.
   */
  readonly queueMaxMs: number;
  readonly runMaxMs: number;
  /** a body the upstream accepts and later fails as a task, and the code it fails with */
  readonly failing: { body: RequestBody; code: string };
  /** a new instance from the same settings and state (workDir), as after a restart */
  readonly create: () => VideoProvider;
  /** an instance whose credential the upstream refuses (providers with secret settings) */
  readonly createWithBadCredential?: () => VideoProvider;
  /** makes the upstream answer the next request of `target` with `fault` */
  readonly injectFault?: (target: FaultTarget, fault: UpstreamFault) => void;
  /** closes every instance it created and stops the upstream */
  readonly close: () => Promise<void>;
}

/** How to start a harness, with what is known before starting it. */
export interface HarnessFactory {
  readonly definition: ProviderDefinition;
  /** the upstream is reached over a transport that can fail (so `injectFault` exists) */
  readonly hasTransport: boolean;
  start(): Promise<ProviderHarness>;
}

/** `raw` as vidgate accepts and stores it (what the engine hands a provider). */
export function acceptedBody(mode: ModelMode, raw: unknown): RequestBody {
  const checked = validateRequest(mode, raw);
  if (!checked.ok) throw new Error(`not an accepted body: ${checked.message}`);
  return checked.body;
}

/** A provider's setup from the given variables, as `vidgate serve` reads them. */
export function setupOf(def: ProviderDefinition, env: EnvSource): ProviderSetup {
  const result = def.configure(env);
  if (!result.ok) throw new Error(`${def.id}: ${result.problems.join('; ')}`);
  return result.setup;
}
