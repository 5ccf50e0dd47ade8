import { familyOf } from './families/registry.js';
import { code, codes, familySection, imageText, routeOf, timedText } from './family-docs.js';
import { FAMILY_EXAMPLES } from './family-examples.js';
import { PROMPT_REFUSE_FACTOR } from './request-bounds.js';
import { DECISIONS, SEED_DEVIATIONS, type Decision } from './model-decisions.js';
import {
  createPathOf,
  describeDurations,
  MODE_LABELS,
  MODEL_MODES,
  findModel,
  MODELS,
  modelsForMode,
  type ModelSpec,
} from './model-table.js';
import { effectiveRequest } from './task-request.js';
import { buildUsage } from './usage.js';

/** Where docs/models.md lives, relative to the repository root. */
export const MODELS_DOC_PATH = 'docs/models.md';

function durations(m: ModelSpec): string {
  const d = m.durations;
  if (d.kind === 'follows') return 'follows the input';
  const values = d.kind === 'range' ? `${d.min} to ${d.max}` : d.values.join(' or ');
  return `${values} (default ${d.default})`;
}

function output(m: ModelSpec): string {
  const o = m.output;
  return o.kind === 'tier'
    ? `resolution ${codes(o.tiers)} (default ${code(o.default)})`
    : `size, ${o.sizes.length} choices (default ${code(o.default)})`;
}

const image = imageText;
const timed = timedText;

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function summaryTable(): string[] {
  const rows = MODELS.map((m) => [
    code(m.name),
    familyOf(m).label,
    m.modes.map((x) => MODE_LABELS[x]).join(', '),
    code(createPathOf(m).replace('/services/aigc/', '')),
    durations(m),
    output(m),
    Object.keys(m.regions).join(', '),
  ]);
  const head = ['Model', 'Family', 'Modes', 'DashScope path', 'Duration (s)', 'Output', 'Regions'];
  return markdownTable(head, rows);
}

function exampleLines(): string[] {
  return FAMILY_EXAMPLES.flatMap((e) => {
    const spec = findModel(e.model);
    return [
      `### ${spec ? familyOf(spec).label : e.family}: ${code(e.model)}`,
      '',
      '```bash',
      ...e.lines,
      '```',
      '',
    ];
  });
}

/** A table with padded columns, the layout prettier gives markdown tables, so it stays stable. */
function markdownTable(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(head), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)];
}

function inputLines(m: ModelSpec): string[] {
  const cap = (n: number) =>
    `up to ${n} characters (longer ones are truncated to that, as DashScope does; more than ${n * PROMPT_REFUSE_FACTOR} are refused)`;
  const lines = [
    `- ${code('input.prompt')}: ${m.promptRequired ? 'required, not blank' : 'optional'}; ${cap(m.promptMaxChars)}.`,
    `- ${code('input.negative_prompt')}: optional; ${cap(m.negativePromptMaxChars)}.`,
  ];
  const { firstFrame, audio, references } = m.media;
  if (firstFrame) {
    lines.push(`- ${code('input.img_url')}: required; the first frame: ${image(firstFrame)}.`);
  }
  if (references) {
    lines.push(
      `- ${code('input.reference_urls')}: required; 1 to ${references.maxTotal} URLs, each one image or one video (at most ${references.maxImages} images and ${references.maxVideos} videos); the order names them ${code('character1')}, ${code('character2')}, ...`,
      `  - images: ${image(references.image)}`,
      `  - videos: ${timed(references.video)}`,
      `- ${code('input.reference_video_urls')}: deprecated alternative to ${code('input.reference_urls')}: 1 to ${references.maxVideos} videos.`,
    );
  }
  lines.push(
    audio
      ? `- ${code('input.audio_url')}: optional; the soundtrack: ${timed(audio)}. Longer audio is cut to the video; shorter leaves the rest silent.`
      : `- ${code('input.audio_url')}: not supported (rejected).`,
  );
  lines.push(
    m.template
      ? `- ${code('input.template')}: optional; a video-effect template name (the prompt is then ignored upstream).`
      : `- ${code('input.template')}: not supported (rejected).`,
  );
  return lines;
}

function parameterLines(m: ModelSpec): string[] {
  const o = m.output;
  const lines = [
    `- ${code('parameters.duration')}: ${describeDurations(m.durations)} seconds; default ${m.durations.default}.`,
  ];
  if (o.kind === 'tier') {
    lines.push(
      `- ${code('parameters.resolution')}: one of ${codes(o.tiers)}; default ${code(o.default)}. The video keeps the first frame aspect ratio. ${code('parameters.size')} is rejected.`,
    );
  } else {
    lines.push(
      `- ${code('parameters.size')}: one of ${codes(o.sizes)}; default ${code(o.default)}. ${code('parameters.resolution')} is rejected.`,
    );
  }
  lines.push(
    m.audioSwitch
      ? `- ${code('parameters.audio')}: boolean; default ${code(true)}; ${code(false)} makes a silent video (and wins over ${code('input.audio_url')}).`
      : `- ${code('parameters.audio')}: not in the model schema: ${code(true)} is accepted, ${code(false)} is rejected (the model always produces sound).`,
  );
  lines.push(
    m.promptExtend
      ? `- ${code('parameters.prompt_extend')}: boolean; default ${code(true)} (the prompt is rewritten by an LLM).`
      : `- ${code('parameters.prompt_extend')}: not in the model schema; a boolean is accepted and has no effect.`,
  );
  if (m.shotType) {
    const needs = m.shotTypeNeedsPromptExtend
      ? ` Takes effect only with ${code('prompt_extend')} on; accepted without it.`
      : '';
    lines.push(
      `- ${code('parameters.shot_type')}: ${code('single')} or ${code('multi')}; default ${code('single')}.${needs}`,
    );
  } else {
    lines.push(
      `- ${code('parameters.shot_type')}: not supported: ${code('single')} is accepted, ${code('multi')} is rejected.`,
    );
  }
  if (m.watermark) {
    lines.push(`- ${code('parameters.watermark')}: boolean; default ${code(false)}.`);
  }
  lines.push(
    `- ${code('parameters.seed')}: integer from ${m.seed.min} to ${m.seed.max}; default random.`,
  );
  return lines;
}

function modelSection(m: ModelSpec): string[] {
  const sample = effectiveRequest(m, { model: m.name, input: {}, parameters: {} });
  const usage = JSON.stringify(buildUsage(m, sample, 0));
  const prompt = m.returnsActualPrompt
    ? `${code('output.actual_prompt')} is returned when the prompt was rewritten.`
    : `${code('output.actual_prompt')} is never returned.`;
  return [
    `### ${m.name}`,
    '',
    `${capitalise(MODE_LABELS[m.mode])} model, served on ${code(routeOf(m.mode))} and on DashScope's own path ${code(`/api/v1${createPathOf(m)}`)}.`,
    '',
    ...inputLines(m),
    ...parameterLines(m),
    '',
    `On success, ${code('usage')} looks like ${code(usage)} (with the defaults). ${prompt}`,
    '',
  ];
}

function decisionList(items: readonly Decision[]): string[] {
  return items.map((d, i) => `${i + 1}. **${d.topic}.** ${d.text}`);
}

/** docs/models.md, rendered from the model table and the decision lists. */
export function renderModelsDoc(): string {
  const routes = MODEL_MODES.map(
    (mode) =>
      `- ${code(routeOf(mode))}: ${MODE_LABELS[mode]}: ${modelsForMode(mode)
        .map((m) => code(m.name))
        .join(', ')}`,
  );
  const lines = [
    '<!-- Generated from the model registry (src/models/rows/, src/models/families/) by `npx tsx scripts/gen-models-doc.ts`; do not edit by hand. -->',
    '',
    '# Models',
    '',
    'Every model vidgate serves, and every rule a create request is checked against. The rules come from the DashScope (Alibaba Cloud Model Studio) API reference; the sections at the end list where vidgate departs from the relay seed pages or makes its own choice.',
    '',
    ...routes,
    '',
    '## Summary',
    '',
    ...summaryTable(),
    '',
    '## Rules common to every model',
    '',
    `- The body is ${code('{"model", "input", "parameters"}')}. ${code('model')} and ${code('input')} are required; ${code('parameters')} is optional and every parameter in it has a default.`,
    `- Media fields take an http(s) URL, an ${code('oss://')} URL or a ${code('data:')} URI; anything else is ${code('InvalidURL')} naming the field.`,
    '- Errors are DashScope-shaped `{request_id, code, message}` with HTTP 400; the message names the field and what is allowed.',
    '',
    '## Per model',
    '',
    ...MODELS.flatMap((m) => (m.family === 'wan2.6' ? modelSection(m) : familySection(m))),
    '## The face check of speech-to-video',
    '',
    `${code('POST /api/v1/services/aigc/image2video/face-detect')} (DashScope's path, no async header) and ${code('POST /task/bailian/face-detect')} check a portrait before an s2v task: body ${code('{"model": "wan2.2-s2v-detect", "input": {"image_url": "https://…"}}')} (${code('model')} may be left out); the answer is 200 either way, ${code('{"output": {"check_pass": true, "humanoid": true}, "usage": {"image_count": 1}}')}, with ${code('code')} and ${code('message')} in ${code('output')} when it did not pass. It is relayed to a channel that serves ${code('wan2.2-s2v')} (Beijing), within that account's ${code('detectsPerSecond')} (default 5; DashScope bills every call); past a 2 s wait for a slot it answers 429 ${code('Throttling.RateQuota')} with ${code('Retry-After')}. vidgate never runs it on its own. The offline upstream's rule is among the decisions below.`,
    '',
    '## Try each family',
    '',
    `On a fresh ${code('npm start')} (on the embedded offline upstream), from the repository root: ${code('export VIDGATE_URL=http://localhost:8080 TOKEN=vg_… EX=data/examples')}. The first start wrote the example media to ${code('data/examples/')}; ${code('examples/upload.mjs')} sends a file through the SDKs' upload flow and prints the ${code('oss://')} URL a create may name (video and audio must be URLs). Poll the printed task as in the README.`,
    '',
    ...exampleLines(),
    '## Where vidgate follows DashScope rather than the seed pages',
    '',
    ...decisionList(SEED_DEVIATIONS),
    '',
    '## Other decisions',
    '',
    ...decisionList(DECISIONS),
    '',
  ];
  return lines.join('\n');
}
