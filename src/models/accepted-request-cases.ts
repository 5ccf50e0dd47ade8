import assert from 'node:assert/strict';
import { allowedDurations, SIZE_TIERS, type ModelSpec } from './model-table.js';
import { AUDIO, PNG_URI, REF_IMG, validBody, withField } from './request-case-bodies.js';
import { effectiveRequest, type RequestBody } from './task-request.js';

/** A body the model must accept, and what its effective request must then hold. */
export interface AcceptedCase {
  name: string;
  body: unknown;
  check?: (body: RequestBody, m: ModelSpec) => void;
}

/** Accepted edge values for one model, derived from its table entry. */
export function acceptedCases(m: ModelSpec): AcceptedCase[] {
  const base = validBody(m);
  const cases: AcceptedCase[] = [
    { name: 'minimal body without parameters', body: withField(base, 'parameters', undefined) },
    { name: 'parameters: null', body: withField(base, 'parameters', null) },
    {
      name: 'every optional parameter null',
      body: withField(base, 'parameters', {
        duration: null,
        resolution: null,
        size: null,
        seed: null,
        watermark: null,
        prompt_extend: null,
        shot_type: null,
        audio: null,
      }),
    },
    {
      name: 'SDK extras (extend_prompt, with_audio, steps, enable_overlays, unknown keys)',
      body: {
        ...withField(withField(base, 'input.extend_prompt', true), 'parameters', {
          with_audio: false,
          steps: 50,
          enable_overlays: true,
          ratio: '16:9',
          x: [{}],
        }),
        stream: false,
      },
    },
    { name: 'seed 0', body: withField(base, 'parameters.seed', 0) },
    { name: 'seed 2147483647', body: withField(base, 'parameters.seed', 2147483647) },
    { name: 'watermark true', body: withField(base, 'parameters.watermark', true) },
    { name: 'prompt_extend false', body: withField(base, 'parameters.prompt_extend', false) },
    { name: 'audio true', body: withField(base, 'parameters.audio', true) },
    { name: 'shot_type single', body: withField(base, 'parameters.shot_type', 'single') },
    {
      name: 'prompt over the limit (truncated, not rejected)',
      body: withField(base, 'input.prompt', 'x'.repeat(m.promptMaxChars + 500)),
      check: (b) => assert.equal(effectiveRequest(m, b).prompt?.length, m.promptMaxChars),
    },
    {
      name: 'negative_prompt over the limit (truncated, not rejected)',
      body: withField(base, 'input.negative_prompt', 'y'.repeat(m.negativePromptMaxChars + 1)),
      check: (b) =>
        assert.equal(effectiveRequest(m, b).negativePrompt?.length, m.negativePromptMaxChars),
    },
  ];
  const durations = allowedDurations(m.durations);
  for (const d of durations) {
    const edge = d === durations[0] ? ' (shortest)' : d === durations.at(-1) ? ' (longest)' : '';
    cases.push({
      name: `duration ${d}${edge}`,
      body: withField(base, 'parameters.duration', d),
      check: (b) => assert.equal(effectiveRequest(m, b).durationSec, d),
    });
  }
  if (m.output.kind === 'tier') {
    for (const tier of m.output.tiers) {
      cases.push({
        name: `resolution ${tier}`,
        body: withField(base, 'parameters.resolution', tier),
        check: (b) => assert.equal(effectiveRequest(m, b).tier, tier),
      });
      cases.push({
        name: `resolution ${tier.toLowerCase()} (normalised to upper case)`,
        body: withField(base, 'parameters.resolution', tier.toLowerCase()),
        check: (b) => assert.equal(b.parameters.resolution, tier),
      });
    }
  } else {
    for (const size of m.output.sizes) {
      cases.push({
        name: `size ${size}`,
        body: withField(base, 'parameters.size', size),
        check: (b) => {
          assert.equal(effectiveRequest(m, b).size, size);
          assert.equal(effectiveRequest(m, b).tier, SIZE_TIERS[size]);
        },
      });
    }
  }
  if (m.audioSwitch) {
    cases.push({
      name: 'audio false (silent video)',
      body: withField(base, 'parameters.audio', false),
      check: (b) => assert.equal(effectiveRequest(m, b).withAudio, false),
    });
  }
  if (!m.promptRequired) {
    for (const prompt of [null, undefined, '']) {
      cases.push({
        name: `prompt ${String(prompt)}`,
        body: withField(base, 'input.prompt', prompt),
      });
    }
  }
  if (m.shotType) {
    cases.push({
      name: 'shot_type multi',
      body: withField(base, 'parameters.shot_type', 'multi'),
      check: (b) => assert.equal(effectiveRequest(m, b).shotType, 'multi'),
    });
  }
  if (m.shotTypeNeedsPromptExtend) {
    cases.push({
      name: 'shot_type multi with prompt_extend false (accepted, has no effect)',
      body: withField(
        withField(base, 'parameters.shot_type', 'multi'),
        'parameters.prompt_extend',
        false,
      ),
      check: (b) => assert.equal(effectiveRequest(m, b).shotType, 'single'),
    });
  }
  if (m.media.audio) {
    for (const url of [AUDIO, 'oss://dashscope-instant/voice.wav', 'data:audio/mpeg;base64,AAAA']) {
      cases.push({
        name: `audio_url ${url.slice(0, 8)}…`,
        body: withField(base, 'input.audio_url', url),
        check: (b) => assert.equal(effectiveRequest(m, b).audioUrl, url),
      });
    }
  }
  if (m.template) {
    cases.push({ name: 'template', body: withField(base, 'input.template', 'flying') });
  }
  if (m.media.firstFrame) {
    for (const url of [
      PNG_URI,
      'oss://dashscope-instant/a/frame.png',
      'HTTPS://EXAMPLE.COM/F.PNG',
    ]) {
      cases.push({
        name: `img_url ${url.slice(0, 8)}…`,
        body: withField(base, 'input.img_url', url),
      });
    }
  }
  const refs = m.media.references;
  if (refs) {
    const videos = Array.from({ length: refs.maxVideos }, (_, i) => `https://e.com/v${i}.mov`);
    const images = Array.from({ length: refs.maxTotal - refs.maxVideos }, (_, i) => PNG_URI + i);
    cases.push(
      { name: 'one reference', body: withField(base, 'input.reference_urls', [REF_IMG]) },
      {
        name: `${refs.maxVideos} videos + ${images.length} images (the most allowed)`,
        body: withField(base, 'input.reference_urls', [...videos, ...images]),
        check: (b) => assert.equal(effectiveRequest(m, b).referenceUrls.length, refs.maxTotal),
      },
      {
        name: `${refs.maxImages} images`,
        body: withField(base, 'input.reference_urls', Array(refs.maxImages).fill(REF_IMG)),
      },
      {
        name: 'oss:// and untyped references',
        body: withField(base, 'input.reference_urls', ['oss://x/y', 'https://e.com/blob?id=1']),
      },
      {
        name: 'deprecated reference_video_urls instead of reference_urls',
        body: withField(
          withField(base, 'input.reference_urls', undefined),
          'input.reference_video_urls',
          videos,
        ),
        check: (b) => assert.deepEqual(effectiveRequest(m, b).referenceUrls, videos),
      },
    );
  }
  return cases;
}
