import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { TokenService } from '../auth/token-service.js';
import { ChannelService } from '../channels/channel-service.js';
import type { ProviderFactory } from '../channels/channel-pool.js';
import { SecretBox } from '../channels/secret-box.js';
import type { Config } from '../config/load.js';
import { buildMediaChecker } from '../media/build-media-checker.js';
import type { CheckedMediaStore } from '../media/checked-media.js';
import { locateMediaTools, type MediaTools } from '../media/ffmpeg.js';
import type { MediaChecker } from '../media/media-checker.js';
import type { MediaFetcher } from '../media/media-fetcher.js';
import { MemoryRateLimiter } from '../ratelimit/memory-rate-limiter.js';
import type { RateLimiter } from '../ratelimit/rate-limiter.js';
import { SqlRateLimiter } from '../ratelimit/sql-rate-limiter.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { LinkSigner } from '../shared/link-signer.js';
import type { LogDestination } from '../shared/logger.js';
import { redactValues } from '../shared/redact.js';
import { encryptionKey, linkSigningKey, tokenHashKey } from '../shared/server-keys.js';
import { buildStorage } from '../storage/build-storage.js';
import type { MediaStorage } from '../storage/media-storage.js';
import { AccountStore } from '../store/account-store.js';
import { ChannelStore } from '../store/channel-store.js';
import { openDatabase, type Db, type StoreLocation } from '../store/database.js';
import { TaskStore } from '../store/task-store.js';
import { UploadStore } from '../store/upload-store.js';
import { WebhookStore } from '../store/webhook-store.js';
import { WebhookAdmin } from '../webhooks/webhook-admin.js';
import { UploadService } from '../uploads/upload-service.js';
import { TaskInputs } from '../tasks/task-inputs.js';
import { createLogger, type PinoLogger } from './create-logger.js';

/** Everything a vidgate process works with, built once from the config (server and CLI alike). */
export interface Services {
  readonly config: Config;
  readonly clock: Clock;
  readonly logger: PinoLogger;
  readonly tools: MediaTools;
  readonly db: Db;
  readonly accounts: AccountStore;
  readonly channelStore: ChannelStore;
  readonly taskStore: TaskStore;
  /** the server's token hash key, so that tokens the CLI creates are recognised by the server */
  readonly tokens: TokenService;
  /** sealing upstream secrets with the one encryption key */
  readonly channels: ChannelService;
  readonly storage: MediaStorage;
  readonly links: LinkSigner;
  /** media URLs and files uploaded to vidgate, each read under its own rules */
  readonly fetcher: MediaFetcher;
  readonly media: MediaChecker;
  readonly checkedMedia: CheckedMediaStore;
  readonly inputs: TaskInputs;
  /** the SDKs' local-file upload flow (ADR 0017) */
  readonly uploads: UploadService;
  readonly webhookStore: WebhookStore;
  /** webhook endpoints: add, rotate, replay (signing secrets sealed like channel keys) */
  readonly webhooks: WebhookAdmin;
  /** seals channel keys and webhook signing secrets with the one encryption key */
  readonly secretBox: SecretBox;
  /** processes sharing a database share the upstream accounts' windows through it */
  readonly limiter: RateLimiter;
  /** one channel's provider: its provider's setup (from its variables) with this process's parts */
  readonly buildProvider: ProviderFactory;
  close(): Promise<void>;
}

export interface ServiceOptions {
  clock?: Clock;
  /** where log lines go instead of stdout */
  logDestination?: LogDestination;
}

export function storeLocation(config: Config): StoreLocation {
  return config.databaseUrl
    ? { kind: 'postgres', url: config.databaseUrl }
    : { kind: 'sqlite', path: join(config.dataDir, 'vidgate.db') };
}

/** The composition root's parts, each built once; nothing runs yet (see main.ts for serving). */
export async function createServices(config: Config, opts: ServiceOptions = {}): Promise<Services> {
  const clock = opts.clock ?? systemClock;
  // Everything this process creates in the data dir (database, WAL, results, renders, secrets)
  // is the service's alone, whatever umask it was started with. A mode at each creation site
  // would miss the files ffmpeg writes as a child process, and any site added later; the umask
  // covers both. An existing data dir (perhaps a mounted volume) keeps the mode it has.
  process.umask(0o077);
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const setups = [...config.providers.values()];
  redactValues([
    config.bootstrapToken,
    config.adminToken,
    config.encryptionKey?.toString('base64'),
    ...setups.flatMap((s) => s.secrets),
  ]);
  const logger = createLogger(config.logLevel, opts.logDestination);
  const tools = locateMediaTools({
    ffmpegPath: config.ffmpegPath,
    ffprobePath: config.ffprobePath,
    pathEnv: config.pathEnv,
  });
  const db = await openDatabase(storeLocation(config));
  const accounts = new AccountStore(db.kysely);
  const channelStore = new ChannelStore(db.kysely);
  const storage = buildStorage(config.storage, config.dataDir);
  const links = new LinkSigner(linkSigningKey(config));
  const uploads = new UploadService({ store: new UploadStore(db.kysely), storage, links, clock });
  const { fetcher, media, checkedMedia } = buildMediaChecker(config, tools, uploads);
  const limiter: RateLimiter = db.capabilities.supportsMultipleProcesses
    ? new SqlRateLimiter(db.kysely)
    : new MemoryRateLimiter();
  const buildProvider: ProviderFactory = (definition, settings) => {
    const setup = config.providers.get(definition.id);
    if (!setup) throw new Error(`provider ${definition.id} was not configured`);
    return setup.create(settings, {
      clock,
      logger,
      tools,
      fetcher,
      checkedMedia,
      workDir: join(config.dataDir, definition.id),
    });
  };
  const secretBox = new SecretBox(encryptionKey(config));
  const webhookStore = new WebhookStore(db.kysely, db.capabilities);
  return {
    config,
    clock,
    logger,
    tools,
    db,
    accounts,
    channelStore,
    taskStore: new TaskStore(db.kysely, db.capabilities),
    tokens: new TokenService(accounts, clock, tokenHashKey(config)),
    channels: new ChannelService(channelStore, secretBox, clock),
    secretBox,
    webhookStore,
    webhooks: new WebhookAdmin(webhookStore, secretBox, clock),
    storage,
    links,
    fetcher,
    media,
    checkedMedia,
    inputs: new TaskInputs(storage),
    uploads,
    limiter,
    buildProvider,
    async close() {
      await limiter.close?.();
      await db.close();
    },
  };
}
