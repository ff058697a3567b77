import pg from 'pg';

export type PgClient = pg.PoolClient;

/** What the stores need of a pool (pg.Pool has it; so does the migration-gated pool of openStores). */
export interface PgPool {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  connect(): Promise<PgClient>;
  end(): Promise<void>;
}

/**
 * A pool whose statements wait for `ready()` (the migrations) first, so parts that start working
 * as soon as they are built (the webhook worker, timers) never touch a table that does not exist yet.
 * A failed `ready()` is retried by the next statement.
 */
export function gatedPool(pool: pg.Pool, ready: () => Promise<void>): PgPool {
  return {
    query: async <R extends pg.QueryResultRow>(text: string, values?: unknown[]) => {
      await ready();
      return pool.query<R>(text, values);
    },
    connect: async () => {
      await ready();
      return pool.connect();
    },
    end: () => pool.end(),
  };
}

/**
 * Opens a connection pool for `DATABASE_URL`. Connections are made lazily; `max` bounds what one
 * instance holds, so several instances stay under the server's max_connections.
 */
export function createPool(url: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 30_000 });
  // An idle client losing its connection (server restart) must not crash the process; the pool
  // drops it and the next query opens a fresh one.
  pool.on('error', () => undefined);
  return pool;
}

/** True for a connection string that selects the PostgreSQL backend. */
export function isPostgresUrl(url: string | undefined): url is string {
  return url !== undefined && /^postgres(ql)?:\/\//i.test(url);
}

/**
 * Runs `work` in one transaction on one pooled connection: COMMIT when it resolves, ROLLBACK when
 * it throws (the error propagates). Serialization failures and deadlocks are retried a few times,
 * since under concurrency they are expected and the work is safe to redo.
 */
export async function inTransaction<T>(
  pool: PgPool,
  work: (client: PgClient) => Promise<T>,
  isolation: 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE' = 'READ COMMITTED',
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    try {
      await client.query(`BEGIN ISOLATION LEVEL ${isolation}`);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      const code = (error as { code?: string }).code;
      if ((code === '40001' || code === '40P01') && attempt < 5) continue;
      throw error;
    } finally {
      client.release();
    }
  }
}
