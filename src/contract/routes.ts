import type { ModelMode, TaskGroup } from '../models/model-table.js';

/** The public create routes (seed pages) and the model mode each accepts. */
export const CREATE_ROUTES: ReadonlyArray<{ path: string; mode: ModelMode }> = [
  { path: '/task/bailian/image2video', mode: 'first-frame' },
  { path: '/task/bailian/ref2video', mode: 'references' },
  { path: '/task/bailian/text2video', mode: 'text' },
  // the modes the seed pages lack, named in their style (docs/models.md)
  { path: '/task/bailian/kf2video', mode: 'first-last-frame' },
  { path: '/task/bailian/videoedit', mode: 'video-edit' },
  { path: '/task/bailian/speech2video', mode: 'speech' },
  { path: '/task/bailian/animate', mode: 'animate' },
];

/** The seed route whose own mode is `mode` (every mode has one). */
export function seedRouteOf(mode: ModelMode): string {
  return `POST ${CREATE_ROUTES.find((r) => r.mode === mode)?.path ?? '/task/bailian/image2video'}`;
}

/** DashScope's own paths (reference §1), where its SDKs send requests; the native face. */
export const NATIVE_PREFIX = '/api/v1';

/**
 * DashScope's two create paths. The model, not the path, picks the mode; a path serves the
 * models whose task group it names (the model table's `taskGroup`).
 */
export type NativeTaskGroup = TaskGroup;

export const NATIVE_CREATE_ROUTES: ReadonlyArray<{ path: string; group: NativeTaskGroup }> = [
  {
    path: `${NATIVE_PREFIX}/services/aigc/video-generation/video-synthesis`,
    group: 'video-generation',
  },
  { path: `${NATIVE_PREFIX}/services/aigc/image2video/video-synthesis`, group: 'image2video' },
];

/**
 * Where the SDKs' upload form goes (the `upload_host` of getPolicy, ADR 0017): outside the native
 * prefix, because the form carries no key and is authorised by its signed policy.
 */
export const UPLOAD_FORM_PATH = '/uploads/form';

/** The native task query; the seed face's `/task/{id}` answers the same body. */
export const NATIVE_TASK_PATH = `${NATIVE_PREFIX}/tasks/:taskId`;

/** DashScope answers its paths with and without a trailing slash; Fastify needs both. */
export function withTrailingSlash(path: string): [string, string] {
  return [path, `${path}/`];
}

/** Whether a request URL is on the native face, where auth comes before routing. */
export function isNativePath(url: string): boolean {
  const path = url.split('?')[0] ?? '';
  return path === NATIVE_PREFIX || path.startsWith(`${NATIVE_PREFIX}/`);
}

/** Every create path whose body may be large (and so is parsed off the event loop). */
export const ALL_CREATE_PATHS: readonly string[] = [
  ...CREATE_ROUTES.map((r) => r.path),
  ...NATIVE_CREATE_ROUTES.flatMap((r) => withTrailingSlash(r.path)),
];

/**
 * The cancel and list routes. The native ones are DashScope's (reference §8), with and without a
 * trailing slash; the seed face's answer the same bodies as vidgate extensions.
 */
export const TASK_ROUTES = {
  nativeCancel: withTrailingSlash(`${NATIVE_TASK_PATH}/cancel`),
  nativeList: withTrailingSlash(`${NATIVE_PREFIX}/tasks`),
  seedCancel: ['/task/:taskId/cancel'],
  seedList: ['/task'],
} as const;

/** s2v's synchronous face check (families §7.1) on each face. */
export const FACE_DETECT_ROUTES = {
  native: withTrailingSlash(`${NATIVE_PREFIX}/services/aigc/image2video/face-detect`),
  seed: ['/task/bailian/face-detect'],
} as const;

/**
 * An upstream's completion push (DashScope's through EventBridge, families §9); the last segment
 * is the channel's secret (`vidgate channels push-url NAME`).
 */
export const PUSH_ROUTE = '/push/:channelId/:token';
