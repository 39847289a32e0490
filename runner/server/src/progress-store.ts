import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/** What the lab remembers of one learner on one scenario. */
export interface ScenarioProgress {
  scenarioId: string;
  /** The latest verdict of each check, by check id. */
  checks: Record<string, boolean>;
  /** Hints the learner asked for, as `check:<id>:<index>` or `step:<id>:<index>`. */
  hintsRevealed: string[];
  solutionRevealed: boolean;
  /** Epoch ms of the first run where every check passed. */
  completedAt: number | null;
  updatedAt: number;
}

export interface Learner {
  id: string;
  displayName: string | null;
  createdAt: number;
}

interface ProgressRow {
  scenario_id: string;
  checks: string;
  hints: string;
  solution_revealed: number;
  completed_at: number | null;
  updated_at: number;
}

/**
 * Learners and their progress in SQLite, so a reload, another tab or a runner
 * restart loses nothing. Synchronous by design (better-sqlite3): each call is a
 * short local transaction, and WAL mode lets several runners read at once.
 */
export class ProgressStore {
  private readonly db: Database.Database;

  /** `file` is a path, or `:memory:` for tests. */
  constructor(
    file: string,
    private readonly now: () => number = Date.now,
  ) {
    if (file !== ':memory:') {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      // Owner only, made so before the first byte is written: SQLite gives its -wal and -shm
      // files the database's own mode, and a learner's progress is nobody else's to read.
      closeSync(openSync(file, 'a', 0o600));
      chmodSync(file, 0o600);
    }
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    if (file !== ':memory:') {
      for (const extra of [`${file}-wal`, `${file}-shm`]) if (existsSync(extra)) chmodSync(extra, 0o600);
    }
    this.db.pragma('foreign_keys = ON');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS learners (
        id TEXT PRIMARY KEY,
        display_name TEXT,
        created_at INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS progress (
        learner_id TEXT NOT NULL REFERENCES learners(id) ON DELETE CASCADE,
        scenario_id TEXT NOT NULL,
        checks TEXT NOT NULL DEFAULT '{}',
        hints TEXT NOT NULL DEFAULT '[]',
        solution_revealed INTEGER NOT NULL DEFAULT 0,
        completed_at INTEGER,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (learner_id, scenario_id)
      );
    `);
  }

  /** Returns the learner, creating it on first sight. */
  learner(id: string): Learner {
    this.db
      .prepare('INSERT OR IGNORE INTO learners (id, display_name, created_at) VALUES (?, NULL, ?)')
      .run(id, this.now());
    const row = this.db.prepare('SELECT id, display_name, created_at FROM learners WHERE id = ?').get(id) as {
      id: string;
      display_name: string | null;
      created_at: number;
    };
    return { id: row.id, displayName: row.display_name, createdAt: row.created_at };
  }

  /**
   * The learner as stored, or as a new one would be, without writing a row: a visitor
   * who only looks around leaves nothing behind.
   */
  peek(id: string): Learner {
    const row = this.db.prepare('SELECT id, display_name, created_at FROM learners WHERE id = ?').get(id) as
      | { id: string; display_name: string | null; created_at: number }
      | undefined;
    return row
      ? { id: row.id, displayName: row.display_name, createdAt: row.created_at }
      : { id, displayName: null, createdAt: this.now() };
  }

  setDisplayName(id: string, displayName: string | null): Learner {
    this.learner(id);
    this.db.prepare('UPDATE learners SET display_name = ? WHERE id = ?').run(displayName, id);
    return this.learner(id);
  }

  all(learnerId: string): ScenarioProgress[] {
    const rows = this.db
      .prepare('SELECT * FROM progress WHERE learner_id = ? ORDER BY scenario_id')
      .all(learnerId) as ProgressRow[];
    return rows.map(toProgress);
  }

  get(learnerId: string, scenarioId: string): ScenarioProgress {
    const row = this.db
      .prepare('SELECT * FROM progress WHERE learner_id = ? AND scenario_id = ?')
      .get(learnerId, scenarioId) as ProgressRow | undefined;
    return row
      ? toProgress(row)
      : { scenarioId, checks: {}, hintsRevealed: [], solutionRevealed: false, completedAt: null, updatedAt: 0 };
  }

  /** Records a grading run; the scenario counts as completed the first time every check passes. */
  recordChecks(learnerId: string, scenarioId: string, results: { id: string; passed: boolean }[]): ScenarioProgress {
    return this.update(learnerId, scenarioId, (p) => {
      p.checks = Object.fromEntries(results.map((r) => [r.id, r.passed]));
      if (p.completedAt === null && results.length > 0 && results.every((r) => r.passed)) p.completedAt = this.now();
    });
  }

  recordHint(learnerId: string, scenarioId: string, key: string): ScenarioProgress {
    return this.update(learnerId, scenarioId, (p) => {
      if (!p.hintsRevealed.includes(key)) p.hintsRevealed.push(key);
    });
  }

  recordSolution(learnerId: string, scenarioId: string): ScenarioProgress {
    return this.update(learnerId, scenarioId, (p) => {
      p.solutionRevealed = true;
    });
  }

  close(): void {
    this.db.close();
  }

  private update(learnerId: string, scenarioId: string, change: (p: ScenarioProgress) => void): ScenarioProgress {
    this.learner(learnerId);
    const run = this.db.transaction(() => {
      const p = this.get(learnerId, scenarioId);
      change(p);
      p.updatedAt = this.now();
      this.db
        .prepare(
          `INSERT INTO progress (learner_id, scenario_id, checks, hints, solution_revealed, completed_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (learner_id, scenario_id) DO UPDATE SET
             checks = excluded.checks, hints = excluded.hints, solution_revealed = excluded.solution_revealed,
             completed_at = excluded.completed_at, updated_at = excluded.updated_at`,
        )
        .run(
          learnerId,
          scenarioId,
          JSON.stringify(p.checks),
          JSON.stringify(p.hintsRevealed),
          p.solutionRevealed ? 1 : 0,
          p.completedAt,
          p.updatedAt,
        );
      return p;
    });
    return run();
  }
}

function toProgress(row: ProgressRow): ScenarioProgress {
  return {
    scenarioId: row.scenario_id,
    checks: JSON.parse(row.checks) as Record<string, boolean>,
    hintsRevealed: JSON.parse(row.hints) as string[],
    solutionRevealed: row.solution_revealed === 1,
    completedAt: row.completed_at,
    updatedAt: row.updated_at,
  };
}
