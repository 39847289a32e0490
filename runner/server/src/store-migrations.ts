import type { SqlDriver } from './sql-driver.ts';

/** One step of the schema. Applied once, in order, inside a transaction; never edited once shipped. */
export interface Migration {
  version: number;
  name: string;
  /** Statements that mean the same on SQLite and PostgreSQL (BIGINT times, TEXT JSON, INTEGER flags). */
  statements: string[];
}

/**
 * The store's schema, oldest first. Version 1 is what runners before migrations made
 * (`IF NOT EXISTS`, so their files carry on); later versions only add.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'learners and progress',
    statements: [
      `CREATE TABLE IF NOT EXISTS learners (
        id TEXT PRIMARY KEY,
        display_name TEXT,
        created_at BIGINT NOT NULL
      )`,
      `CREATE TABLE IF NOT EXISTS progress (
        learner_id TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
        scenario_id TEXT NOT NULL,
        checks TEXT NOT NULL DEFAULT '{}',
        hints TEXT NOT NULL DEFAULT '[]',
        solution_revealed INTEGER NOT NULL DEFAULT 0,
        completed_at BIGINT,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (learner_id, scenario_id)
      )`,
    ],
  },
  {
    version: 2,
    name: 'workshops',
    statements: [
      'ALTER TABLE progress ADD COLUMN started_at BIGINT',
      `CREATE TABLE workshops (
        id TEXT PRIMARY KEY,
        join_code TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        track_id TEXT,
        scenario_ids TEXT NOT NULL,
        seats INTEGER NOT NULL,
        starts_at BIGINT NOT NULL,
        ends_at BIGINT NOT NULL,
        session_minutes INTEGER NOT NULL,
        solutions_allowed INTEGER NOT NULL,
        stuck_minutes DOUBLE PRECISION NOT NULL,
        created_at BIGINT NOT NULL,
        ended_at BIGINT,
        broadcast TEXT,
        broadcast_at BIGINT
      )`,
      `CREATE TABLE workshop_members (
        workshop_id TEXT NOT NULL REFERENCES workshops(id) ON DELETE CASCADE,
        learner_id TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
        display_name TEXT NOT NULL,
        joined_at BIGINT NOT NULL,
        PRIMARY KEY (workshop_id, learner_id)
      )`,
      'CREATE INDEX workshop_members_by_learner ON workshop_members (learner_id)',
      `CREATE TABLE workshop_progress (
        workshop_id TEXT NOT NULL REFERENCES workshops(id) ON DELETE CASCADE,
        learner_id TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
        scenario_id TEXT NOT NULL,
        checks TEXT NOT NULL DEFAULT '{}',
        hints TEXT NOT NULL DEFAULT '[]',
        solution_revealed INTEGER NOT NULL DEFAULT 0,
        completed_at BIGINT,
        updated_at BIGINT NOT NULL,
        started_at BIGINT,
        PRIMARY KEY (workshop_id, learner_id, scenario_id)
      )`,
    ],
  },
  {
    version: 3,
    name: 'replicas and the sessions they own',
    statements: [
      // One row per running runner process; a row whose heartbeat is older than the lease is a dead runner.
      `CREATE TABLE runner_replicas (
        id TEXT PRIMARY KEY,
        address TEXT NOT NULL,
        started_at BIGINT NOT NULL,
        heartbeat_at BIGINT NOT NULL,
        draining INTEGER NOT NULL DEFAULT 0
      )`,
      // Which replica holds which live session (its cluster and shell are in that process's memory).
      `CREATE TABLE live_sessions (
        id TEXT PRIMARY KEY,
        replica_id TEXT NOT NULL,
        learner_id TEXT NOT NULL,
        scenario_id TEXT NOT NULL,
        workshop_id TEXT,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
      )`,
      'CREATE INDEX live_sessions_by_replica ON live_sessions (replica_id)',
    ],
  },
  {
    version: 4,
    name: 'caps and keys shared by the replicas',
    statements: [
      // The learner's address as the first replica saw it: the per-address cap counts it on every replica.
      'ALTER TABLE live_sessions ADD COLUMN address TEXT',
      'CREATE INDEX live_sessions_by_learner ON live_sessions (learner_id)',
      'CREATE INDEX live_sessions_by_address ON live_sessions (address)',
      // Keys every replica must hold the same: the report-signing key, so a report verifies on any of them.
      `CREATE TABLE runner_keys (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        created_at BIGINT NOT NULL
      )`,
    ],
  },
  {
    version: 5,
    name: 'the forwarding signature each replica checks',
    statements: [
      // 'v2' from this release on; NULL in the rows replicas of the previous release write (they check v1 only).
      'ALTER TABLE runner_replicas ADD COLUMN signature TEXT',
    ],
  },
];

/**
 * Brings the database up to the newest migration. Each version runs in its own
 * transaction and is recorded in `schema_migrations`; on PostgreSQL an advisory lock
 * keeps two runners starting at once from applying the same step twice.
 */
export async function migrate(db: SqlDriver, now: () => number, migrations = MIGRATIONS): Promise<number[]> {
  await db.run(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
  );
  const applied: number[] = [];
  for (const m of migrations) {
    const done = await db.transaction(async (tx) => {
      // 0x70617261 = "para": one lock id for this schema, held to the end of the transaction.
      if (db.dialect === 'postgres') await tx.all('SELECT pg_advisory_xact_lock(1885434465)');
      const rows = await tx.all<{ version: number }>('SELECT version FROM schema_migrations WHERE version = ?', [
        m.version,
      ]);
      if (rows.length > 0) return false;
      for (const statement of m.statements) {
        try {
          await tx.run(statement);
        } catch (error) {
          const cause = error instanceof Error ? error.message : String(error);
          throw new Error(`failed to apply migration ${m.version} (${m.name}): ${cause}`);
        }
      }
      await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        m.version,
        m.name,
        now(),
      ]);
      return true;
    });
    if (done) applied.push(m.version);
  }
  return applied;
}
