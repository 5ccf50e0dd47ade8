/**
 * A minimal DashScope-shaped HTTP client for the simulator's own tests and demos: raw requests
 * with the headers a DashScope SDK sends, answers as parsed JSON. Not a provider adapter.
 */

export interface SimAnswer {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
}

/** The create paths below the base URL (`…/api/v1`). */
export const SIM_CREATE_PATHS = {
  'video-generation': '/services/aigc/video-generation/video-synthesis',
  image2video: '/services/aigc/image2video/video-synthesis',
} as const;
export const SIM_DETECT_PATH = '/services/aigc/image2video/face-detect';

async function answer(res: Response): Promise<SimAnswer> {
  const text = await res.text();
  const parsed: unknown = text === '' ? {} : JSON.parse(text);
  const json =
    typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : { value: parsed };
  return { status: res.status, headers: res.headers, json };
}

/** POST a JSON body to `baseUrl + path` with a key and (by default) the async header. */
export async function simPost(
  baseUrl: string,
  path: string,
  body: unknown,
  opts: { key?: string; async?: boolean; headers?: Record<string, string> } = {},
): Promise<SimAnswer> {
  const res = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${opts.key ?? 'sk-sim'}`,
      'content-type': 'application/json',
      ...(opts.async === false ? {} : { 'x-dashscope-async': 'enable' }),
      ...opts.headers,
    },
    body: JSON.stringify(body),
  });
  return answer(res);
}

export async function simGet(baseUrl: string, path: string, key = 'sk-sim'): Promise<SimAnswer> {
  return answer(await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${key}` } }));
}

/** The task id of a successful create answer. */
export function createdTaskId(a: SimAnswer): string {
  const output = a.json.output as { task_id?: unknown } | undefined;
  if (a.status !== 200 || typeof output?.task_id !== 'string')
    throw new Error(`create failed: ${a.status} ${JSON.stringify(a.json)}`);
  return output.task_id;
}
