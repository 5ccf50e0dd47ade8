import type { FastifyInstance } from 'fastify';
import { NATIVE_TASK_PATH, withTrailingSlash } from '../../contract/routes.js';
import { callerOf } from '../middleware/authenticate.js';
import type { TaskView } from '../../store/task-store.js';
import type { HttpServices } from '../services.js';
import { renderTaskEvents } from '../task-events-view.js';
import { renderTask, renderUnknownTask, type TaskBody } from '../task-view.js';
import { resultLink } from './results.get.js';

/** The seed face's task query; one task has the same body here and on the native face. */
export function registerTaskGet(app: FastifyInstance, s: HttpServices): void {
  registerTaskQuery(app, s, ['/task/:taskId']);
  // vidgate extension: the task's state changes, for its own token's account (docs/api.md)
  app.get<{ Params: { taskId: string } }>('/task/:taskId/events', async (req) => {
    const { taskId } = req.params;
    return renderTaskEvents(taskId, await s.tasks.events(callerOf(req), taskId), req.id);
  });
}

/** DashScope's `GET /api/v1/tasks/{task_id}` (reference §7), with and without a trailing slash. */
export function registerNativeTaskGet(app: FastifyInstance, s: HttpServices): void {
  registerTaskQuery(app, s, withTrailingSlash(NATIVE_TASK_PATH));
}

function registerTaskQuery(app: FastifyInstance, s: HttpServices, paths: readonly string[]): void {
  for (const path of paths) {
    app.get<{ Params: { taskId: string } }>(path, async (req) => {
      const { taskId } = req.params;
      const row = await s.tasks.get(callerOf(req), taskId);
      if (!row) return renderUnknownTask(taskId, req.id);
      return renderTaskWithLink(s, row, req.id);
    });
  }
}

/** A task's body with a fresh link to its video; webhooks send the same (main.ts passes it in). */
export function renderTaskWithLink(
  s: Parameters<typeof resultLink>[0],
  row: TaskView,
  requestId: string,
): TaskBody {
  const link =
    row.state === 'SUCCEEDED' && row.resultExpiredAt === null ? resultLink(s, row.id) : undefined;
  return renderTask(row, requestId, link);
}
