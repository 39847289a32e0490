import type { Learner, ScenarioProgress } from '@paranoid/api/progress.ts';
import type { SqlDriver, SqlExecutor } from './sql-driver.ts';
import { migrate } from './store-migrations.ts';
import { SqliteDriver } from './store-sqlite.ts';

/** A workshop as stored: what the instructor chose, and its state. */
export interface WorkshopRecord {
  id: string;
  /** Short and secret-ish: how learners find it (see workshops.ts for its entropy). */
  joinCode: string;
  title: string;
  trackId: string | null;
  scenarioIds: string[];
  seats: number;
  startsAt: number;
  endsAt: number;
  /** Life of each learner's session, in minutes. */
  sessionMinutes: number;
  solutionsAllowed: boolean;
  /** A learner with no change for this long is marked stuck. */
  stuckMinutes: number;
  createdAt: number;
  endedAt: number | null;
  broadcast: string | null;
  broadcastAt: number | null;
}

/** One seat taken: the learner is anonymous apart from the name they chose. */
export interface MemberRecord {
  workshopId: string;
  learnerId: string;
  displayName: string;
  joinedAt: number;
}

/** Progress of one learner, for rosters and reports. */
export interface LearnerProgress extends ScenarioProgress {
  learnerId: string;
}

/** Where progress is kept: self-paced (no workshop), or inside one workshop. */
export type Scope = { workshopId?: string };

/** What joining a workshop did: a new seat, the same seat again, or none because the workshop is full. */
export type JoinOutcome = { outcome: 'joined' | 'rejoined'; member: MemberRecord } | { outcome: 'full' };

interface ProgressRow {
  learner_id: string;
  scenario_id: string;
  checks: string;
  hints: string;
  solution_revealed: number;
  completed_at: number | null;
  started_at: number | null;
  updated_at: number;
}

interface WorkshopRow {
  id: string;
  join_code: string;
  title: string;
  track_id: string | null;
  scenario_ids: string;
  seats: number;
  starts_at: number;
  ends_at: number;
  session_minutes: number;
  solutions_allowed: number;
  stuck_minutes: number;
  created_at: number;
  ended_at: number | null;
  broadcast: string | null;
  broadcast_at: number | null;
}

interface MemberRow {
  workshop_id: string;
  learner_id: string;
  display_name: string;
  joined_at: number;
}

/**
 * Learners, their progress and workshops, so a reload, another tab or a runner restart
 * loses nothing. One store over a {@link SqlDriver}: SQLite (better-sqlite3) embedded for
 * one runner, PostgreSQL (`pg`) where several share a database; the same test suite runs
 * on both (progress-store.test.ts).
 */
export class ProgressStore {
  private constructor(
    private readonly db: SqlDriver,
    private readonly now: () => number,
  ) {}

  /**
   * Opens and migrates the store: `postgres://...` (or `postgresql://`) is PostgreSQL,
   * anything else a SQLite file path or `:memory:`.
   */
  static async open(database: string, now: () => number = Date.now): Promise<ProgressStore> {
    let driver: SqlDriver;
    if (/^postgres(ql)?:\/\//.test(database)) {
      const { PostgresDriver } = await import('./store-postgres.ts');
      driver = new PostgresDriver(database);
    } else {
      driver = new SqliteDriver(database);
    }
    try {
      await migrate(driver, now);
    } catch (error) {
      await driver.close().catch(() => undefined);
      const cause = error instanceof Error ? error.message : String(error);
      throw new Error(`failed to open the store at ${redact(database)}: ${cause}`);
    }
    return new ProgressStore(driver, now);
  }

  /** The database itself, for the other tables that live beside the store's (the replica registry). */
  get sql(): SqlDriver {
    return this.db;
  }

  get dialect(): SqlDriver['dialect'] {
    return this.db.dialect;
  }

  /** Returns the learner, creating it on first sight. */
  async learner(id: string): Promise<Learner> {
    await this.db.run(
      'INSERT INTO learners (id, display_name, created_at) VALUES (?, NULL, ?) ON CONFLICT DO NOTHING',
      [id, this.now()],
    );
    const [row] = await this.db.all<{ id: string; display_name: string | null; created_at: number }>(
      'SELECT id, display_name, created_at FROM learners WHERE id = ?',
      [id],
    );
    return { id: row!.id, displayName: row!.display_name, createdAt: row!.created_at };
  }

  /**
   * The learner as stored, or as a new one would be, without writing a row: a visitor
   * who only looks around leaves nothing behind.
   */
  async peek(id: string): Promise<Learner> {
    const [row] = await this.db.all<{ id: string; display_name: string | null; created_at: number }>(
      'SELECT id, display_name, created_at FROM learners WHERE id = ?',
      [id],
    );
    return row
      ? { id: row.id, displayName: row.display_name, createdAt: row.created_at }
      : { id, displayName: null, createdAt: this.now() };
  }

  async setDisplayName(id: string, displayName: string | null): Promise<Learner> {
    await this.learner(id);
    await this.db.run('UPDATE learners SET display_name = ? WHERE id = ?', [displayName, id]);
    return this.learner(id);
  }

  /** The learner's progress on every scenario they touched, in this scope. */
  async all(learnerId: string, scope: Scope = {}): Promise<ScenarioProgress[]> {
    const { table, where, params } = scoped(scope);
    const rows = await this.db.all<ProgressRow>(
      `SELECT * FROM ${table} WHERE ${where} learner_id = ? ORDER BY scenario_id`,
      [...params, learnerId],
    );
    return rows.map(toProgress);
  }

  async get(learnerId: string, scenarioId: string, scope: Scope = {}): Promise<ScenarioProgress> {
    return this.read(this.db, learnerId, scenarioId, scope);
  }

  /** Everyone's progress in a workshop. */
  async workshopProgress(workshopId: string): Promise<LearnerProgress[]> {
    const rows = await this.db.all<ProgressRow>(
      'SELECT * FROM workshop_progress WHERE workshop_id = ? ORDER BY learner_id, scenario_id',
      [workshopId],
    );
    return rows.map((r) => ({ learnerId: r.learner_id, ...toProgress(r) }));
  }

  /** Self-paced progress of every learner on any of these scenarios (a track's report). */
  async progressOn(scenarioIds: string[]): Promise<LearnerProgress[]> {
    if (scenarioIds.length === 0) return [];
    const rows = await this.db.all<ProgressRow>(
      `SELECT * FROM progress WHERE scenario_id IN (${scenarioIds.map(() => '?').join(', ')}) ORDER BY learner_id, scenario_id`,
      scenarioIds,
    );
    return rows.map((r) => ({ learnerId: r.learner_id, ...toProgress(r) }));
  }

  /** Learners by id, for the names a report prints. */
  async learners(ids: string[]): Promise<Learner[]> {
    const out: Learner[] = [];
    // Bounded IN lists: SQLite allows 32766 parameters, but a report should not lean on that.
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      const rows = await this.db.all<{ id: string; display_name: string | null; created_at: number }>(
        `SELECT id, display_name, created_at FROM learners WHERE id IN (${chunk.map(() => '?').join(', ')})`,
        chunk,
      );
      out.push(...rows.map((r) => ({ id: r.id, displayName: r.display_name, createdAt: r.created_at })));
    }
    return out;
  }

  /** A session began on this scenario: the first one sets `startedAt`. */
  recordStart(learnerId: string, scenarioId: string, scope: Scope = {}): Promise<ScenarioProgress> {
    return this.update(learnerId, scenarioId, scope, (p, now) => {
      p.startedAt ??= now;
    });
  }

  /**
   * Records a grading run the runner made itself; the scenario counts as completed the
   * first time every check passes. Nothing a client sends reaches this but the session id.
   */
  recordChecks(
    learnerId: string,
    scenarioId: string,
    results: { id: string; passed: boolean }[],
    scope: Scope = {},
  ): Promise<ScenarioProgress> {
    return this.update(learnerId, scenarioId, scope, (p, now) => {
      p.checks = Object.fromEntries(results.map((r) => [r.id, r.passed]));
      p.startedAt ??= now;
      if (p.completedAt === null && results.length > 0 && results.every((r) => r.passed)) p.completedAt = now;
    });
  }

  recordHint(learnerId: string, scenarioId: string, key: string, scope: Scope = {}): Promise<ScenarioProgress> {
    return this.update(learnerId, scenarioId, scope, (p) => {
      if (!p.hintsRevealed.includes(key)) p.hintsRevealed.push(key);
    });
  }

  recordSolution(learnerId: string, scenarioId: string, scope: Scope = {}): Promise<ScenarioProgress> {
    return this.update(learnerId, scenarioId, scope, (p) => {
      p.solutionRevealed = true;
    });
  }

  async createWorkshop(w: WorkshopRecord): Promise<WorkshopRecord> {
    await this.db.run(
      `INSERT INTO workshops (id, join_code, title, track_id, scenario_ids, seats, starts_at, ends_at, session_minutes,
         solutions_allowed, stuck_minutes, created_at, ended_at, broadcast, broadcast_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        w.id,
        w.joinCode,
        w.title,
        w.trackId,
        JSON.stringify(w.scenarioIds),
        w.seats,
        w.startsAt,
        w.endsAt,
        w.sessionMinutes,
        w.solutionsAllowed ? 1 : 0,
        w.stuckMinutes,
        w.createdAt,
        w.endedAt,
        w.broadcast,
        w.broadcastAt,
      ],
    );
    return w;
  }

  async workshop(id: string): Promise<WorkshopRecord | undefined> {
    const [row] = await this.db.all<WorkshopRow>('SELECT * FROM workshops WHERE id = ?', [id]);
    return row ? toWorkshop(row) : undefined;
  }

  async workshopByCode(joinCode: string): Promise<WorkshopRecord | undefined> {
    const [row] = await this.db.all<WorkshopRow>('SELECT * FROM workshops WHERE join_code = ?', [joinCode]);
    return row ? toWorkshop(row) : undefined;
  }

  /** Every workshop, newest first. */
  async workshops(): Promise<WorkshopRecord[]> {
    const rows = await this.db.all<WorkshopRow>('SELECT * FROM workshops ORDER BY created_at DESC, id');
    return rows.map(toWorkshop);
  }

  async endWorkshop(id: string): Promise<WorkshopRecord | undefined> {
    await this.db.run('UPDATE workshops SET ended_at = ? WHERE id = ? AND ended_at IS NULL', [this.now(), id]);
    return this.workshop(id);
  }

  async setBroadcast(id: string, message: string | null): Promise<WorkshopRecord | undefined> {
    await this.db.run('UPDATE workshops SET broadcast = ?, broadcast_at = ? WHERE id = ?', [
      message,
      message === null ? null : this.now(),
      id,
    ]);
    return this.workshop(id);
  }

  /**
   * Takes a seat, or finds the learner's own again. Seats are counted and taken in one
   * transaction (with the workshop row locked on PostgreSQL), so a rush cannot overfill.
   */
  async join(workshopId: string, learnerId: string, displayName: string): Promise<JoinOutcome> {
    await this.learner(learnerId);
    return this.db.transaction(async (tx) => {
      const [w] = await tx.all<{ seats: number }>(`SELECT seats FROM workshops WHERE id = ? ${this.db.forUpdate}`, [
        workshopId,
      ]);
      if (!w) throw new Error(`failed to join workshop ${workshopId}: it does not exist`);
      const [mine] = await tx.all<MemberRow>(
        'SELECT * FROM workshop_members WHERE workshop_id = ? AND learner_id = ?',
        [workshopId, learnerId],
      );
      if (mine) {
        await tx.run('UPDATE workshop_members SET display_name = ? WHERE workshop_id = ? AND learner_id = ?', [
          displayName,
          workshopId,
          learnerId,
        ]);
        return { outcome: 'rejoined', member: { ...toMember(mine), displayName } };
      }
      const [{ taken } = { taken: 0 }] = await tx.all<{ taken: number }>(
        'SELECT COUNT(*) AS taken FROM workshop_members WHERE workshop_id = ?',
        [workshopId],
      );
      if (Number(taken) >= w.seats) return { outcome: 'full' };
      const member: MemberRecord = { workshopId, learnerId, displayName, joinedAt: this.now() };
      await tx.run(
        'INSERT INTO workshop_members (workshop_id, learner_id, display_name, joined_at) VALUES (?, ?, ?, ?)',
        [workshopId, learnerId, displayName, member.joinedAt],
      );
      return { outcome: 'joined', member };
    });
  }

  async members(workshopId: string): Promise<MemberRecord[]> {
    const rows = await this.db.all<MemberRow>(
      'SELECT * FROM workshop_members WHERE workshop_id = ? ORDER BY joined_at, learner_id',
      [workshopId],
    );
    return rows.map(toMember);
  }

  /** The workshops a learner has joined, newest seat first. */
  async memberships(learnerId: string): Promise<MemberRecord[]> {
    const rows = await this.db.all<MemberRow>(
      'SELECT * FROM workshop_members WHERE learner_id = ? ORDER BY joined_at DESC',
      [learnerId],
    );
    return rows.map(toMember);
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  private async read(db: SqlExecutor, learnerId: string, scenarioId: string, scope: Scope): Promise<ScenarioProgress> {
    const { table, where, params } = scoped(scope);
    const [row] = await db.all<ProgressRow>(
      `SELECT * FROM ${table} WHERE ${where} learner_id = ? AND scenario_id = ? ${this.db.forUpdate}`,
      [...params, learnerId, scenarioId],
    );
    return row
      ? toProgress(row)
      : {
          scenarioId,
          checks: {},
          hintsRevealed: [],
          solutionRevealed: false,
          completedAt: null,
          startedAt: null,
          updatedAt: 0,
        };
  }

  private async update(
    learnerId: string,
    scenarioId: string,
    scope: Scope,
    change: (p: ScenarioProgress, now: number) => void,
  ): Promise<ScenarioProgress> {
    await this.learner(learnerId);
    return this.db.transaction(async (tx) => {
      const p = await this.read(tx, learnerId, scenarioId, scope);
      const now = this.now();
      change(p, now);
      p.updatedAt = now;
      const values = [
        learnerId,
        scenarioId,
        JSON.stringify(p.checks),
        JSON.stringify(p.hintsRevealed),
        p.solutionRevealed ? 1 : 0,
        p.completedAt,
        p.startedAt,
        p.updatedAt,
      ];
      const set = `checks = excluded.checks, hints = excluded.hints, solution_revealed = excluded.solution_revealed,
        completed_at = excluded.completed_at, started_at = excluded.started_at, updated_at = excluded.updated_at`;
      if (scope.workshopId) {
        await tx.run(
          `INSERT INTO workshop_progress (workshop_id, learner_id, scenario_id, checks, hints, solution_revealed, completed_at, started_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (workshop_id, learner_id, scenario_id) DO UPDATE SET ${set}`,
          [scope.workshopId, ...values],
        );
      } else {
        await tx.run(
          `INSERT INTO progress (learner_id, scenario_id, checks, hints, solution_revealed, completed_at, started_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (learner_id, scenario_id) DO UPDATE SET ${set}`,
          values,
        );
      }
      return p;
    });
  }
}

function scoped(scope: Scope): { table: string; where: string; params: string[] } {
  return scope.workshopId
    ? { table: 'workshop_progress', where: 'workshop_id = ? AND', params: [scope.workshopId] }
    : { table: 'progress', where: '', params: [] };
}

function toProgress(row: ProgressRow): ScenarioProgress {
  return {
    scenarioId: row.scenario_id,
    checks: JSON.parse(row.checks) as Record<string, boolean>,
    hintsRevealed: JSON.parse(row.hints) as string[],
    solutionRevealed: Number(row.solution_revealed) === 1,
    completedAt: row.completed_at,
    startedAt: row.started_at ?? null,
    updatedAt: row.updated_at,
  };
}

function toWorkshop(row: WorkshopRow): WorkshopRecord {
  return {
    id: row.id,
    joinCode: row.join_code,
    title: row.title,
    trackId: row.track_id,
    scenarioIds: JSON.parse(row.scenario_ids) as string[],
    seats: row.seats,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    sessionMinutes: row.session_minutes,
    solutionsAllowed: Number(row.solutions_allowed) === 1,
    stuckMinutes: Number(row.stuck_minutes),
    createdAt: row.created_at,
    endedAt: row.ended_at,
    broadcast: row.broadcast,
    broadcastAt: row.broadcast_at,
  };
}

function toMember(row: MemberRow): MemberRecord {
  return {
    workshopId: row.workshop_id,
    learnerId: row.learner_id,
    displayName: row.display_name,
    joinedAt: row.joined_at,
  };
}

/** A connection string without its password, for messages. */
export function redact(database: string): string {
  return database.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
}
