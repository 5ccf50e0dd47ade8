import type { FastifyInstance } from 'fastify';
import type { ModelMode } from '../../models/model-table.js';
import { callerOf } from '../middleware/authenticate.js';
import type { HttpServices } from '../services.js';

/** The public create routes (seed pages) and the model mode each accepts. */
export const CREATE_ROUTES: ReadonlyArray<{ path: string; mode: ModelMode }> = [
  { path: '/task/bailian/image2video', mode: 'first-frame' },
  { path: '/task/bailian/ref2video', mode: 'references' },
  { path: '/task/bailian/text2video', mode: 'text' },
];

export function registerCreateRoutes(app: FastifyInstance, s: HttpServices): void {
  for (const { path, mode } of CREATE_ROUTES) {
    app.post(path, async (req) => {
      const task = await s.tasks.create(callerOf(req), mode, req.body);
      return { request_id: req.id, output: { task_id: task.id, task_status: 'PENDING' } };
    });
  }
}
