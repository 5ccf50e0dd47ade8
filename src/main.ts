import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { TokenService } from './auth/token-service.js';
import { announceFirstToken, bootstrap, ensureDefaultChannel } from './bootstrap.js';
import { ChannelPool } from './channels/channel-pool.js';
import { ChannelService } from './channels/channel-service.js';
import { SecretBox } from './channels/secret-box.js';
import type { Config } from './config/load.js';
import { createApp } from './http/app.js';
import { Runner } from './jobs/runner.js';
import { locateMediaTools, type MediaTools } from './media/ffmpeg.js';
import type { CheckedMediaReader } from './media/checked-media.js';
import type { MediaChecker } from './media/media-checker.js';
import { buildMediaChecker } from './media/build-media-checker.js';
import type { MediaFetcher } from './media/media-fetcher.js';
import { MemoryRateLimiter } from './ratelimit/memory-rate-limiter.js';
import { SqlRateLimiter } from './ratelimit/sql-rate-limiter.js';
import type { RateLimiter } from './ratelimit/rate-limiter.js';
import { systemClock, type Clock } from './shared/clock.js';
import { newId } from './shared/ids.js';
import { LinkSigner } from './shared/link-signer.js';
import type { Logger } from './shared/logger.js';
import { redactValues } from './shared/redact.js';
import { encryptionKey, linkSigningKey, tokenHashKey } from './shared/server-keys.js';
import { LocalDiskStorage } from './storage/local-disk-storage.js';
import { TaskInputs } from './tasks/task-inputs.js';
import { IntakePool } from './jobs/intake-pool.js';
import { AccountStore } from './store/account-store.js';
import { ChannelStore } from './store/channel-store.js';
import { openDatabase, type Db, type StoreLocation } from './store/database.js';
import { TaskStore, type TaskRow } from './store/task-store.js';
import { EtaEstimator } from './upstream/eta-estimator.js';
import { ACTIVE_STATES } from './tasks/status.js';
import { ChannelBudgets } from './upstream/channel-budget.js';
import { StatusSweeper } from './upstream/status-sweeper.js';
import { TaskService } from './tasks/task-service.js';
import { TaskWorker } from './upstream/task-worker.js';

export interface Vidgate {
  app: FastifyInstance;
  /** where the server listens, e.g. http://127.0.0.1:8080 */
  url: string;
  db: Db;
  tools: MediaTools;
  channels: ChannelService;
  tokens: TokenService;
  /** the first token, when this start created it */
  bootstrapToken: string | null;
  stop(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  /** print the bootstrap banner (the CLI does; tests read bootstrapToken instead) */
  printBanner?: boolean;
}

export function storeLocation(config: Config): StoreLocation {
  return config.databaseUrl
    ? { kind: 'postgres', url: config.databaseUrl }
    : { kind: 'sqlite', path: join(config.dataDir, 'vidgate.db') };
}

/**
 * Threads for large create bodies, one per core (at most 4): they run below the event loop's CPU
 * priority (jobs/intake-thread.ts), so they use the cores the loop leaves idle without taking
 * them from it.
 */
const INTAKE_THREADS = Math.max(1, Math.min(4, availableParallelism()));

/** A partial result copy not written to for this long belongs to a dead process. */
const PARTIAL_IDLE_MS = 10 * 60 * 1000;

/** The composition root: builds every service from the config and starts HTTP and workers. */
export async function startVidgate(config: Config, opts: StartOptions = {}): Promise<Vidgate> {
  const clock = opts.clock ?? systemClock;
  // Everything this process creates in the data dir (database, WAL, results, renders, secrets)
  // is the service's alone, whatever umask it was started with. A mode at each creation site
  // would miss the files ffmpeg writes as a child process, and any site added later; the umask
  // covers both. An existing data dir (perhaps a mounted volume) keeps the mode it has.
  process.umask(0o077);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  redactValues([
    config.bootstrapToken,
    config.adminToken,
    config.dashscopeApiKey,
    config.encryptionKey?.toString('base64'),
  ]);
  const tools = locateMediaTools({
    ffmpegPath: config.ffmpegPath,
    ffprobePath: config.ffprobePath,
    pathEnv: config.pathEnv,
  });
  const db = await openDatabase(storeLocation(config));
  const accounts = new AccountStore(db.kysely);
  const channelStore = new ChannelStore(db.kysely);
  const taskStore = new TaskStore(db.kysely, db.capabilities);
  const tokens = new TokenService(accounts, clock, tokenHashKey(config));
  const storage = new LocalDiskStorage(config.dataDir);
  // copies cut off by a crash; a copy still being written is never idle this long
  const swept = await storage.sweepPartials(PARTIAL_IDLE_MS, clock.now());
  const links = new LinkSigner(linkSigningKey(config));
  const box = new SecretBox(encryptionKey(config));
  const channels = new ChannelService(channelStore, box, clock);
  const { fetcher, media, checkedMedia } = buildMediaChecker(config, tools);

  // serialised across processes: N processes starting together on an empty database create one
  // account, one bootstrap token and one default channel, not N (or a crash on a unique key)
  const boot = await db.exclusive(async () => {
    const result = await bootstrap({
      accounts,
      tokens,
      dataDir: config.dataDir,
      bootstrapToken: config.bootstrapToken,
      tools,
    });
    if (config.dashscopeApiKey) {
      // the official SDKs' variables: one DashScope account, relayed instead of the sandbox
      await channels.upsert({
        name: 'dashscope-default',
        provider: 'dashscope',
        settings: {
          apiKeys: [config.dashscopeApiKey],
          requestTimeoutMs: config.upstreamTimeoutMs,
          ...(config.dashscopeBaseUrl ? { baseUrl: config.dashscopeBaseUrl } : {}),
        },
      });
      await channels.setEnabled('sandbox', false);
    }
    await ensureDefaultChannel(channelStore, clock);
    return result;
  });

  let wake = (): void => undefined;
  let publicUrl = config.publicUrl;
  const inputs = new TaskInputs(storage);
  // large create bodies are parsed and checked off the event loop (only the API role takes any)
  const intake =
    config.role === 'worker'
      ? null
      : new IntakePool(
          {
            dataDir: config.dataDir,
            mediaAllowHosts: [...config.mediaAllowHosts],
            ffmpegPath: config.ffmpegPath,
            ffprobePath: config.ffprobePath,
            pathEnv: config.pathEnv,
          },
          INTAKE_THREADS,
        );
  const taskService = new TaskService(taskStore, clock, {
    dispatchTimeoutMs: config.dispatchTimeoutMs,
    media,
    inputs,
    ...(intake ? { parseLarge: intake.run.bind(intake) } : {}),
    onCreated: () => wake(),
  });
  const app = createApp(
    {
      tokens,
      tasks: taskService,
      storage,
      links,
      clock,
      get publicUrl() {
        return publicUrl;
      },
      resultLinkTtlMs: config.resultLinkTtlMs,
      ...(config.adminToken
        ? { admin: { adminToken: config.adminToken, channels, tasks: taskStore } }
        : {}),
      ping: async () => {
        await taskStore.nextDueAt(['QUEUED']);
      },
    },
    { logLevel: config.logLevel, http: config.http },
  );
  const logger: Logger = app.log;
  if (swept > 0) logger.info({ removed: swept }, 'removed partial result copies left by a crash');
  // processes sharing a database share the upstream accounts' windows through it
  const limiter: RateLimiter = db.capabilities.supportsMultipleProcesses
    ? new SqlRateLimiter(db.kysely)
    : new MemoryRateLimiter();
  const background =
    config.role === 'api'
      ? null
      : await startWorkers({
          config,
          clock,
          logger,
          tools,
          db,
          taskStore,
          storage,
          channels,
          channelStore,
          limiter,
          fetcher,
          media,
          inputs,
          checkedMedia,
        });
  wake = () => background?.wake();

  let address = '';
  if (config.role !== 'worker') {
    address = await app.listen({ port: config.port, host: config.host });
    // with PORT=0 (or a default URL) the links must name the port actually bound
    if (!config.publicUrlSet) publicUrl = `http://localhost:${new URL(address).port}`;
  } else {
    await app.ready();
  }
  if (boot.created && opts.printBanner) {
    const interactive = process.stdout.isTTY === true;
    process.stdout.write(
      announceFirstToken(boot.created, {
        publicUrl,
        examplesDir: boot.examplesDir,
        dataDir: config.dataDir,
        interactive,
      }),
    );
  }

  let stopped = false;
  return {
    app,
    url: address.replace('[::]', '127.0.0.1').replace('0.0.0.0', '127.0.0.1'),
    db,
    tools,
    channels,
    tokens,
    bootstrapToken: boot.created?.token ?? null,
    async stop() {
      if (stopped) return;
      stopped = true;
      await app.close();
      await intake?.close();
      await background?.stop();
      await limiter.close?.();
      await db.close();
    },
  };
}

interface WorkerParts {
  config: Config;
  clock: Clock;
  logger: Logger;
  tools: MediaTools;
  db: Db;
  taskStore: TaskStore;
  storage: LocalDiskStorage;
  channels: ChannelService;
  channelStore: ChannelStore;
  limiter: RateLimiter;
  fetcher: MediaFetcher;
  media: MediaChecker;
  inputs: TaskInputs;
  checkedMedia: CheckedMediaReader;
}

/** The background half: channel pool, task runner and status sweep. */
async function startWorkers(p: WorkerParts): Promise<{ wake(): void; stop(): Promise<void> }> {
  const { config, clock, logger, taskStore, limiter } = p;
  const pool = new ChannelPool(
    p.channelStore,
    {
      clock,
      logger,
      tools: p.tools,
      fetcher: p.fetcher,
      checkedMedia: p.checkedMedia,
      workDir: join(config.dataDir, 'sandbox'),
      sandboxTimeScale: config.sandboxTimeScale,
    },
    (row, def) => p.channels.readSettings(row, def),
    logger,
  );
  await pool.refresh();
  const owner = newId('worker');
  const budgets = new ChannelBudgets(limiter, clock);
  const sweeper = new StatusSweeper({
    tasks: taskStore,
    channels: pool,
    budgets,
    clock,
    logger,
    onDue: () => runner.wake(),
  });
  const worker = new TaskWorker({
    sweep: sweeper,
    tasks: taskStore,
    channels: pool,
    budgets,
    storage: p.storage,
    estimator: new EtaEstimator(),
    clock,
    logger: logger.child({ worker: owner }),
    owner,
    reconcileWindowMs: config.reconcileWindowMs,
    media: p.media,
    inputs: p.inputs,
    onQueueWoken: () => runner?.wake(),
  });
  let stopping = false;
  const runner = new Runner<TaskRow>({
    name: 'tasks',
    concurrency: config.workerConcurrency,
    idleMs: 500,
    claim: async (limit) => {
      if (stopping) return [];
      return taskStore.claimDue({
        owner,
        now: clock.now(),
        leaseMs: config.leaseMs,
        limit,
        states: ACTIVE_STATES,
      });
    },
    handle: (row) => worker.handle(row),
    heartbeat: (ids) => taskStore.extendLeases(ids, owner, clock.now() + config.leaseMs),
    heartbeatMs: config.leaseMs / 3,
    clock,
    logger,
  });
  let sweeping: Promise<unknown> | null = null;
  const timers = [
    setInterval(() => {
      pool
        .refresh()
        .catch((err: unknown) => logger.error({ err: String(err) }, 'channel refresh failed'));
    }, 5000),
    setInterval(() => {
      if (sweeping) return;
      sweeping = sweeper
        .sweep()
        .catch((err: unknown) => logger.error({ err: String(err) }, 'status sweep failed'))
        .finally(() => (sweeping = null));
    }, 1000),
  ];
  for (const t of timers) t.unref();
  runner.start();
  return {
    wake: () => runner.wake(),
    async stop() {
      stopping = true;
      for (const t of timers) clearInterval(t);
      sweeper.stop();
      await sweeping;
      await runner.stop();
      await pool.close();
    },
  };
}
