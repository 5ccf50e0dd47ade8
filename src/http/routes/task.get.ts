import type { FastifyInstance } from 'fastify';
import { callerOf } from '../middleware/authenticate.js';
import type { HttpServices } from '../services.js';
import { renderTaskEvents } from '../task-events-view.js';
import { renderTask, renderUnknownTask } from '../task-view.js';
import { resultLink } from './results.get.js';

export function registerTaskGet(app: FastifyInstance, s: HttpServices): void {
  app.get<{ Params: { taskId: string } }>('/task/:taskId', async (req) => {
    const { taskId } = req.params;
    const row = await s.tasks.get(callerOf(req), taskId);
    if (!row) return renderUnknownTask(taskId, req.id);
    const link = row.state === 'SUCCEEDED' ? resultLink(s, row.id) : undefined;
    return renderTask(row, req.id, link);
  });
  // vidgate extension: the task's state changes, for its own token's account (docs/api.md)
  app.get<{ Params: { taskId: string } }>('/task/:taskId/events', async (req) => {
    const { taskId } = req.params;
    return renderTaskEvents(taskId, await s.tasks.events(callerOf(req), taskId), req.id);
  });
}
