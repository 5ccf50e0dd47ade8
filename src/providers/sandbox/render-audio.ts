import { num, type FilterGraph, type SniffedInput } from './render-chains.js';

export const SAMPLE_RATE = 48_000;

/** Exactly round(durationSec × 48 kHz) samples with clean timestamps. */
function exactSamples(durationSec: number): string {
  return `atrim=end_sample=${Math.round(durationSec * SAMPLE_RATE)},asetpts=N/SR/TB`;
}

/** A major triad rooted between A2 and G#4 with a slow tremolo and soft edges. */
function synthChain(durationSec: number, rand: () => number): string {
  const root = 110 * 2 ** (Math.floor(rand() * 24) / 12);
  const lfo = 0.2 + rand() * 0.6;
  const d = num(durationSec, 6);
  const partials = [1, 1.25, 1.5]
    .map((ratio, i) => `${num(0.22 - i * 0.04, 2)}*sin(2*PI*${num(root * ratio, 3)}*t)`)
    .join('+');
  const envelope = `(0.7+0.3*sin(2*PI*${num(lfo)}*t))*(1-exp(-t*8))*(1-exp(-(${d}-t)*8))`;
  const expr = `(${partials})*${envelope}`;
  // One second more than needed, so the exact trim below always has samples to cut.
  const length = num(durationSec + 1, 6);
  return `aevalsrc=exprs=${expr}|${expr}:c=stereo:s=${SAMPLE_RATE}:d=${length}`;
}

export type AudioSource =
  { kind: 'synth'; rand: () => number } | { kind: 'file'; file: SniffedInput };

/**
 * Adds the audio track to the graph: the synth, or the first audio stream of `file` (an audio
 * file or a video's track) cut or padded with silence. Returns the output options for it.
 */
export function audioTrack(graph: FilterGraph, source: AudioSource, durationSec: number): string[] {
  const out = graph.label('au');
  if (source.kind === 'synth') {
    graph.push(`${synthChain(durationSec, source.rand)},${exactSamples(durationSec)}${out}`);
  } else {
    const index = graph.input(source.file, ['-t', String(Math.ceil(durationSec) + 1)]);
    graph.push(
      `[${index}:a:0]aformat=sample_fmts=fltp:sample_rates=${SAMPLE_RATE}:channel_layouts=stereo,` +
        `apad,${exactSamples(durationSec)}${out}`,
    );
  }
  // prettier-ignore
  return [
    '-map', out, '-c:a', 'aac', '-b:a', '128k', '-ar', String(SAMPLE_RATE), '-ac', '2',
    '-flags:a', '+bitexact',
  ];
}
