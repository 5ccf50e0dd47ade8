import { createHash } from 'node:crypto';

/**
 * What a create leaves in the upstream's answers that tells it from another create of the same
 * model on the same account: the prompt (echoed as `orig_prompt`) and the output seconds
 * (echoed as `usage.output_video_duration`), both only once the task has succeeded (ADR 0011).
 */
export interface SubmitEvidence {
  /** sha256 hex of the prompt as sent ('' when none was sent) */
  prompt: string;
  seconds: number;
}

/** What one upstream task has shown of its request so far; absent fields are not known yet. */
export interface SeenEvidence {
  prompt?: string;
  seconds?: number;
}

export function hashPrompt(prompt: string): string {
  return createHash('sha256').update(prompt, 'utf8').digest('hex');
}

export function evidenceOfRequest(prompt: unknown, seconds: number): SubmitEvidence {
  return { prompt: hashPrompt(typeof prompt === 'string' ? prompt : ''), seconds };
}

/** Reads the evidence out of a succeeded task's `orig_prompt` and `usage`. */
export function evidenceOfResult(
  origPrompt: string | undefined,
  usage: Record<string, unknown>,
): SeenEvidence {
  const out: SeenEvidence = {};
  if (origPrompt !== undefined) out.prompt = hashPrompt(origPrompt);
  const seconds = Number(usage.output_video_duration);
  if (usage.output_video_duration !== undefined && Number.isFinite(seconds)) out.seconds = seconds;
  return out;
}

/** False only when what the upstream showed contradicts what was sent. */
export function evidenceAgrees(sent: SubmitEvidence, seen: SeenEvidence): boolean {
  if (seen.prompt !== undefined && seen.prompt !== sent.prompt) return false;
  if (seen.seconds !== undefined && Math.round(seen.seconds) !== sent.seconds) return false;
  return true;
}

/** Whether two submits would leave the same evidence, so their answers could not be told apart. */
export function sameEvidence(a: SubmitEvidence, b: SubmitEvidence): boolean {
  return a.prompt === b.prompt && a.seconds === b.seconds;
}
