import fc from 'fast-check';
import { CREATE_ROUTES } from '../../src/contract/routes.js';
import { allowedDurations, flatModels, type ModelSpec } from '../../src/models/model-table.js';
import { PROMPT_REFUSE_FACTOR } from '../../src/models/request-bounds.js';

/**
 * The generated create requests of the property test (test/e2e/property.test.ts): bodies built
 * from the model table (valid ones must be accepted), then mutated, replaced by random JSON, or
 * sent as broken text, some with bad tokens.
 */

export interface Probe {
  kind: 'valid' | 'mutated' | 'random' | 'raw' | 'bad-token';
  path: string;
  /** a JSON value to send, or raw text with its own content type */
  body: { json: unknown } | { text: string; contentType: string | null };
  token?: string;
}

const ROUTE_OF = new Map(CREATE_ROUTES.map((r) => [r.mode, r.path]));
const PATHS = CREATE_ROUTES.map((r) => r.path);
const HUGE = ['x'.repeat(200_000), '字'.repeat(50_000), '🎬'.repeat(20_000)];
const AUDIO_URL = 'https://example.com/a.mp3';
const WEIRD = ['\u0000', '\ud800', 'a\udfff', '\u202e\u200b\ufeff', 'null', '{}', '__proto__', ' '];
/** every field vidgate checks, as [object, key] */
const KNOWN_FIELDS: Array<[string, string]> = [
  ...'model input parameters'.split(' ').map((k): [string, string] => ['top', k]),
  ...'prompt negative_prompt img_url audio_url template reference_urls reference_video_urls'
    .split(' ')
    .map((k): [string, string] => ['input', k]),
  ...'duration resolution size audio prompt_extend shot_type watermark seed'
    .split(' ')
    .map((k): [string, string] => ['parameters', k]),
];
const KNOWN_KEYS = new Set(KNOWN_FIELDS.map(([, key]) => key));

// huge strings are rare on purpose: a few per batch exercise the limits, more only cost time
const huge = fc.constantFrom(...HUGE);
const junkString = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 20 },
  { arbitrary: fc.constantFrom(...WEIRD), weight: 5 },
  { arbitrary: huge, weight: 1 },
);
const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  junkString,
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -0, 2147483648, [], {}),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 8 }),
);
// unknown keys, as SDKs add them; a plain array of pairs is much cheaper than fc.dictionary
const sdkExtras = fc
  .array(
    fc.tuple(
      fc.string({ unit: 'binary-ascii', maxLength: 12 }).filter((k) => !KNOWN_KEYS.has(k)),
      fc.jsonValue({ maxDepth: 3 }),
    ),
    { maxLength: 3 },
  )
  .map((pairs) => Object.fromEntries(pairs));
const promptText = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', maxLength: 60 }), weight: 30 },
  { arbitrary: fc.constantFrom(...WEIRD), weight: 3 },
  { arbitrary: huge, weight: 1 },
);

function option<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null | undefined> {
  return fc.oneof(arb, fc.constant(null), fc.constant(undefined));
}

/** Omits undefined values, so "not sent" really is absent from the JSON. */
function compact(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** A body the model table says is valid, with optional SDK extras. */
function validBody(m: ModelSpec, frameUri: string): fc.Arbitrary<Record<string, unknown>> {
  const media = fc.constantFrom(frameUri, 'https://example.com/a.png', 'oss://dashscope-instant/x');
  const refs = m.media.references;
  const refList = refs
    ? fc
        .tuple(
          fc.array(fc.constantFrom('https://example.com/v.mp4', 'https://e.com/c.MOV?sig=1'), {
            maxLength: refs.maxVideos,
          }),
          fc.array(media, { maxLength: refs.maxTotal }),
        )
        .map(([videos, images]) => [...videos, ...images].slice(0, refs.maxTotal))
        .filter((list) => list.length > 0)
    : fc.constant(undefined);
  const out = m.output;
  const outputValue =
    out.kind === 'tier'
      ? fc.constantFrom(...out.tiers, ...out.tiers.map((t) => t.toLowerCase()))
      : fc.constantFrom(...out.sizes);
  // a valid prompt is at most four times the documented length (longer ones are refused);
  // the huge texts still reach the server through the invalid probes
  const legal = (max: number) =>
    promptText.map((p) =>
      Array.from(p)
        .slice(0, max * PROMPT_REFUSE_FACTOR)
        .join(''),
    );
  const prompt = legal(m.promptMaxChars);
  const input = fc.record({
    prompt: m.promptRequired
      ? prompt.map((p) => `p${p}`.slice(0, m.promptMaxChars * PROMPT_REFUSE_FACTOR))
      : option(prompt),
    negative_prompt: option(legal(m.negativePromptMaxChars)),
    img_url: m.media.firstFrame ? media : fc.constant(undefined),
    audio_url: m.media.audio ? option(fc.constant(AUDIO_URL)) : fc.constant(undefined),
    reference_urls: refList,
    template: m.template ? option(fc.constant('flying')) : fc.constant(undefined),
  });
  const parameters = fc.record({
    duration: option(fc.constantFrom(...allowedDurations(m.durations))),
    [out.kind === 'tier' ? 'resolution' : 'size']: option(outputValue),
    audio: option(m.audioSwitch ? fc.boolean() : fc.constant(true)),
    seed: option(fc.integer({ min: m.seed.min, max: m.seed.max })),
    shot_type: option(m.shotType ? fc.constantFrom('single', 'multi') : fc.constant('single')),
    prompt_extend: option(fc.boolean()),
    watermark: option(fc.boolean()),
  });
  const withExtras = (known: fc.Arbitrary<Record<string, unknown>>) =>
    fc.tuple(sdkExtras, known).map(([extra, fields]) => compact({ ...extra, ...fields }));
  return fc
    .record({
      model: fc.constant(m.name),
      input: withExtras(input),
      // a missing parameters object is valid too, one time in five
      parameters: fc.option(withExtras(parameters), { nil: undefined, freq: 5 }),
    })
    .map(compact);
}

/** Sets or deletes one field somewhere in a body (copying, never sharing). */
function mutate(body: Record<string, unknown>, where: string, key: string, value: unknown) {
  const copy = structuredClone(body);
  const target = where === 'top' ? copy : copy[where];
  if (typeof target !== 'object' || target === null || Array.isArray(target)) {
    copy[where] = value;
    return copy;
  }
  const t = target as Record<string, unknown>;
  if (value === undefined) delete t[key];
  else t[key] = value;
  return copy;
}

/** values of the wrong type or just outside a rule, which random JSON rarely hits */
const nearMiss = fc.constantFrom<unknown>(
  ...['5', '', 'true', 'single', 'Multi', '720p', '4K', '1280x720', '832*480', 'wan2.6-t2v'],
  ...[5, 5.5, 16, -1, 2147483648, true, false, null, [], {}, [5], ['x'], { a: 1 }],
  ...['https://example.com/a.png', 'ftp://x/a.png', 'oss://', 'data:,', 'file:///etc/passwd'],
);
const mutation = fc
  .tuple(
    fc.oneof(
      { arbitrary: fc.constantFrom(...KNOWN_FIELDS), weight: 4 },
      {
        arbitrary: fc.tuple(fc.constantFrom('top', 'input', 'parameters'), fc.string()),
        weight: 1,
      },
    ),
    fc.oneof(junk, nearMiss, fc.constant(undefined)),
  )
  .map(([[where, key], value]) => ({ where, key, value }));

/** Create requests of every kind: valid bodies from the table, mutated, random, raw, bad tokens. */
export function probes(frameUri: string): fc.Arbitrary<Probe> {
  const model = fc.constantFrom(...flatModels());
  const valid = model.chain((m) =>
    validBody(m, frameUri).map((json): Probe => ({
      kind: 'valid',
      path: ROUTE_OF.get(m.mode) ?? '',
      body: { json },
    })),
  );
  const mutated = fc
    .tuple(model, fc.constantFrom(...PATHS), fc.array(mutation, { minLength: 1, maxLength: 3 }))
    .chain(([m, path, muts]) =>
      validBody(m, frameUri).map((json): Probe => ({
        kind: 'mutated',
        path,
        body: { json: muts.reduce((b, x) => mutate(b, x.where, x.key, x.value), json) },
      })),
    );
  const random = fc
    .tuple(fc.constantFrom(...PATHS), junk)
    .map(([path, json]): Probe => ({ kind: 'random', path, body: { json } }));
  const raw = fc
    .tuple(
      fc.constantFrom(...PATHS),
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 80 }),
        fc.jsonValue().map((v) => JSON.stringify(v).slice(0, -1)),
        fc.constantFrom('', '{', '{"model":', '[1,]', "{'a':1}", 'NaN', '\ufeff{}'),
      ),
      fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/xml',
        null,
      ),
    )
    .map(([path, text, contentType]): Probe => ({
      kind: 'raw',
      path,
      body: { text, contentType },
    }));
  const tokenText = fc.stringMatching(/^[A-Za-z0-9._~+/=-]{0,40}$/);
  const badToken = fc
    .tuple(fc.constantFrom(...PATHS), junk, tokenText)
    .map(([path, json, token]): Probe => ({ kind: 'bad-token', path, body: { json }, token }));
  return fc.oneof(
    { arbitrary: valid, weight: 4 },
    { arbitrary: mutated, weight: 4 },
    { arbitrary: random, weight: 1 },
    { arbitrary: raw, weight: 1 },
    { arbitrary: badToken, weight: 1 },
  );
}
