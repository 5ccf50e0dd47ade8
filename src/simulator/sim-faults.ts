import { z } from 'zod';
import { seededRandom } from '../shared/seeded-random.js';

/**
 * What can go wrong with one request. `reset`, `timeout`, `rate429` and `error5xx` strike before
 * the request is handled (no side effect); `slow`, `malformedJson` and `lostAnswer` strike after
 * it was handled, so a create behind them has made its task.
 */
export const FAULT_KINDS = [
  'rate429',
  'error5xx',
  'slow',
  'timeout',
  'reset',
  'malformedJson',
  'lostAnswer',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Requests are faulted per endpoint group: creates, and task queries + lists + cancels. */
export type FaultTarget = 'create' | 'query';

const faultParams = {
  /** `slow`: how long the answer is held back (default 2000 ms of real time) */
  delayMs: z.number().int().min(0).optional(),
  /** `error5xx`: 500 InternalError or 503 ModelUnavailable (default: either, seeded) */
  status: z.union([z.literal(500), z.literal(503)]).optional(),
  /** `rate429`: the Retry-After header (default 1 s) */
  retryAfterSec: z.number().int().min(0).optional(),
  /** `lostAnswer`: keep the connection open forever instead of resetting it */
  hang: z.boolean().optional(),
  /**
   * creates: hold the request this long (real ms) before handling it, instead of the
   * simulator's `createLatencyMs`; lets a test choose the order in which tasks are created
   */
  handleAfterMs: z.number().int().min(0).optional(),
};

const faultStepSchema = z.union([
  z.enum(FAULT_KINDS),
  z.object({ kind: z.enum(FAULT_KINDS), ...faultParams }).strict(),
  // `null` in a queue lets one request through unharmed between two faulted ones
  z.null(),
]);
export type FaultStep = z.infer<typeof faultStepSchema>;

const probability = z.number().min(0).max(1).optional();
const probabilitiesSchema = z
  .object({
    rate429: probability,
    error5xx: probability,
    slow: probability,
    timeout: probability,
    reset: probability,
    malformedJson: probability,
    lostAnswer: probability,
  })
  .strict()
  .refine((p) => Object.values(p).reduce((a: number, b) => a + (b ?? 0), 0) <= 1, {
    message: 'fault probabilities must add up to at most 1',
  });

const targetFaultsSchema = z
  .object({
    /** consumed one step per request, before any probability is rolled */
    queue: z.array(faultStepSchema).optional(),
    probabilities: probabilitiesSchema.optional(),
    ...faultParams,
  })
  .strict();
export type TargetFaults = z.input<typeof targetFaultsSchema>;

export const simFaultsSchema = z
  .object({
    /** seeds the probability rolls; default: the simulator's seed */
    seed: z.number().int().optional(),
    create: targetFaultsSchema.optional(),
    query: targetFaultsSchema.optional(),
  })
  .strict();
export type SimFaults = z.input<typeof simFaultsSchema>;

/** A fault chosen for one request, every parameter decided. */
export interface ChosenFault {
  kind: FaultKind;
  delayMs: number;
  status: 500 | 503;
  retryAfterSec: number;
  hang: boolean;
  /** undefined: the simulator's own create latency applies */
  handleAfterMs: number | undefined;
}

type Parsed = z.infer<typeof targetFaultsSchema>;

function zeroCounts(): Record<FaultKind, number> {
  return {
    rate429: 0,
    error5xx: 0,
    slow: 0,
    timeout: 0,
    reset: 0,
    malformedJson: 0,
    lostAnswer: 0,
  };
}

/** Decides, deterministically for a given seed and request order, which requests fail how. */
export class FaultInjector {
  private targets: { create: Parsed; query: Parsed } = { create: {}, query: {} };
  private queues: { create: FaultStep[]; query: FaultStep[] } = { create: [], query: [] };
  private random: () => number;
  private readonly injected = zeroCounts();

  constructor(
    faults: SimFaults,
    private readonly defaultSeed: number,
  ) {
    this.random = seededRandom(defaultSeed);
    this.set(faults);
  }

  /** Replaces the whole fault plan (throws a ZodError for an invalid one). */
  set(faults: SimFaults): void {
    const parsed = simFaultsSchema.parse(faults);
    this.targets = { create: parsed.create ?? {}, query: parsed.query ?? {} };
    this.queues = {
      create: [...(parsed.create?.queue ?? [])],
      query: [...(parsed.query?.queue ?? [])],
    };
    this.random = seededRandom(parsed.seed ?? this.defaultSeed);
  }

  /** How many faults of each kind were injected so far. */
  counts(): Record<FaultKind, number> {
    return { ...this.injected };
  }

  /** Steps still waiting in each queue. */
  pending(): { create: number; query: number } {
    return { create: this.queues.create.length, query: this.queues.query.length };
  }

  pick(target: FaultTarget): ChosenFault | null {
    const plan = this.targets[target];
    const queue = this.queues[target];
    let step: FaultStep;
    if (queue.length > 0) {
      step = queue.shift() ?? null;
    } else {
      step = this.roll(plan);
    }
    if (step === null) return null;
    const s = typeof step === 'string' ? { kind: step } : step;
    const fault: ChosenFault = {
      kind: s.kind,
      delayMs: ('delayMs' in s ? s.delayMs : undefined) ?? plan.delayMs ?? 2000,
      status:
        ('status' in s ? s.status : undefined) ??
        plan.status ??
        (s.kind === 'error5xx' && this.random() < 0.5 ? 503 : 500),
      retryAfterSec:
        ('retryAfterSec' in s ? s.retryAfterSec : undefined) ?? plan.retryAfterSec ?? 1,
      hang: ('hang' in s ? s.hang : undefined) ?? plan.hang ?? false,
      handleAfterMs: ('handleAfterMs' in s ? s.handleAfterMs : undefined) ?? plan.handleAfterMs,
    };
    this.injected[fault.kind] += 1;
    return fault;
  }

  private roll(plan: Parsed): FaultStep {
    const probabilities = plan.probabilities;
    if (!probabilities) return null;
    const r = this.random();
    let cumulative = 0;
    for (const kind of FAULT_KINDS) {
      cumulative += probabilities[kind] ?? 0;
      if (r < cumulative) return kind;
    }
    return null;
  }
}
