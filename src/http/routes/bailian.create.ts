import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CREATE_ROUTES } from '../../contract/routes.js';
import type { CreateScope } from '../../models/validate-request.js';
import { idempotencyKeyOf, markReplay } from '../idempotency-header.js';
import { callerOf } from '../middleware/authenticate.js';
import type { HttpServices } from '../services.js';

export interface CreateAnswer {
  request_id: string;
  output: { task_id: string; task_status: 'PENDING' };
}

/**
 * Every face's create: the task service checks and stores the body (once per Idempotency-Key:
 * a repeat answers with the original task); the answer is DashScope's §6.
 */
export async function answerCreate(
  s: HttpServices,
  req: FastifyRequest,
  reply: FastifyReply,
  mode: CreateScope,
  body: unknown,
): Promise<CreateAnswer> {
  const task = await s.tasks.create(callerOf(req), mode, body, idempotencyKeyOf(req));
  markReplay(reply, task);
  return { request_id: req.id, output: { task_id: task.id, task_status: 'PENDING' } };
}

export function registerCreateRoutes(app: FastifyInstance, s: HttpServices): void {
  for (const { path, mode } of CREATE_ROUTES) {
    app.post(path, async (req, reply) => answerCreate(s, req, reply, mode, req.body));
  }
}
