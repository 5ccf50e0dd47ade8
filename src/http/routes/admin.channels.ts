import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { ChannelError, type ChannelService } from '../../channels/channel-service.js';
import type { TaskStore } from '../../store/task-store.js';
import { ApiError } from '../errors.js';
import type { AuthGuard } from '../middleware/authenticate.js';

export interface AdminServices {
  adminToken: string;
  channels: ChannelService;
  tasks: TaskStore;
}

function checkAdmin(token: string, guard: AuthGuard) {
  const expected = Buffer.from(token);
  return async (req: FastifyRequest): Promise<void> => {
    guard.check(req);
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const given = Buffer.from(m?.[1] ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw guard.fail(req, new ApiError('InvalidApiKey', 'Invalid admin token.'));
    }
    await Promise.resolve();
  };
}

function asApiError(err: unknown): never {
  if (err instanceof ChannelError) throw new ApiError('InvalidParameter', err.message);
  if (err instanceof ZodError) {
    throw new ApiError(
      'InvalidParameter',
      err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  }
  throw err;
}

/** /admin: channels and task counts, behind VIDGATE_ADMIN_TOKEN. Secrets are never returned. */
export function registerAdminRoutes(
  app: FastifyInstance,
  s: AdminServices,
  guard: AuthGuard,
): void {
  void app.register(
    (admin, _o, done) => {
      admin.addHook('onRequest', checkAdmin(s.adminToken, guard));
      admin.get('/channels', async (req) => ({
        request_id: req.id,
        channels: await s.channels.list(),
      }));
      admin.post('/channels', async (req) => {
        const channel = await s.channels.create(req.body).catch(asApiError);
        return { request_id: req.id, channel };
      });
      admin.post<{ Params: { name: string; action: string } }>(
        '/channels/:name/:action',
        async (req) => {
          const { name, action } = req.params;
          if (action !== 'enable' && action !== 'disable')
            throw new ApiError('NotFound', `No action ${action}.`);
          const ok = await s.channels.setEnabled(name, action === 'enable');
          if (!ok) throw new ApiError('NotFound', `No channel named ${name}.`);
          return { request_id: req.id };
        },
      );
      admin.delete<{ Params: { name: string } }>('/channels/:name', async (req) => {
        if (!(await s.channels.remove(req.params.name))) {
          throw new ApiError('NotFound', `No channel named ${req.params.name}.`);
        }
        return { request_id: req.id };
      });
      admin.get('/stats', async (req) => ({
        request_id: req.id,
        tasks_by_state: await s.tasks.countByState(),
      }));
      done();
    },
    { prefix: '/admin' },
  );
}
