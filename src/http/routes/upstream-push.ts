import type { FastifyInstance } from 'fastify';
import { PUSH_ROUTE } from '../../contract/routes.js';
import type { PushOutcome } from '../../upstream/push-trigger.js';
import { ApiError } from '../errors.js';

/** What the push route needs (upstream/PushTrigger fits). */
export interface PushReceiver {
  accept(channelId: string, token: string, body: unknown): Promise<PushOutcome>;
}

/** an EventBridge delivery is one small event (or a handful) */
const PUSH_BODY_LIMIT = 64 * 1024;

/**
 * An upstream's completion push (DashScope's through EventBridge's HTTP target, families §9).
 * The secret path
 * segment is the authority (EventBridge documents no signature); a wrong one answers like an
 * unknown route. The body is only a hint: it makes the task it names due for a query.
 */
export function registerPushRoute(app: FastifyInstance, push: PushReceiver): void {
  app.post<{ Params: { channelId: string; token: string } }>(
    PUSH_ROUTE,
    { bodyLimit: PUSH_BODY_LIMIT },
    async (req) => {
      const out = await push.accept(req.params.channelId, req.params.token, req.body);
      if (out.kind === 'forged')
        throw new ApiError(
          'NotFound',
          `No route POST ${req.url.split('/').slice(0, 3).join('/')}/….`,
        );
      return { request_id: req.id, output: { task_ids: out.ids, queried: out.due } };
    },
  );
}
