import { PostgresAdapter, sql, type Kysely } from 'kysely';

// One row per change of a task's state (an outbox): what webhooks, billing, metrics and a
// console timeline read (ADR 0013). Written by triggers, so the event commits with the state
// change in the same statement whichever code path made it, and no write path can forget one.
// Tasks created before this migration have events from their next change on.

/** The columns an event records when a change sets them (never links, bodies or leases). */
const FACTS: readonly (readonly [string, string])[] = [
  ['channelId', 'channel_id'],
  ['upstreamTaskId', 'upstream_task_id'],
  ['attempts', 'attempts'],
  ['scheduledAt', 'scheduled_at'],
  ['finishedAt', 'finished_at'],
  ['errorCode', 'error_code'],
  ['errorMessage', 'error_message'],
  ['usage', 'usage'],
  ['resultBytes', 'result_bytes'],
  ['adoptedAt', 'adopted_at'],
];

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('task_events')
    .addColumn('task_id', 'text', (c) => c.notNull())
    // 1, 2, 3… per task: the order of its changes, whatever the clocks of the processes said
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('from_state', 'text')
    .addColumn('to_state', 'text', (c) => c.notNull())
    // JSON object: the fact columns the change set, by their API names
    .addColumn('facts', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('task_events_pk', ['task_id', 'seq'])
    .execute();
  await db.schema.createIndex('task_events_at').on('task_events').column('at').execute();
  if (db.getExecutor().adapter instanceof PostgresAdapter) await postgresTriggers(db);
  else await sqliteTriggers(db);
}

async function sqliteTriggers(db: Kysely<unknown>): Promise<void> {
  const facts = (changed: (col: string) => string): string =>
    `(SELECT json_group_object(k, v) FROM (${FACTS.map(
      ([name, col]) => `SELECT '${name}' AS k, NEW.${col} AS v WHERE ${changed(col)}`,
    ).join(' UNION ALL ')}))`;
  const insert = (from: string, factsSql: string): string => `
    INSERT INTO task_events (task_id, seq, account_id, at, from_state, to_state, facts)
    VALUES (NEW.id,
            (SELECT COALESCE(MAX(seq), 0) + 1 FROM task_events WHERE task_id = NEW.id),
            NEW.account_id, NEW.updated_at, ${from}, NEW.state, ${factsSql});`;
  await sql
    .raw(
      `CREATE TRIGGER task_events_on_insert AFTER INSERT ON tasks BEGIN
       ${insert(
         'NULL',
         facts((col) => `NEW.${col} IS NOT NULL`),
       )}
       END`,
    )
    .execute(db);
  await sql
    .raw(
      `CREATE TRIGGER task_events_on_update AFTER UPDATE OF state ON tasks
       WHEN NEW.state IS NOT OLD.state BEGIN
       ${insert(
         'OLD.state',
         facts((col) => `NEW.${col} IS NOT OLD.${col}`),
       )}
       END`,
    )
    .execute(db);
}

async function postgresTriggers(db: Kysely<unknown>): Promise<void> {
  const facts = (changed: (col: string) => string): string =>
    `(SELECT COALESCE(jsonb_object_agg(k, v), '{}'::jsonb)::text FROM (VALUES ${FACTS.map(
      ([name, col]) => `('${name}', to_jsonb(NEW.${col}), ${changed(col)})`,
    ).join(', ')}) AS f(k, v, changed) WHERE changed)`;
  const insert = (from: string, factsSql: string): string => `
      INSERT INTO task_events (task_id, seq, account_id, at, from_state, to_state, facts)
      VALUES (NEW.id,
              (SELECT COALESCE(MAX(seq), 0) + 1 FROM task_events WHERE task_id = NEW.id),
              NEW.account_id, NEW.updated_at, ${from}, NEW.state, ${factsSql});`;
  await sql
    .raw(
      `CREATE FUNCTION task_event() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'INSERT' THEN
           ${insert(
             'NULL',
             facts((col) => `NEW.${col} IS NOT NULL`),
           )}
         ELSIF NEW.state IS DISTINCT FROM OLD.state THEN
           ${insert(
             'OLD.state',
             facts((col) => `NEW.${col} IS DISTINCT FROM OLD.${col}`),
           )}
         END IF;
         RETURN NULL;
       END $$`,
    )
    .execute(db);
  await sql
    .raw(
      `CREATE TRIGGER task_events_on_change AFTER INSERT OR UPDATE OF state ON tasks
       FOR EACH ROW EXECUTE FUNCTION task_event()`,
    )
    .execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`DROP TRIGGER task_events_on_change ON tasks`.execute(db);
    await sql`DROP FUNCTION task_event()`.execute(db);
  } else {
    await sql`DROP TRIGGER task_events_on_update`.execute(db);
    await sql`DROP TRIGGER task_events_on_insert`.execute(db);
  }
  await db.schema.dropTable('task_events').execute();
}
