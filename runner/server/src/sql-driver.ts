/**
 * The little the store needs from a SQL database, so one store serves SQLite and
 * PostgreSQL alike (Hono style: the core speaks this port; each database is an adapter).
 * Statements use `?` placeholders; the PostgreSQL adapter numbers them.
 */
export interface SqlExecutor {
  /** Rows of a query. */
  all<T>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a statement; resolves to the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

/** A SQL database the progress store can use, with transactions and its dialect. */
export interface SqlDriver extends SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * Runs `fn` in one transaction: committed when it resolves, rolled back when it throws.
   * `lock` names a row lock the dialect takes (`FOR UPDATE` on PostgreSQL; SQLite's
   * `BEGIN IMMEDIATE` already holds the whole database).
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /** `FOR UPDATE` where the dialect has row locks, '' where the transaction locks everything. */
  readonly forUpdate: string;
  close(): Promise<void>;
}
