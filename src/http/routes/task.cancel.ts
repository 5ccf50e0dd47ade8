import type { FastifyInstance } from 'fastify';
import { TASK_ROUTES } from '../../contract/routes.js';
import { ApiError } from '../errors.js';
import { callerOf } from '../middleware/authenticate.js';
import type { HttpServices } from '../services.js';

/** DashScope's words for a task that is not PENDING (reference §8). */
const NOT_PENDING = 'Failed to cancel the task, please confirm if the task is in PENDING status.';

/**
 * DashScope's cancel (reference §8) on the native face, and the same on the seed face as an
 * extension: `{request_id}` once the task is CANCELED, else UnsupportedOperation (ADR 0015).
 */
export function registerTaskCancel(app: FastifyInstance, s: HttpServices): void {
  registerCancel(app, s, TASK_ROUTES.seedCancel);
}

/** The native face's cancel, registered where auth comes before routing. */
export function registerNativeTaskCancel(app: FastifyInstance, s: HttpServices): void {
  registerCancel(app, s, TASK_ROUTES.nativeCancel);
}

function registerCancel(app: FastifyInstance, s: HttpServices, paths: readonly string[]): void {
  for (const path of paths) {
    app.post<{ Params: { taskId: string } }>(path, async (req) => {
      const { taskId } = req.params;
      const outcome = await s.tasks.cancel(callerOf(req), taskId);
      switch (outcome) {
        case 'canceled':
          return { request_id: req.id };
        case 'notCancelable':
          throw new ApiError('UnsupportedOperation', NOT_PENDING);
        case 'unconfirmed':
          throw new ApiError(
            'UnsupportedOperation',
            'The cancel could not be confirmed in time; the task is still canceled if its ' +
              'upstream task is PENDING when vidgate reaches it. Query the task for the outcome.',
          );
        case 'unknown':
          throw new ApiError('NotFound', `No task ${taskId.slice(0, 64)}.`);
      }
    });
  }
}
