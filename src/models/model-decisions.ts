/**
 * The choices behind validateRequest, rendered into docs/models.md. Each one is covered by a
 * case in validate-request.test.ts; change both together.
 */
export interface Decision {
  readonly topic: string;
  readonly text: string;
}

/** Where the relay's seed pages (api.gpt.ge) and DashScope disagree, and vidgate sides with DashScope. */
export const SEED_DEVIATIONS: readonly Decision[] = [
  {
    topic: '`parameters.duration` is optional',
    text: 'The image2video and text2video seed pages mark it required; DashScope gives every model a default (5 s), and so does vidgate.',
  },
  {
    topic: '`parameters.resolution` is optional',
    text: 'The image2video seed page marks it required; DashScope defaults to `1080P`, and so does vidgate.',
  },
  {
    topic: '`parameters.size` is optional',
    text: 'The ref2video and text2video seed pages mark it required; DashScope defaults to `1920*1080`, and so does vidgate.',
  },
  {
    topic: '`input.prompt` is optional for image-to-video',
    text: 'The image2video seed page marks it required; DashScope does not (the first frame is enough). Reference- and text-to-video still require a prompt, as on both.',
  },
  {
    topic: 'The first frame need not match the output resolution',
    text: 'The image2video seed page says the image size must match the output resolution. DashScope has no such rule: the video keeps the image aspect ratio, scaled to the tier pixel count with sides rounded to multiples of 16. vidgate accepts any image within the input limits.',
  },
  {
    topic: '`parameters.audio` exists on the flash models only',
    text: 'The ref2video seed page offers `audio` for both reference models; DashScope has the switch on `wan2.6-i2v-flash` and `wan2.6-r2v-flash` only. See the audio decision below for what the other models do with it.',
  },
  {
    topic: 'At most 3 of the 5 references may be videos',
    text: 'The ref2video seed page says "up to 5 files"; DashScope also caps videos at 3 (and images at 5). vidgate rejects more than 3 references that are recognisably videos (a `data:video/...` URI or a `.mp4`/`.mov`/`.m4v` path); the rest are counted when fetched.',
  },
  {
    topic: 'Fields the seed pages leave out are accepted',
    text: '`parameters.watermark`, `parameters.prompt_extend` (text-to-video), `input.negative_prompt` and the deprecated `input.reference_video_urls` are part of the DashScope schema and are checked like every other field.',
  },
];

/** vidgate's own choices where DashScope is silent, lenient or ambiguous. */
export const DECISIONS: readonly Decision[] = [
  {
    topic: 'Over-long prompts are truncated, not rejected',
    text: 'As on DashScope, `input.prompt` beyond the model limit (1500) and `input.negative_prompt` beyond 500 are cut when the effective request is built. Characters are counted as Unicode code points, so an emoji counts as one.',
  },
  {
    topic: 'Unknown fields are tolerated',
    text: 'Fields vidgate does not know in `input`, `parameters` and the body are accepted and passed on unchanged: the official SDKs add their own (`input.extend_prompt`, `parameters.with_audio`, `parameters.steps`, `parameters.enable_overlays`, `parameters.ratio`, ...).',
  },
  {
    topic: '`null` means "not sent"',
    text: 'Every optional field may be `null`, which selects its default; `"prompt": null` means no prompt (so it fails where a prompt is required). A `parameters` object may be missing or `null`.',
  },
  {
    topic: 'Types are strict',
    text: 'A known field of the wrong type is rejected with a message naming the field and the type: `"duration": "5"` and `"watermark": "true"` are refused. JSON has one number type, so `5.0` is the integer 5 and is fine.',
  },
  {
    topic: 'Resolution tiers are case-insensitive',
    text: 'DashScope documents upper case (`720P`). vidgate also accepts `720p` and stores and forwards it as `720P`, so the upstream sees only the documented spelling. Other spellings (`720`, `4K`, or a tier padded with spaces) are rejected.',
  },
  {
    topic: '`shot_type` without `prompt_extend`',
    text: 'On `wan2.6-i2v`, `wan2.6-i2v-flash` and `wan2.6-t2v`, `shot_type` only takes effect with `prompt_extend: true`. Like DashScope, vidgate accepts `shot_type` with `prompt_extend: false`; it has no effect (the video is single-shot).',
  },
  {
    topic: '`shot_type` on models without shot types',
    text: 'The wan2.5 models make single-shot videos only: `"single"` asks for what they do anyway and is accepted; `"multi"` is rejected rather than silently ignored.',
  },
  {
    topic: '`parameters.audio` on models without the switch',
    text: 'The DashScope schema of these models has no `audio` field; they always produce sound. `audio: true` is harmless and accepted. `audio: false` is rejected: the client asks for a silent (and, on DashScope, cheaper) video that the model cannot make.',
  },
  {
    topic: '`audio: false` with `input.audio_url` on a flash model',
    text: 'Accepted; as on DashScope, `audio: false` wins and the video is silent.',
  },
  {
    topic: '`prompt_extend` on reference-to-video',
    text: 'Not in the r2v schema; a boolean is accepted and has no effect (a non-boolean is rejected like everywhere else).',
  },
  {
    topic: 'The other output control is rejected',
    text: '`parameters.size` on a tier model (image-to-video) and `parameters.resolution` on a size model (reference- and text-to-video) are rejected: DashScope would ignore them and the client would silently get the default.',
  },
  {
    topic: 'Media fields of another mode are rejected',
    text: '`input.img_url` on reference- or text-to-video, `input.reference_urls` on image- or text-to-video, `input.audio_url` on reference-to-video and `input.template` outside image-to-video are rejected rather than ignored: the client expects them to shape the video.',
  },
  {
    topic: 'Media URL forms',
    text: 'Every media field takes an http(s) URL with a host, an `oss://` URL or a `data:` URI; anything else is `InvalidURL` naming the field. `oss://` URLs are DashScope temporary uploads: they are accepted here and passed to DashScope channels, while the sandbox refuses them when the task is dispatched. DashScope documents Base64 data URIs for `img_url` only; vidgate takes them in every media field (the sandbox reads them). An empty `img_url` counts as missing.',
  },
  {
    topic: 'The deprecated `input.reference_video_urls`',
    text: 'Accepted instead of `input.reference_urls` (1 to 3 videos, naming `character1`... in order); sending both is rejected because the order of the list names the characters.',
  },
  {
    topic: 'Input limits follow the latest DashScope pages',
    text: 'Images: each side 240 to 8000 px and at most 20 MB (older pages: 360 to 2000 px, 10 MB). `wan2.6-i2v` durations 2 to 15 s (older pages: 5, 10 or 15).',
  },
  {
    topic: 'Error codes',
    text: 'Missing `model`: `BadRequest.EmptyModel`. Missing `input`: `BadRequest.EmptyInput`. A media field in the wrong form: `InvalidURL`. Everything else, including an unknown model or a model sent to the wrong route: `InvalidParameter` (DashScope answers an unknown model with `ModelNotFound`, 404, which vidgate does not use). All are HTTP 400. A missing `parameters` is not an error (DashScope defines `BadRequest.EmptyParameters`, but every parameter has a default).',
  },
  {
    topic: 'Assumed: `wan2.6-t2v` usage',
    text: 'DashScope does not show a text-to-video usage object. vidgate reports the wan2.6 image-to-video fields plus the requested `size`, as wan2.6 reference-to-video does, with `input_video_duration` 0.',
  },
  {
    topic: 'Assumed: `wan2.5-t2v-preview`',
    text: 'Its usage follows the wan2.5 family (`duration`, `SR`, `video_count`) and, like `wan2.5-i2v-preview`, it returns `actual_prompt` when the prompt was rewritten. Both text-to-video models always produce sound (DashScope dubs automatically when no `audio_url` is given).',
  },
  {
    topic: 'Smart duration (`duration: -1`, Wan 3.0) in the sandbox',
    text: "DashScope does not publish how it picks the length. The sandbox uses the reference audio's total length, rounded and clamped to 2–30 s, else 5 s; until a task ends its length counts as 30 s (the most it can bill).",
  },
  {
    topic: 'The face check in the sandbox',
    text: 'DashScope does not publish what passes. In the sandbox an http(s) JPEG, PNG, BMP or WEBP of 400 to 7000 px a side passes when it stands upright (width/height from 0.4 to 1); a landscape picture answers `check_pass: false` with code `InvalidParameter.FaceNotDetected`, a picture outside the size limits with the limit it broke.',
  },
  {
    topic: 'Where the sandbox takes what DashScope does not say',
    text: "Sizes outside the documented tier-ratio table keep the ratio at the tier's pixel area (sides floored to multiples of 16); edits keep the input video's length (Wan 2.7 up to 10 s, HappyHorse up to 15 s, VACE up to 5 s); animate follows the input video (move keeps the image's aspect); speech-to-video lasts as long as its audio, at most 20 s; HappyHorse draws its \"Happy Horse\" mark in the lower right unless `watermark` is false.",
  },
];
