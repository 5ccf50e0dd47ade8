import { randomBytes } from 'node:crypto';

/**
 * The bytes the official Python SDK `dashscope` (v1.26.2) puts on the wire, rebuilt without
 * Python (no PyPI here). Sources, repo `dashscope/dashscope-sdk-python` (the index holds commits
 * newer than the 1.26.2 tag c0d7a0b; where they differ from reference §12.1 this follows §12.1):
 *
 * Create (`VideoSynthesis.async_call`, sync, `requests`):
 * - URL: `api_request_factory._build_api_request`: base + "/" + SERVICE_API_PATH ("services") +
 *   "/" + task_group ("aigc") + "/" + task ("video-generation", or "image2video" when the model
 *   contains "kf2v": `video_synthesis._get_input`) + "/" + function ("video-synthesis", from the
 *   module name via `common/utils._get_task_group_and_task`). No trailing slash.
 * - SDK headers, in dict order: `http_request.HttpRequest.__init__` builds `{"Accept",
 *   "Authorization", **BaseRequest.headers}` where `base_request.BaseRequest` puts
 *   `{"user-agent": get_user_agent()}`; async puts `X-DashScope-Async: enable` in front; POST
 *   adds `Content-Type: application/json; charset=utf-8`; `add_headers` then appends
 *   `X-DashScope-OssResourceResolve: enable` after an upload (`_get_input`: has_upload).
 *   `X-DashScope-DataInspection` only with DASHSCOPE_DISABLE_DATA_INSPECTION=false (not here).
 *   Newer commits also merge `get_sdk_headers()` (an `x-dashscope-sdk-client`-style header);
 *   §12.1 (1.26.2) lists none, so none is sent.
 * - Body: `HttpRequest._handle_request`: `json.dumps(obj, ensure_ascii=False).encode("utf-8")`
 *   with Python's default separators `", "` / `": "`; `obj` is
 *   `api_request_data.ApiRequestData.to_request_object`, i.e. `__dict__` in insertion order
 *   minus `_*`, `task*`, `function*` and None: `model`, `parameters` (set in __init__), then
 *   `input` (assigned last, in to_request_object). `input` = `{"prompt", "extend_prompt": true,
 *   then img_url...}` (`_get_input`); `parameters` = the caller's unknown kwargs first, then
 *   size, duration, seed, prompt_extend, watermark, resolution, ratio, shot_type, audio_setting
 *   as given (`async_call` appends them to kwargs in that order). Newer commits also pass
 *   `function` into `_get_input`, which then writes `input.function = "video-synthesis"`; not in
 *   §12.1, so only sent with `inputFunction: true`.
 * - user-agent: `common/utils.get_user_agent`: `dashscope/{ver}; python/{ver}; platform/{
 *   platform.platform()}; processor/{platform.processor()}`; the Python and platform parts are
 *   the machine's, so one plausible Linux value is used.
 *
 * `requests` / urllib3 (not in the index; from their released sources, as remembered, so the
 * most likely form): `Session.headers` defaults are `User-Agent: python-requests/x`,
 * `Accept-Encoding: gzip, deflate` (no brotli/zstd installed), `Accept: *\/*`,
 * `Connection: keep-alive`; `sessions.merge_setting` updates that CaseInsensitiveDict with the
 * call's headers, so an overridden key keeps its place but takes the caller's casing
 * (`user-agent`) and new keys follow in call order; `PreparedRequest.prepare_body` then appends
 * `Content-Length` (for a body, and `0` for a body-less non-GET/HEAD) and after it the multipart
 * `Content-Type`. http.client writes `Host` (with the port) right after the request line.
 * Query strings: `urlencode` of the params dict, in dict order.
 *
 * Fetch / cancel / list (`client/base_api.py`): `AsyncTaskGetMixin._get`: `session.get(
 * {base}/tasks/{id})` with `default_headers` = `{user-agent, Authorization, Accept}`;
 * `BaseAsyncApi.cancel`: `session.post({base}/tasks/{id}/cancel)` with the same headers and no
 * body; `BaseAsyncApi.list`: `session.get({base}/tasks, params={page_no, page_size, start_time,
 * end_time, model_name, api_key_id, region, status})` (None left out); `wait`: fetches with 1 s,
 * doubling on every third poll up to 5 s.
 *
 * Async fetch (`AioVideoSynthesis.fetch` -> `AsyncAioTaskGetMixin._get`): goes through
 * `_build_api_request(base_address={base}/tasks/{id}, is_service=False)`, which appends "/"
 * (so the path ends in a slash); the `user-agent` in `default_headers` is popped and appended to
 * the SDK's own ("ua; ua"); aiohttp (`ClientRequest`: Host first, then the caller's headers in
 * order, then `Accept`/`Accept-Encoding: gzip, deflate`/`User-Agent` only when absent, no
 * Content-Length on a body-less GET, no Connection header on keep-alive HTTP/1.1).
 *
 * Upload (`utils/oss_utils.py`): `OssUtils.get_upload_certificate` -> `GetMixin.get` ->
 * `GET {base}/uploads?action=getPolicy&model=M` with `default_headers`; `OssUtils.upload` posts
 * `requests` `data=form_data, files={"file": open(path)}` with headers `{user-agent, Accept:
 * application/json, Date}`; urllib3 `encode_multipart_formdata`: per field `--{boundary}\r\n`,
 * `Content-Disposition: form-data; name="k"` (plus `; filename="f"` for the file, and no
 * Content-Type part header since requests passes none), `\r\n\r\n`, the data, `\r\n`; then
 * `--{boundary}--\r\n`; the boundary is `os.urandom(16).hex()`.
 */

export const SDK_VERSION = '1.26.2';
export const SDK_USER_AGENT =
  `dashscope/${SDK_VERSION}; python/3.11.9; ` +
  'platform/Linux-6.8.0-49-generic-x86_64-with-glibc2.39; processor/x86_64';
const REQUESTS_DEFAULTS: Array<[string, string]> = [
  ['User-Agent', 'python-requests/2.32.3'],
  ['Accept-Encoding', 'gzip, deflate'],
  ['Accept', '*/*'],
  ['Connection', 'keep-alive'],
];
const JSON_UTF8 = 'application/json; charset=utf-8';

export type PyJson = string | number | boolean | null | PyJson[] | { [key: string]: PyJson };

/** Python's `json.dumps(v, ensure_ascii=False)`: `", "` and `": "`, keys in insertion order. */
export function pythonJsonDumps(v: PyJson): string {
  if (Array.isArray(v)) return `[${v.map(pythonJsonDumps).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    const items = Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${pythonJsonDumps(x)}`);
    return `{${items.join(', ')}}`;
  }
  // strings escape the same set either way (", \, control characters as \u00xx lower-case)
  return JSON.stringify(v);
}

/** One request as bytes go out: request line, headers in order, body. */
export interface WireRequest {
  method: string;
  /** the absolute URL; its path and query form the request target, its host the Host header */
  url: string;
  headers: Array<[string, string]>;
  body: Buffer;
}

export interface SdkClient {
  /** what DASHSCOPE_HTTP_BASE_URL would hold, e.g. http://127.0.0.1:1234/api/v1 */
  base: string;
  apiKey: string;
}

function hostOf(url: string): string {
  return new URL(url).host;
}

/** What `requests.Session().request(...)` sends (see the file comment for the merge rules). */
function viaRequests(
  method: string,
  url: string,
  callHeaders: Array<[string, string]>,
  body: Buffer | null,
  multipartType?: string,
): WireRequest {
  const merged: Array<[string, string]> = REQUESTS_DEFAULTS.map(([k, v]) => [k, v]);
  const put = (k: string, v: string): void => {
    const i = merged.findIndex(([m]) => m.toLowerCase() === k.toLowerCase());
    if (i >= 0) merged[i] = [k, v];
    else merged.push([k, v]);
  };
  for (const [k, v] of callHeaders) put(k, v);
  if (body !== null) put('Content-Length', String(body.length));
  else if (method !== 'GET' && method !== 'HEAD') put('Content-Length', '0');
  if (multipartType) put('Content-Type', multipartType);
  return {
    method,
    url,
    headers: [['Host', hostOf(url)], ...merged],
    body: body ?? Buffer.alloc(0),
  };
}

/** `common/utils.default_headers(api_key)`. */
function defaultHeaders(apiKey: string): Array<[string, string]> {
  return [
    ['user-agent', SDK_USER_AGENT],
    ['Authorization', `Bearer ${apiKey}`],
    ['Accept', JSON_UTF8],
  ];
}

export interface CreateOptions {
  model: string;
  prompt: string;
  imgUrl?: string;
  /** named kwargs; sent in the SDK's fixed order whatever order they are given in */
  size?: string;
  duration?: number;
  seed?: number;
  promptExtend?: boolean;
  watermark?: boolean;
  resolution?: string;
  /** unknown kwargs (e.g. `audio`), which the SDK puts in front of the named ones */
  extraParameters?: Record<string, PyJson>;
  /** set after a local-file upload */
  ossResolve?: boolean;
  /** the newer SDK commits' `input.function` */
  inputFunction?: boolean;
  /** leave `X-DashScope-Async` out (as `VideoSynthesis.call` never does; for the error case) */
  omitAsync?: boolean;
}

/** `VideoSynthesis.async_call(...)`. */
export function createRequest(c: SdkClient, o: CreateOptions): WireRequest {
  const task = o.model.includes('kf2v') ? 'image2video' : 'video-generation';
  const url = `${c.base}/services/aigc/${task}/video-synthesis`;
  const parameters: { [key: string]: PyJson } = { ...o.extraParameters };
  const named: Array<[string, PyJson | undefined]> = [
    ['size', o.size],
    ['duration', o.duration],
    ['seed', o.seed],
    ['prompt_extend', o.promptExtend],
    ['watermark', o.watermark],
    ['resolution', o.resolution],
  ];
  for (const [k, v] of named) if (v !== undefined) parameters[k] = v;
  const input: { [key: string]: PyJson } = { prompt: o.prompt, extend_prompt: true };
  if (o.inputFunction) input['function'] = 'video-synthesis';
  if (o.imgUrl) input['img_url'] = o.imgUrl;
  const body = Buffer.from(pythonJsonDumps({ model: o.model, parameters, input }), 'utf8');
  const sdk: Array<[string, string]> = [
    ...(o.omitAsync ? [] : [['X-DashScope-Async', 'enable'] as [string, string]]),
    ['Accept', JSON_UTF8],
    ['Authorization', `Bearer ${c.apiKey}`],
    ['user-agent', SDK_USER_AGENT],
    ['Content-Type', JSON_UTF8],
  ];
  if (o.ossResolve) sdk.push(['X-DashScope-OssResourceResolve', 'enable']);
  return viaRequests('POST', url, sdk, body);
}

/** `VideoSynthesis.fetch(task_id)` (sync, requests). */
export function fetchRequest(c: SdkClient, taskId: string): WireRequest {
  return viaRequests('GET', `${c.base}/tasks/${taskId}`, defaultHeaders(c.apiKey), null);
}

/** `await AioVideoSynthesis.fetch(task_id)` (aiohttp). */
export function aioFetchRequest(c: SdkClient, taskId: string): WireRequest {
  const url = `${c.base}/tasks/${taskId}/`;
  const headers: Array<[string, string]> = [
    ['Host', hostOf(url)],
    ['Accept', JSON_UTF8],
    ['Authorization', `Bearer ${c.apiKey}`],
    ['user-agent', `${SDK_USER_AGENT}; ${SDK_USER_AGENT}`],
    ['Accept-Encoding', 'gzip, deflate'],
  ];
  return { method: 'GET', url, headers, body: Buffer.alloc(0) };
}

/** `VideoSynthesis.cancel(task_id)`. */
export function cancelRequest(c: SdkClient, taskId: string): WireRequest {
  return viaRequests('POST', `${c.base}/tasks/${taskId}/cancel`, defaultHeaders(c.apiKey), null);
}

export interface ListOptions {
  pageNo?: number;
  pageSize?: number;
  startTime?: string;
  endTime?: string;
  modelName?: string;
  status?: string;
}

/** `VideoSynthesis.list(...)`: the params dict in the SDK's order, urlencoded. */
export function listRequest(c: SdkClient, o: ListOptions = {}): WireRequest {
  const q = new URLSearchParams();
  q.append('page_no', String(o.pageNo ?? 1));
  q.append('page_size', String(o.pageSize ?? 10));
  if (o.startTime !== undefined) q.append('start_time', o.startTime);
  if (o.endTime !== undefined) q.append('end_time', o.endTime);
  if (o.modelName !== undefined) q.append('model_name', o.modelName);
  if (o.status !== undefined) q.append('status', o.status);
  return viaRequests('GET', `${c.base}/tasks?${q.toString()}`, defaultHeaders(c.apiKey), null);
}

/** `OssUtils.get_upload_certificate(model)`. */
export function getPolicyRequest(c: SdkClient, model: string): WireRequest {
  const q = `action=getPolicy&model=${encodeURIComponent(model)}`;
  return viaRequests('GET', `${c.base}/uploads?${q}`, defaultHeaders(c.apiKey), null);
}

/** The `data` getPolicy answers, as `OssUtils.upload` reads it. */
export interface UploadPolicy {
  policy: string;
  signature: string;
  upload_dir: string;
  upload_host: string;
  oss_access_key_id: string;
  x_oss_object_acl: string;
  x_oss_forbid_overwrite: string;
}

export interface FormFile {
  name: string;
  bytes: Buffer;
  /** what `mimetypes.guess_type(name)[0]` gives */
  mimeType: string;
}

/** The form POST of `OssUtils.upload`, to `uploadUrl` (the policy's upload_host). */
export function uploadFormRequest(
  uploadUrl: string,
  p: UploadPolicy,
  file: FormFile,
  date: Date,
  overrides: { key?: string; signature?: string } = {},
): WireRequest {
  const fields: Array<[string, string]> = [
    ['OSSAccessKeyId', p.oss_access_key_id],
    ['Signature', overrides.signature ?? p.signature],
    ['policy', p.policy],
    ['key', overrides.key ?? `${p.upload_dir}/${file.name}`],
    ['x-oss-object-acl', p.x_oss_object_acl],
    ['x-oss-forbid-overwrite', p.x_oss_forbid_overwrite],
    ['success_action_status', '200'],
    ['x-oss-content-type', file.mimeType],
  ];
  const boundary = randomBytes(16).toString('hex');
  const parts: Buffer[] = [];
  for (const [name, value] of fields) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
      ),
    );
  }
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\n\r\n`,
    ),
    file.bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  const headers: Array<[string, string]> = [
    ['user-agent', SDK_USER_AGENT],
    ['Accept', 'application/json'],
    // wsgiref.handlers.format_date_time: RFC 1123 in GMT
    ['Date', date.toUTCString()],
  ];
  const type = `multipart/form-data; boundary=${boundary}`;
  return viaRequests('POST', uploadUrl, headers, Buffer.concat(parts), type);
}

/** `requests.get(video_url)`, as a script downloads the result. */
export function downloadRequest(url: string): WireRequest {
  return viaRequests('GET', url, [], null);
}

/** `wait`'s sleep after poll number `step` (1-based): 1 s, doubled on every third poll, ≤5 s. */
export function waitIntervals(polls: number): number[] {
  const out: number[] = [];
  let wait = 1;
  for (let step = 1; step <= polls; step += 1) {
    if (wait < 5 && step % 3 === 0) wait = Math.min(wait * 2, 5);
    out.push(wait);
  }
  return out;
}

export { send, serialize, type WireAnswer } from './raw-wire.js';
