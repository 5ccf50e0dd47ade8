import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { TokenService } from './auth/token-service.js';
import { bootstrap, bootstrapBanner, ensureDefaultChannel } from './bootstrap.js';
import { ChannelPool } from './channels/channel-pool.js';
import type { Config } from './config/load.js';
import { createApp } from './http/app.js';
import { Runner } from './jobs/runner.js';
import { locateMediaTools, type MediaTools } from './media/ffmpeg.js';
import { HttpMediaFetcher } from './media/http-media-fetcher.js';
import { MemoryRateLimiter } from './ratelimit/memory-rate-limiter.js';
import { systemClock, type Clock } from './shared/clock.js';
import { newId } from './shared/ids.js';
import { LinkSigner } from './shared/link-signer.js';
import type { Logger } from './shared/logger.js';
import { loadOrCreateSecret } from './shared/secret-file.js';
import { LocalDiskStorage } from './storage/local-disk-storage.js';
import { AccountStore } from './store/account-store.js';
import { ChannelStore } from './store/channel-store.js';
import { openDatabase, type Db } from './store/database.js';
import { TaskStore, type TaskRow } from './store/task-store.js';
import { EtaEstimator } from './tasks/eta-estimator.js';
import { ACTIVE_STATES } from './tasks/status.js';
import { TaskService } from './tasks/task-service.js';
import { TaskWorker } from './tasks/task-worker.js';

export interface Vidgate {
  app: FastifyInstance;
  /** where the server listens, e.g. http://127.0.0.1:8080 */
  url: string;
  db: Db;
  tools: MediaTools;
  /** the first token, when this start created it */
  bootstrapToken: string | null;
  stop(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  /** print the bootstrap banner (the CLI does; tests read bootstrapToken instead) */
  printBanner?: boolean;
}

const LEASE_MS = 60_000;

/** The composition root: builds every service from the config and starts HTTP and workers. */
export async function startVidgate(config: Config, opts: StartOptions = {}): Promise<Vidgate> {
  const clock = opts.clock ?? systemClock;
  const tools = locateMediaTools({
    ffmpegPath: config.ffmpegPath,
    ffprobePath: config.ffprobePath,
    pathEnv: config.pathEnv,
  });
  const db = await openDatabase({ kind: 'sqlite', path: join(config.dataDir, 'vidgate.db') });
  const accounts = new AccountStore(db.kysely);
  const channelStore = new ChannelStore(db.kysely);
  const taskStore = new TaskStore(db.kysely, db.capabilities);
  const tokens = new TokenService(accounts, clock);
  const storage = new LocalDiskStorage(config.dataDir);
  const links = new LinkSigner(
    loadOrCreateSecret(join(config.dataDir, 'secrets', 'link-signing.key')),
  );

  const boot = await bootstrap({
    accounts,
    tokens,
    dataDir: config.dataDir,
    bootstrapToken: config.bootstrapToken,
    tools,
  });
  await ensureDefaultChannel(channelStore, clock);

  let wake = (): void => undefined;
  const taskService = new TaskService(taskStore, clock, {
    dispatchTimeoutMs: config.dispatchTimeoutMs,
    onCreated: () => wake(),
  });
  const app = createApp(
    {
      tokens,
      tasks: taskService,
      storage,
      links,
      clock,
      publicUrl: config.publicUrl,
      resultLinkTtlMs: config.resultLinkTtlMs,
      ping: async () => {
        await taskStore.nextDueAt(['QUEUED']);
      },
    },
    { logLevel: config.logLevel },
  );
  const logger: Logger = app.log;

  const pool = new ChannelPool(
    channelStore,
    {
      clock,
      logger,
      tools,
      fetcher: new HttpMediaFetcher({ timeoutMs: 30_000 }),
      workDir: join(config.dataDir, 'sandbox'),
      sandboxTimeScale: config.sandboxTimeScale,
    },
    (row) => JSON.parse(row.settings) as unknown,
    logger,
  );
  await pool.refresh();
  const refreshTimer = setInterval(() => {
    pool
      .refresh()
      .catch((err: unknown) => logger.error({ err: String(err) }, 'channel refresh failed'));
  }, 5000);
  refreshTimer.unref();

  const owner = newId('worker');
  const worker = new TaskWorker({
    tasks: taskStore,
    channels: pool,
    limiter: new MemoryRateLimiter(),
    storage,
    estimator: new EtaEstimator(),
    clock,
    logger: logger.child({ worker: owner }),
    owner,
  });
  const runner = new Runner<TaskRow>({
    name: 'tasks',
    concurrency: config.workerConcurrency,
    idleMs: 500,
    claim: (limit) =>
      taskStore.claimDue({
        owner,
        now: clock.now(),
        leaseMs: LEASE_MS,
        limit,
        states: ACTIVE_STATES,
      }),
    handle: (row) => worker.handle(row),
    heartbeat: (ids) => taskStore.extendLeases(ids, owner, clock.now() + LEASE_MS),
    heartbeatMs: LEASE_MS / 3,
    clock,
    logger,
  });
  wake = () => runner.wake();
  runner.start();

  const address = await app.listen({ port: config.port, host: config.host });
  if (boot.token && opts.printBanner) {
    process.stdout.write(bootstrapBanner(boot.token, config.publicUrl, boot.examplesDir));
  }

  let stopped = false;
  return {
    app,
    url: address.replace('[::]', '127.0.0.1').replace('0.0.0.0', '127.0.0.1'),
    db,
    tools,
    bootstrapToken: boot.token,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(refreshTimer);
      await app.close();
      await runner.stop();
      await pool.close();
      await db.close();
    },
  };
}
