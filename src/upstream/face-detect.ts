import type { ChannelPool } from '../channels/channel-pool.js';
import { API_ERRORS, type ApiErrorCode } from '../contract/error-codes.js';
import { MODELS } from '../models/model-table.js';
import { ProviderError } from '../providers/provider-error.js';
import type { FaceCheck } from '../providers/provider.js';
import type { Clock } from '../shared/clock.js';
import type { ChannelBudgets } from './channel-budget.js';

/** a synchronous call waits this long at most for a slot of the account's detect budget */
const SLOT_WAIT_MS = 2000;
const SLOT_POLL_MS = 100;

export type DetectOutcome =
  | { ok: true; check: FaceCheck; channelId: string }
  | { ok: false; code: ApiErrorCode; message: string; retryAfterMs?: number };

function isApiCode(code: string): code is ApiErrorCode {
  return Object.hasOwn(API_ERRORS, code);
}

/**
 * s2v's detect step (families §7.1) relayed as one synchronous call: to a channel that serves
 * wan2.2-s2v and has the check, within that account's detect budget (5 per second by default,
 * shared by every process). Never run on its own by a create: it costs money upstream.
 */
export class FaceDetectService {
  constructor(
    private readonly d: {
      channels: ChannelPool;
      budgets: ChannelBudgets;
      clock: Clock;
      sleep: (ms: number) => Promise<void>;
      /** refreshes the channel view when it may be stale */
      fresh: () => Promise<void>;
    },
  ) {}

  async detect(imageUrl: string, signal?: AbortSignal): Promise<DetectOutcome> {
    await this.d.fresh();
    // the check is for speech-to-video portraits: a channel that runs such a model runs it
    const speech = MODELS.filter((m) => m.modes.includes('speech'));
    const now = this.d.clock.now();
    const channels = [
      ...new Set(speech.flatMap((m) => this.d.channels.candidates(m.name, now))),
    ].filter((c) => c.provider.detectFace !== undefined);
    if (channels.length === 0) {
      const regions = [...new Set(speech.flatMap((m) => Object.keys(m.regions)))].join(', ');
      return {
        ok: false,
        code: 'InvalidParameter',
        message: `No channel of this gateway can check faces for speech-to-video: it needs a channel of ${regions || 'a region that offers it'}.`,
      };
    }
    const deadline = this.d.clock.now() + SLOT_WAIT_MS;
    let retryAfterMs = SLOT_POLL_MS;
    for (;;) {
      for (const c of channels) {
        const slot = await this.d.budgets.of(c).takeDetect();
        if (!slot.ok) {
          retryAfterMs = Math.min(retryAfterMs, slot.retryAfterMs);
          continue;
        }
        try {
          const detect = c.provider.detectFace?.bind(c.provider);
          if (!detect) continue;
          return { ok: true, check: await detect(imageUrl, signal), channelId: c.id };
        } catch (err) {
          return failureOf(err);
        } finally {
          await slot.settle();
        }
      }
      if (this.d.clock.now() + retryAfterMs > deadline) {
        return {
          ok: false,
          code: 'Throttling.RateQuota',
          message: 'Too many face checks at once for the upstream accounts; retry shortly.',
          retryAfterMs: Math.max(1000, retryAfterMs),
        };
      }
      await this.d.sleep(Math.max(SLOT_POLL_MS, retryAfterMs));
    }
  }
}

/** An upstream refusal keeps its code when the contract has it; an outage is a 503. */
function failureOf(err: unknown): DetectOutcome {
  if (!(err instanceof ProviderError)) throw err;
  if (err.kind === 'reject') {
    return {
      ok: false,
      code: isApiCode(err.code) ? err.code : 'InvalidParameter',
      message: err.message,
    };
  }
  return {
    ok: false,
    code: 'ServiceUnavailable',
    message: `The upstream did not check the image (${err.code}); retry shortly.`,
    retryAfterMs: err.retryAfterMs ?? 2000,
  };
}
