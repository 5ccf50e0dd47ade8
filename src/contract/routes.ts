import type { ModelMode } from '../models/model-table.js';

/** The public create routes (seed pages) and the model mode each accepts. */
export const CREATE_ROUTES: ReadonlyArray<{ path: string; mode: ModelMode }> = [
  { path: '/task/bailian/image2video', mode: 'first-frame' },
  { path: '/task/bailian/ref2video', mode: 'references' },
  { path: '/task/bailian/text2video', mode: 'text' },
];
