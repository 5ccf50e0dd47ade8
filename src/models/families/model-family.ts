import type { MediaInfo } from '../../media/inline-media.js';
import type { MediaSlot } from '../media-slot.js';
import type { ModelMode, ModelSpec } from '../model-table.js';
import type { RequestProblem } from '../request-problem.js';
import type { EffectiveRequest, RequestBody } from '../task-request.js';

/** How a family's `input` carries its media (families §1.1). */
export type InputProtocol = 'flat' | 'media' | 'function';

/** Where DashScope's answer puts what a relay needs (families §1.1). */
export interface AnswerShape {
  /** the video URL's places in a SUCCEEDED task, tried in this order */
  readonly videoUrl: readonly ('output.video_url' | 'output.results.video_url')[];
  /** the `usage` field that holds the billed seconds */
  readonly billedSeconds: 'duration' | 'video_duration';
}

/** A media input after its bytes were read: what the file holds. */
export interface CheckedSlot {
  readonly slot: MediaSlot;
  readonly info: MediaInfo;
}

export type EditLook = 'restyle' | 'repaint' | 'outpaint' | 'extend' | 'mask';

/** What the sandbox draws, naming inputs by their request field (MediaSlot.field). */
export type PlanVisual =
  | { kind: 'text' }
  | { kind: 'still'; image: string }
  | { kind: 'sequence'; items: string[] }
  | { kind: 'transition'; first: string; last: string }
  | { kind: 'continuation'; clip: string; last: string | null }
  | { kind: 'edit'; video: string; look: EditLook }
  | { kind: 'animate'; image: string; video: string };

export type PlanAudio = { kind: 'none' } | { kind: 'synth' } | { kind: 'file'; field: string };

/**
 * The video DashScope would make for a request, as the sandbox renders it (families §10): its
 * size, length, sound, mark and the `usage` the family reports for it.
 */
export interface SandboxPlan {
  readonly visual: PlanVisual;
  readonly width: number;
  readonly height: number;
  /** may be fractional where the length follows an input (s2v follows its audio) */
  readonly durationSec: number;
  readonly fps: 24 | 30;
  readonly audio: PlanAudio;
  /** the visible mark DashScope burns in when `watermark` is on; null for none */
  readonly watermark: string | null;
  readonly usage: Record<string, unknown>;
  /** kf2v and wan2.5 return the rewritten prompt */
  readonly actualPrompt?: string;
}

/**
 * One family of DashScope models: everything that differs between wan2.6's flat fields, the
 * `media[]` protocol of Wan 2.7 / Wan 3.0 / HappyHorse and the specialised families. A model
 * row names its family; adding a family is one module in `families/` and one registry line.
 */
export interface ModelFamily {
  readonly id: string;
  readonly label: string;
  readonly protocol: InputProtocol;
  readonly answer: AnswerShape;
  /** the `input` and `parameters` fields the family reads; others pass through, bounded */
  readonly knownInput: readonly string[];
  readonly knownParameters: readonly string[];
  /** which kind of request a body is (it picks the seed route); best effort on a bad body */
  modeOf(spec: ModelSpec, input: Record<string, unknown>): ModelMode;
  /** the body's fields against the family's schema; the first problem, naming its field */
  check(
    spec: ModelSpec,
    input: Record<string, unknown>,
    parameters: Record<string, unknown>,
  ): RequestProblem | null;
  /** what the model will produce, defaults applied, for an accepted body */
  effective(spec: ModelSpec, body: RequestBody): EffectiveRequest;
  /** rules that need the inputs' bytes: total seconds, a clip's length against the duration */
  checkMedia(
    spec: ModelSpec,
    body: RequestBody,
    media: readonly CheckedSlot[],
  ): RequestProblem | null;
  /** the sandbox's video for the request, from its read inputs */
  plan(
    spec: ModelSpec,
    body: RequestBody,
    eff: EffectiveRequest,
    media: readonly CheckedSlot[],
  ): SandboxPlan;
}
