import pg from 'pg';
import type { SqlDriver, SqlExecutor } from './sql-driver.ts';

const INT8 = 20;

/** `?` placeholders as PostgreSQL's `$1, $2, ...`; the store's SQL has no `?` inside literals. */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/**
 * PostgreSQL through `pg`'s pool, for several runners sharing one database.
 * BIGINT columns (epoch milliseconds) come back as numbers, not strings: every time we
 * keep is far below 2^53.
 */
export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  readonly forUpdate = 'FOR UPDATE';
  private readonly pool: pg.Pool;

  constructor(connectionString: string, options: { max?: number } = {}) {
    this.pool = new pg.Pool({
      connectionString,
      max: options.max ?? 10,
      connectionTimeoutMillis: 10_000,
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as never,
      },
    });
    // An idle client that loses its server must not crash the runner; the next query reconnects.
    this.pool.on('error', (error) => process.stderr.write(`postgres: idle client: ${error.message}\n`));
  }

  async all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.pool.query(numberPlaceholders(sql), params as unknown[])).rows as T[];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return (await this.pool.query(numberPlaceholders(sql), params as unknown[])).rowCount ?? 0;
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const tx: SqlExecutor = {
      all: async <R>(sql: string, params: readonly unknown[] = []) =>
        (await client.query(numberPlaceholders(sql), params as unknown[])).rows as R[],
      run: async (sql, params = []) => (await client.query(numberPlaceholders(sql), params as unknown[])).rowCount ?? 0,
    };
    try {
      await client.query('BEGIN');
      const result = await fn(tx);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
