import { availableParallelism } from 'node:os';
import type { TokenService } from './auth/token-service.js';
import { announceFirstToken, bootstrap } from './bootstrap.js';
import type { ChannelService } from './channels/channel-service.js';
import { ChannelPool } from './channels/channel-pool.js';
import { ModelAvailability } from './channels/model-availability.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { ChannelBudgets } from './upstream/channel-budget.js';
import { FaceDetectService } from './upstream/face-detect.js';
import { PushTrigger } from './upstream/push-trigger.js';
import { ensureStartupChannels } from './channels/startup-channels.js';
import type { Config } from './config/load.js';
import { createApp } from './http/app.js';
import { renderTaskWithLink } from './http/routes/task.get.js';
import { IntakePool } from './jobs/intake-pool.js';
import type { MediaTools } from './media/ffmpeg.js';
import type { Clock } from './shared/clock.js';
import type { Logger, LogDestination } from './shared/logger.js';
import type { Db } from './store/database.js';
import { TaskService } from './tasks/task-service.js';
import { createServices } from './services/create-services.js';
import { Doorbell } from './services/doorbell.js';
import { PublicUrl } from './services/public-url.js';
import { startWorkers } from './services/start-workers.js';

export interface Vidgate {
  /** where the server listens, e.g. http://127.0.0.1:8080; empty in the worker role */
  url: string;
  logger: Logger;
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
  /** where log lines go instead of stdout */
  logDestination?: LogDestination;
}

/**
 * Threads for large create bodies, one per core (at most 4): they run below the event loop's CPU
 * priority (jobs/intake-thread.ts), so they use the cores the loop leaves idle without taking
 * them from it.
 */
const INTAKE_THREADS = Math.max(1, Math.min(4, availableParallelism()));

/** A partial result copy not written to for this long belongs to a dead process. */
const PARTIAL_IDLE_MS = 10 * 60 * 1000;

/** `vidgate serve`: the services, the store's first contents, then HTTP and/or the workers. */
export async function startVidgate(config: Config, opts: StartOptions = {}): Promise<Vidgate> {
  const s = await createServices(config, {
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.logDestination ? { logDestination: opts.logDestination } : {}),
  });
  const { clock, logger, db } = s;
  // copies cut off by a crash; a copy still being written is never idle this long
  // (a store that cannot list them now is swept at the next start; serving does not wait on it)
  const swept = await s.storage
    .sweepPartials(PARTIAL_IDLE_MS, clock.now())
    .catch((err: unknown) => {
      logger.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'could not sweep partial result copies left by a crash',
      );
      return 0;
    });
  if (swept > 0) logger.info({ removed: swept }, 'removed partial result copies left by a crash');

  // serialised across processes: N processes starting together on an empty database create one
  // account, one bootstrap token and one default channel, not N (or a crash on a unique key)
  const boot = await db.exclusive(async () => {
    const result = await bootstrap({
      accounts: s.accounts,
      tokens: s.tokens,
      dataDir: config.dataDir,
      bootstrapToken: config.bootstrapToken,
      tools: s.tools,
    });
    await ensureStartupChannels(s.channels, config.providers);
    return result;
  });

  const due = new Doorbell();
  const serving = config.role !== 'worker';
  // large create bodies are parsed and checked off the event loop (only the API role takes any)
  const intake = serving
    ? new IntakePool(
        {
          dataDir: config.dataDir,
          storage: config.storage,
          mediaAllowHosts: [...config.mediaAllowHosts],
          ffmpegPath: config.ffmpegPath,
          ffprobePath: config.ffprobePath,
          pathEnv: config.pathEnv,
        },
        INTAKE_THREADS,
      )
    : null;
  const publicUrl = new PublicUrl(config);
  // the API's own view of the channels, to refuse at once a model no channel can run
  const apiChannels = serving
    ? new ChannelPool(
        s.channelStore,
        s.buildProvider,
        (row, def) => s.channels.readSettings(row, def),
        logger,
      )
    : null;
  const availability = apiChannels ? new ModelAvailability(apiChannels, clock) : null;
  const app = serving
    ? createApp(
        {
          tokens: s.tokens,
          tasks: new TaskService(s.taskStore, clock, {
            dispatchTimeoutMs: config.dispatchTimeoutMs,
            cancelWaitMs: config.cancelWaitMs,
            media: s.media,
            inputs: s.inputs,
            ...(intake ? { parseLarge: intake.run.bind(intake) } : {}),
            onCreated: () => due.ring(),
            uploads: s.uploads,
            ...(availability ? { availability } : {}),
          }),
          uploads: s.uploads,
          ...(apiChannels
            ? {
                faceDetect: new FaceDetectService({
                  channels: apiChannels,
                  budgets: new ChannelBudgets(s.limiter, clock),
                  clock,
                  sleep: (ms) => sleep(ms),
                  fresh: () => availability?.fresh() ?? Promise.resolve(),
                }),
              }
            : {}),
          push: new PushTrigger({
            tasks: s.taskStore,
            idsOf: async (channelId, body) => {
              await availability?.fresh();
              const provider = apiChannels?.get(channelId)?.provider;
              return provider?.pushTaskIds ? provider.pushTaskIds(body) : null;
            },
            links: s.links,
            clock,
            onDue: () => due.ring(),
          }),
          storage: s.storage,
          links: s.links,
          clock,
          get publicUrl() {
            return publicUrl.value;
          },
          resultLinkTtlMs: config.resultLinkTtlMs,
          ...(config.adminToken
            ? { admin: { adminToken: config.adminToken, channels: s.channels, tasks: s.taskStore } }
            : {}),
          ping: async () => {
            await s.taskStore.nextDueAt(['QUEUED']);
          },
        },
        { logger, logLevel: config.logLevel, http: config.http },
      )
    : null;
  // webhooks carry the task exactly as GET /task/{id} renders it: the face's renderer, lent here
  const linkParts = {
    links: s.links,
    clock,
    get publicUrl() {
      return publicUrl.value;
    },
    resultLinkTtlMs: config.resultLinkTtlMs,
  };
  const workers =
    config.role === 'api'
      ? null
      : await startWorkers(s, due, (row, requestId) =>
          renderTaskWithLink(linkParts, row, requestId),
        );

  let address = '';
  if (app) {
    address = await app.listen({ port: config.port, host: config.host });
    publicUrl.bound(address);
  }
  if (boot.created && opts.printBanner) {
    const interactive = process.stdout.isTTY === true;
    process.stdout.write(
      announceFirstToken(boot.created, {
        publicUrl: publicUrl.value,
        examplesDir: boot.examplesDir,
        dataDir: config.dataDir,
        interactive,
      }),
    );
  }

  let stopped = false;
  return {
    url: address.replace('[::]', '127.0.0.1').replace('0.0.0.0', '127.0.0.1'),
    logger,
    db,
    tools: s.tools,
    channels: s.channels,
    tokens: s.tokens,
    bootstrapToken: boot.created?.token ?? null,
    async stop() {
      if (stopped) return;
      stopped = true;
      await app?.close();
      await apiChannels?.close();
      await intake?.close();
      await workers?.stop();
      await s.close();
    },
  };
}
