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
  registerList(app, s, TASK_ROUTES.seedList, 'model');
}

/** The native face's list, registered where auth comes before routing. */
export function registerNativeTaskList(app: FastifyInstance, s: HttpServices): void {
  registerList(app, s, TASK_ROUTES.nativeList, 'model_name');
}

function registerList(
  app: FastifyInstance,
  s: HttpServices,
  paths: readonly string[],
  modelParam: string,
): void {
  const list = async (req: FastifyRequest) => {
    const caller = callerOf(req);
    const q = parseListQuery(req.query, modelParam, s.clock.now());
    return renderTaskList(await s.tasks.list(caller, q), q, req.id);
  };
  for (const path of paths) app.get(path, list);
}
