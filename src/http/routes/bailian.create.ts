import type { FastifyInstance } from 'fastify';
import { CREATE_ROUTES } from '../../contract/routes.js';
import { idempotencyKeyOf, markReplay } from '../idempotency-header.js';
import { callerOf } from '../middleware/authenticate.js';
import type { HttpServices } from '../services.js';

export function registerCreateRoutes(app: FastifyInstance, s: HttpServices): void {
  for (const { path, mode } of CREATE_ROUTES) {
    app.post(path, async (req, reply) => {
      const key = idempotencyKeyOf(req);
      const task = await s.tasks.create(callerOf(req), mode, req.body, key);
      markReplay(reply, task);
      return { request_id: req.id, output: { task_id: task.id, task_status: 'PENDING' } };
    });
  }
}
