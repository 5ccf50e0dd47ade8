import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TASK_ROUTES } from '../../contract/routes.js';
import { callerOf } from '../middleware/authenticate.js';
import type { HttpServices } from '../services.js';
import { parseListQuery, renderTaskList } from './task-list-query.js';

/**
 * The caller's account's tasks, in DashScope's list shape (reference §8): on the native face
 * with its parameters, and on the seed face as an extension with `model` for `model_name`.
 */
export function registerTaskList(app: FastifyInstance, s: HttpServices): void {
  const list = (modelParam: string) => async (req: FastifyRequest) => {
    const caller = callerOf(req);
    const q = parseListQuery(req.query, modelParam, s.clock.now());
    return renderTaskList(await s.tasks.list(caller, q), q, req.id);
  };
  for (const path of TASK_ROUTES.nativeList) app.get(path, list('model_name'));
  app.get(TASK_ROUTES.seedList, list('model'));
}
