import type { ModelMode } from '../models/model-table.js';

/** The public create routes (seed pages) and the model mode each accepts. */
export const CREATE_ROUTES: ReadonlyArray<{ path: string; mode: ModelMode }> = [
  { path: '/task/bailian/image2video', mode: 'first-frame' },
  { path: '/task/bailian/ref2video', mode: 'references' },
  { path: '/task/bailian/text2video', mode: 'text' },
];

/**
 * The task routes besides the creates. The /api/v1 ones are DashScope's (reference §7, §8); the
 * /task ones are the seed face's, with the same bodies (cancel and list are vidgate extensions
 * there).
 */
export const TASK_ROUTES = {
  nativeCancel: '/api/v1/tasks/:taskId/cancel',
  nativeList: ['/api/v1/tasks', '/api/v1/tasks/'],
  seedCancel: '/task/:taskId/cancel',
  seedList: '/task',
} as const;
