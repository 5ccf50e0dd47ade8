import type { ApiErrorCode } from '../contract/error-codes.js';
import {
  allowedDurations,
  RESOLUTION_TIERS,
  SIZE_TIERS,
  type ModelMode,
  type ModelSpec,
} from './model-table.js';
import { AUDIO, IMG, REF_IMG, REF_VIDEO, validBody, withField } from './request-case-bodies.js';

/** A body the model must refuse, with the code, its HTTP status and words the message needs. */
export interface RejectedCase {
  name: string;
  body: unknown;
  code: ApiErrorCode;
  status: number;
  /** text the message must contain: the field it names, the allowed values */
  mentions: string[];
}

const OTHER_MODE_BODY: Partial<Record<ModelMode, { path: string; value: unknown }>> = {
  'first-frame': { path: 'input.reference_urls', value: [REF_IMG] },
  references: { path: 'input.img_url', value: IMG },
  text: { path: 'input.img_url', value: IMG },
};

const bad = (
  name: string,
  body: unknown,
  code: ApiErrorCode,
  status: number,
  ...mentions: string[]
): RejectedCase => ({ name, body, code, status, mentions });

function otherModeCase(m: ModelSpec): RejectedCase[] {
  const other = OTHER_MODE_BODY[m.mode];
  if (!other) return [];
  return [
    bad(
      other.path,
      withField(validBody(m), other.path, other.value),
      'InvalidParameter',
      400,
      other.path,
      m.name,
    ),
  ];
}

/** Rejected values for one model, derived from its table entry. */
export function rejectedCases(m: ModelSpec): RejectedCase[] {
  const base = validBody(m);
  const P = 400;
  const param = (name: string, path: string, value: unknown, ...mentions: string[]) =>
    bad(name, withField(base, path, value), 'InvalidParameter', P, path, ...mentions);
  const cases: RejectedCase[] = [
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
    ...otherModeCase(m),
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
