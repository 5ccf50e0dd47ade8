import { ChannelPool } from '../channels/channel-pool.js';
import { Runner } from '../jobs/runner.js';
import { ResultRetentionQueries } from '../store/result-retention-queries.js';
import { ResultRetention, retentionSweepMs } from '../tasks/result-retention.js';
import { newId } from '../shared/ids.js';
import type { TaskRow } from '../store/task-store.js';
import { ACTIVE_STATES } from '../tasks/status.js';
import { ChannelBudgets } from '../upstream/channel-budget.js';
import { EtaEstimator } from '../upstream/eta-estimator.js';
import { StatusSweeper } from '../upstream/status-sweeper.js';
import { TaskWorker } from '../upstream/task-worker.js';
import type { Services } from './create-services.js';
import type { Doorbell } from './doorbell.js';
import { WebhookDispatcher, type TaskRenderer } from '../webhooks/webhook-dispatcher.js';
import { WebhookSender } from '../webhooks/webhook-sender.js';

export interface Workers {
  stop(): Promise<void>;
}

/** how often expired idempotency keys are deleted (they expire after 24 h) */
const KEY_PRUNE_MS = 10 * 60 * 1000;

/** how often the outbox is read for webhooks and due deliveries are sent */
const WEBHOOK_TICK_MS = 500;

/**
 * The background half: channel pool, task runner, status sweep, webhook deliveries; `due` wakes
 * the runner. `renderTask` is the face's task body, which webhooks carry (the domain renders none).
 */
export async function startWorkers(
  s: Services,
  due: Doorbell,
  renderTask: TaskRenderer,
): Promise<Workers> {
  const { config, clock, logger, taskStore, limiter } = s;
  const pool = new ChannelPool(
    s.channelStore,
    s.buildProvider,
    (row, def) => s.channels.readSettings(row, def),
    logger,
  );
  await pool.refresh();
  const owner = newId('worker');
  // the one owner of each channel's submit and query budgets in this process
  const budgets = new ChannelBudgets(limiter, clock);
  const sweeper = new StatusSweeper({
    tasks: taskStore,
    channels: pool,
    budgets,
    clock,
    logger,
    onDue: () => due.ring(),
  });
  const worker = new TaskWorker({
    sweep: sweeper,
    tasks: taskStore,
    channels: pool,
    budgets,
    storage: s.storage,
    estimator: new EtaEstimator(),
    clock,
    logger: logger.child({ worker: owner }),
    owner,
    reconcileWindowMs: config.reconcileWindowMs,
    media: s.media,
    inputs: s.inputs,
    onQueueWoken: () => due.ring(),
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
  due.answer(() => runner.wake());
  let sweeping: Promise<unknown> | null = null;
  let hooking: Promise<unknown> | null = null;
  const hooks = new WebhookDispatcher({
    store: s.webhookStore,
    tasks: taskStore,
    box: s.secretBox,
    sender: new WebhookSender({ allowHosts: config.webhookAllowHosts }),
    render: renderTask,
    clock,
    logger,
    owner,
    backoffScale: config.webhookBackoffScale,
  });
  const retention = new ResultRetention({
    queries: new ResultRetentionQueries(s.db.kysely),
    storage: s.storage,
    clock,
    retentionMs: config.resultRetentionMs,
  });
  const timers = [
    setInterval(() => {
      pool
        .refresh()
        .catch((err: unknown) => logger.error({ err: String(err) }, 'channel refresh failed'));
    }, 5000),
    // expired idempotency keys are only ever skipped; this keeps their table from growing
    setInterval(() => {
      taskStore
        .pruneKeys(clock.now())
        .catch((err: unknown) => logger.warn({ err: String(err) }, 'idempotency key prune failed'));
    }, KEY_PRUNE_MS),
    // uploads past their 48 hours are deleted, bytes and rows (ADR 0017)
    setInterval(() => {
      s.uploads
        .sweep()
        .catch((err: unknown) => logger.warn({ err: String(err) }, 'upload sweep failed'));
    }, KEY_PRUNE_MS),
    // results past their retention are deleted from storage and their tasks say so
    setInterval(() => {
      retention
        .sweep()
        .catch((err: unknown) =>
          logger.warn({ err: String(err) }, 'result retention sweep failed'),
        );
    }, retentionSweepMs(config.resultRetentionMs)),
    // the task-event outbox into signed deliveries, and due deliveries out (issue 15 item 4)
    setInterval(() => {
      if (hooking) return;
      hooking = hooks
        .tick()
        .catch((err: unknown) => logger.warn({ err: String(err) }, 'webhook round failed'))
        .finally(() => (hooking = null));
    }, WEBHOOK_TICK_MS),
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
    async stop() {
      stopping = true;
      for (const t of timers) clearInterval(t);
      sweeper.stop();
      await sweeping;
      await hooking;
      await runner.stop();
      await pool.close();
    },
  };
}
