import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { API_ERRORS, type ApiErrorCode } from '../http/errors.js';
import {
  allowedDurations,
  MODELS,
  RESOLUTION_TIERS,
  SIZE_TIERS,
  type ModelMode,
  type ModelSpec,
} from './model-table.js';
import { effectiveRequest, type RequestBody } from './task-request.js';
import { buildUsage } from './usage.js';
import { validateRequest } from './validate-request.js';

/**
 * Table-driven: the cases are derived from the model table, so a new model entry brings its own
 * accepted and rejected cases. Each rejection names the code and the HTTP status it must map to.
 */

type Json = Record<string, unknown>;
interface Body {
  model?: unknown;
  input?: unknown;
  parameters?: unknown;
  [k: string]: unknown;
}

const IMG = 'https://example.com/frame.png';
const AUDIO = 'https://example.com/voice.mp3';
const REF_IMG = 'https://example.com/character.png';
const REF_VIDEO = 'https://example.com/character.mp4';
const PNG_URI = 'data:image/png;base64,iVBORw0KGgo=';

function validBody(m: ModelSpec): Body {
  const input: Json = { prompt: 'A red fox runs through fresh snow.' };
  if (m.media.firstFrame) input.img_url = IMG;
  if (m.media.references) input.reference_urls = [REF_IMG, REF_VIDEO];
  return { model: m.name, input, parameters: {} };
}

/** A copy of `body` with `path` (dot-separated) set to `value`; undefined deletes the key. */
function withField(body: Body, path: string, value: unknown): Body {
  const copy = structuredClone(body) as Json;
  const keys = path.split('.');
  const last = keys.pop() ?? '';
  let node: Json = copy;
  for (const k of keys) {
    const next = node[k];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[k] = {};
    node = node[k] as Json;
  }
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

const OTHER_MODE_BODY: Record<ModelMode, { path: string; value: unknown }> = {
  'first-frame': { path: 'input.reference_urls', value: [REF_IMG] },
  references: { path: 'input.img_url', value: IMG },
  text: { path: 'input.img_url', value: IMG },
};

interface Accepted {
  name: string;
  body: unknown;
  check?: (body: RequestBody, m: ModelSpec) => void;
}

interface Rejected {
  name: string;
  body: unknown;
  code: ApiErrorCode;
  status: number;
  /** text the message must contain: the field it names, the allowed values */
  mentions: string[];
}

const bad = (
  name: string,
  body: unknown,
  code: ApiErrorCode,
  status: number,
  ...mentions: string[]
): Rejected => ({ name, body, code, status, mentions });

function acceptedCases(m: ModelSpec): Accepted[] {
  const base = validBody(m);
  const cases: Accepted[] = [
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

function rejectedCases(m: ModelSpec): Rejected[] {
  const base = validBody(m);
  const P = 400;
  const param = (name: string, path: string, value: unknown, ...mentions: string[]) =>
    bad(name, withField(base, path, value), 'InvalidParameter', P, path, ...mentions);
  const cases: Rejected[] = [
    bad('no model', withField(base, 'model', undefined), 'BadRequest.EmptyModel', P, "'model'"),
    bad('model null', withField(base, 'model', null), 'BadRequest.EmptyModel', P, "'model'"),
    bad('model ""', withField(base, 'model', ''), 'BadRequest.EmptyModel', P, m.name),
    bad('model 42', withField(base, 'model', 42), 'InvalidParameter', P, "'model'", 'string'),
    bad('unknown model', withField(base, 'model', `${m.name}-x`), 'InvalidParameter', P, m.name),
    bad(
      'model in upper case',
      withField(base, 'model', m.name.toUpperCase()),
      'InvalidParameter',
      P,
    ),
    bad('no input', withField(base, 'input', undefined), 'BadRequest.EmptyInput', P, "'input'"),
    bad('input null', withField(base, 'input', null), 'BadRequest.EmptyInput', P, "'input'"),
    bad(
      'input a string',
      withField(base, 'input', 'x'),
      'InvalidParameter',
      P,
      "'input'",
      'object',
    ),
    bad('input an array', withField(base, 'input', []), 'InvalidParameter', P, "'input'", 'array'),
    bad(
      'parameters a string',
      withField(base, 'parameters', 'x'),
      'InvalidParameter',
      P,
      "'parameters'",
    ),
    bad(
      'parameters an array',
      withField(base, 'parameters', [1]),
      'InvalidParameter',
      P,
      "'parameters'",
    ),
    param('prompt a number', 'input.prompt', 42, 'string'),
    param('prompt an object', 'input.prompt', { text: 'x' }, 'string'),
    param('negative_prompt an array', 'input.negative_prompt', ['x'], 'string'),
    param('duration a string', 'parameters.duration', '5', 'integer', 'string'),
    param('duration a boolean', 'parameters.duration', true, 'integer', 'boolean'),
    param('duration an array', 'parameters.duration', [5], 'integer'),
    param('duration not an integer', 'parameters.duration', m.durations.default + 0.5, m.name),
    param('duration 0', 'parameters.duration', 0, m.name),
    param('duration negative', 'parameters.duration', -5, m.name),
    param('seed -1', 'parameters.seed', -1, '2147483647'),
    param('seed 2147483648', 'parameters.seed', 2147483648, '2147483647'),
    param('seed 1.5', 'parameters.seed', 1.5, '2147483647'),
    param('seed a string', 'parameters.seed', '42', 'string'),
    param('watermark a string', 'parameters.watermark', 'true', 'boolean'),
    param('prompt_extend 1', 'parameters.prompt_extend', 1, 'boolean'),
    param('audio "false"', 'parameters.audio', 'false', 'boolean'),
    param('shot_type unknown', 'parameters.shot_type', 'triple', "'single' or 'multi'"),
    param('shot_type wrong case', 'parameters.shot_type', 'Multi', "'single' or 'multi'"),
    param('shot_type a number', 'parameters.shot_type', 1, "'single' or 'multi'"),
    param(
      OTHER_MODE_BODY[m.mode].path,
      OTHER_MODE_BODY[m.mode].path,
      OTHER_MODE_BODY[m.mode].value,
      m.name,
    ),
  ];
  const durations = allowedDurations(m.durations);
  const lo = durations[0] ?? 0;
  const hi = durations.at(-1) ?? 0;
  cases.push(
    param(`duration ${lo - 1} (below)`, 'parameters.duration', lo - 1, m.name, String(lo)),
    param(`duration ${hi + 1} (above)`, 'parameters.duration', hi + 1, m.name, String(hi)),
  );
  for (let d = lo; d <= hi; d++) {
    if (!durations.includes(d)) {
      cases.push(
        param(`duration ${d} (not in the set)`, 'parameters.duration', d, durations.join(', ')),
      );
    }
  }
  if (m.output.kind === 'tier') {
    const tiers = m.output.tiers.join(', ');
    for (const tier of [...RESOLUTION_TIERS, '4K', '2160P', '720', ' 720P', 'P']) {
      if (m.output.tiers.some((t) => t === tier)) continue;
      cases.push(param(`resolution ${tier}`, 'parameters.resolution', tier, tiers));
    }
    cases.push(
      param('resolution a number', 'parameters.resolution', 720, 'string'),
      bad(
        'size on a tier model',
        withField(base, 'parameters.size', '1280*720'),
        'InvalidParameter',
        P,
        "'parameters.size'",
        "'parameters.resolution'",
      ),
    );
  } else {
    const out = m.output;
    const foreign = Object.keys(SIZE_TIERS).filter((s) => !out.sizes.includes(s));
    for (const size of [...foreign, '1280x720', '720P', '1:1', '1280*721', '']) {
      cases.push(param(`size ${size || '""'}`, 'parameters.size', size, out.default));
    }
    cases.push(
      param('size a number', 'parameters.size', 1280, 'string'),
      bad(
        'resolution on a size model',
        withField(base, 'parameters.resolution', '720P'),
        'InvalidParameter',
        P,
        "'parameters.size'",
        "'parameters.resolution'",
      ),
    );
  }
  if (!m.audioSwitch) {
    cases.push(param('audio false without the switch', 'parameters.audio', false, m.name, 'sound'));
  }
  if (!m.shotType) {
    cases.push(
      param('shot_type multi without shot types', 'parameters.shot_type', 'multi', m.name),
    );
  }
  if (m.promptRequired) {
    for (const prompt of [undefined, null, '', '   ']) {
      cases.push(
        param(`prompt ${JSON.stringify(prompt) ?? 'missing'}`, 'input.prompt', prompt, m.name),
      );
    }
  }
  if (!m.template) cases.push(param('template', 'input.template', 'flying', m.name));
  else cases.push(param('template a number', 'input.template', 7, 'string'));
  const mediaFields: string[] = [];
  if (m.media.firstFrame) {
    mediaFields.push('input.img_url');
    for (const v of [undefined, null, '']) {
      cases.push(
        param(`img_url ${JSON.stringify(v) ?? 'missing'}`, 'input.img_url', v, 'required'),
      );
    }
    cases.push(param('img_url a number', 'input.img_url', 5, 'string'));
  }
  if (m.media.audio) {
    mediaFields.push('input.audio_url');
    cases.push(param('audio_url an object', 'input.audio_url', {}, 'string'));
  } else {
    cases.push(param('audio_url', 'input.audio_url', AUDIO, m.name));
  }
  const refs = m.media.references;
  if (refs) {
    mediaFields.push('input.reference_urls.0');
    const list = (n: number, url: string) => Array<string>(n).fill(url);
    const field = 'input.reference_urls';
    cases.push(
      param('no references', field, undefined, 'required'),
      param('references null', field, null, 'required'),
      param('zero references', field, [], `1 to ${refs.maxTotal}`),
      param(
        `${refs.maxTotal + 1} references`,
        field,
        list(refs.maxTotal + 1, REF_IMG),
        `1 to ${refs.maxTotal}`,
      ),
      param(
        `${refs.maxVideos + 1} videos`,
        field,
        list(refs.maxVideos + 1, REF_VIDEO),
        `at most ${refs.maxVideos} videos`,
      ),
      param(
        `${refs.maxVideos + 1} data: videos`,
        field,
        list(refs.maxVideos + 1, 'data:video/mp4;base64,AA'),
        `${refs.maxVideos}`,
      ),
      param('references a string', field, REF_IMG, 'array'),
      bad(
        'a reference that is a number',
        withField(base, field, [REF_IMG, 7]),
        'InvalidParameter',
        P,
        `${field}[1]`,
        'string',
      ),
      bad(
        'both reference lists',
        withField(base, 'input.reference_video_urls', [REF_VIDEO]),
        'InvalidParameter',
        P,
        'reference_video_urls',
      ),
      bad(
        'an image in reference_video_urls',
        withField(withField(base, field, undefined), 'input.reference_video_urls', [REF_IMG]),
        'InvalidParameter',
        P,
        'input.reference_video_urls[0]',
        'video',
      ),
      bad(
        `${refs.maxVideos + 1} reference_video_urls`,
        withField(
          withField(base, field, undefined),
          'input.reference_video_urls',
          list(refs.maxVideos + 1, REF_VIDEO),
        ),
        'InvalidParameter',
        P,
        'input.reference_video_urls',
      ),
    );
  }
  for (const path of mediaFields) {
    for (const url of [
      'ftp://example.com/a.png',
      'file:///etc/passwd',
      'example.com/a.png',
      'https://',
      'http:// a b',
      ' https://example.com/a.png',
      'oss://',
      'data:image/png;base64',
    ]) {
      const body =
        path === 'input.reference_urls.0'
          ? withField(base, 'input.reference_urls', [url, REF_IMG])
          : withField(base, path, url);
      const named = path === 'input.reference_urls.0' ? 'input.reference_urls[0]' : path;
      if (url === '' && path === 'input.img_url') continue;
      cases.push(
        bad(
          `${named} = ${JSON.stringify(url)}`,
          body,
          'InvalidURL',
          P,
          named,
          'http(s)',
          'oss://',
          'data:',
        ),
      );
    }
  }
  return cases;
}

for (const m of MODELS) {
  void describe(`validateRequest: ${m.name}`, () => {
    for (const c of acceptedCases(m)) {
      it(`accepts ${c.name}`, () => {
        const res = validateRequest(m.mode, c.body);
        assert.ok(
          res.ok,
          `expected acceptance, got ${res.ok ? '' : `${res.code}: ${res.message}`}`,
        );
        assert.equal(res.model.name, m.name);
        c.check?.(res.body, m);
      });
    }
    for (const c of rejectedCases(m)) {
      it(`rejects ${c.name} with ${c.code} (${c.status})`, () => {
        const res = validateRequest(m.mode, c.body);
        assert.ok(!res.ok, `expected ${c.code}, but the body was accepted`);
        assert.equal(res.code, c.code, res.message);
        assert.equal(API_ERRORS[res.code], c.status);
        for (const text of c.mentions) {
          assert.ok(
            res.message.includes(text),
            `message ${JSON.stringify(res.message)} mentions ${text}`,
          );
        }
      });
    }
  });
}

void describe('validateRequest: envelope and messages', () => {
  it('rejects a body that is not an object', () => {
    for (const raw of [null, 5, 'x', [], true]) {
      const res = validateRequest('first-frame', raw);
      assert.ok(!res.ok, 'the body is rejected');
      assert.equal(res.code, 'InvalidParameter');
      assert.match(res.message, /JSON object/);
    }
  });

  it('names the endpoint a model belongs to when sent to another one', () => {
    for (const m of MODELS) {
      for (const mode of ['first-frame', 'references', 'text'] as const) {
        if (mode === m.mode) continue;
        const res = validateRequest(mode, validBody(m));
        assert.ok(!res.ok, `${m.name} on ${mode}`);
        assert.equal(res.code, 'InvalidParameter');
        assert.ok(res.message.includes(m.name), res.message);
      }
    }
  });

  it('says what is allowed, as in the seed of this check', () => {
    const res = validateRequest('first-frame', {
      model: 'wan2.5-i2v-preview',
      input: { img_url: IMG },
      parameters: { duration: 7 },
    });
    assert.deepEqual(res, {
      ok: false,
      code: 'InvalidParameter',
      message:
        "Field 'parameters.duration' for model wan2.5-i2v-preview must be one of 5, 10 seconds, got 7.",
    });
  });

  it('does not echo a huge value back in full', () => {
    const res = validateRequest('first-frame', {
      model: 'wan2.6-i2v',
      input: { img_url: `ftp://${'a'.repeat(1_000_000)}` },
    });
    assert.ok(!res.ok, 'the body is rejected');
    assert.equal(res.code, 'InvalidURL');
    assert.ok(res.message.length < 400, `message is ${res.message.length} characters`);
  });

  it('keeps the client body, normalising only the resolution case', () => {
    const input = { prompt: 'p', img_url: IMG, extend_prompt: true };
    const res = validateRequest('first-frame', {
      model: 'wan2.6-i2v',
      input,
      parameters: { resolution: '720p', with_audio: false },
    });
    assert.ok(res.ok, `the body is accepted: ${JSON.stringify(res)}`);
    assert.deepEqual(res.body, {
      model: 'wan2.6-i2v',
      input,
      parameters: { resolution: '720P', with_audio: false },
    });
  });
});

void describe('effective request', () => {
  const find = (name: string): ModelSpec => {
    const m = MODELS.find((x) => x.name === name);
    assert.ok(m, `model ${name} is in the table`);
    return m;
  };

  it('applies the table defaults', () => {
    for (const m of MODELS) {
      const res = validateRequest(m.mode, validBody(m));
      assert.ok(res.ok, `the body is accepted: ${JSON.stringify(res)}`);
      const eff = effectiveRequest(m, res.body);
      assert.equal(eff.durationSec, m.durations.default);
      if (m.output.kind === 'tier') {
        assert.equal(eff.tier, m.output.default);
        assert.equal(eff.size, null);
      } else {
        assert.equal(eff.size, m.output.default);
      }
      assert.equal(eff.withAudio, true);
      assert.equal(eff.promptExtend, m.promptExtend);
      assert.equal(eff.watermark, false);
      assert.equal(eff.shotType, 'single');
    }
  });

  it('truncates by characters, never splitting one', () => {
    const m = find('wan2.6-t2v');
    const prompt = '🎬'.repeat(m.promptMaxChars + 3);
    const res = validateRequest('text', { model: m.name, input: { prompt } });
    assert.ok(res.ok, `the body is accepted: ${JSON.stringify(res)}`);
    const eff = effectiveRequest(m, res.body);
    assert.equal(Array.from(eff.prompt ?? '').length, m.promptMaxChars);
    assert.equal(eff.prompt, '🎬'.repeat(m.promptMaxChars));
  });

  it('lets audio=false win over audio_url on flash models', () => {
    const m = find('wan2.6-i2v-flash');
    const res = validateRequest('first-frame', {
      model: m.name,
      input: { img_url: IMG, audio_url: AUDIO },
      parameters: { audio: false },
    });
    assert.ok(res.ok, `the body is accepted: ${JSON.stringify(res)}`);
    assert.equal(effectiveRequest(m, res.body).withAudio, false);
  });

  it('reports t2v usage with the size, r2v usage with input video seconds', () => {
    const t2v = find('wan2.6-t2v');
    const body = {
      model: t2v.name,
      input: { prompt: 'p' },
      parameters: { size: '1280*720', duration: 7 },
    };
    const res = validateRequest('text', body);
    assert.ok(res.ok, `the body is accepted: ${JSON.stringify(res)}`);
    assert.deepEqual(buildUsage(t2v, effectiveRequest(t2v, res.body), 0), {
      duration: 7,
      size: '1280*720',
      input_video_duration: 0,
      output_video_duration: 7,
      video_count: 1,
      SR: 720,
    });
    const wan25 = find('wan2.5-t2v-preview');
    const res25 = validateRequest('text', {
      model: wan25.name,
      input: { prompt: 'p' },
      parameters: { size: '624*624' },
    });
    assert.ok(res25.ok, `the body is accepted: ${JSON.stringify(res25)}`);
    assert.deepEqual(buildUsage(wan25, effectiveRequest(wan25, res25.body), 0), {
      duration: 5,
      SR: 480,
      video_count: 1,
    });
  });
});
