import type { PgPool } from './pool.js';
import { pgMigrations, type PgMigration } from './schema.js';

/**
 * Any constant shared by every tierdesk instance: the advisory lock key under which migrations run,
 * so two instances starting together migrate once (the second waits, then finds nothing to do).
 */
const MIGRATION_LOCK_KEY = 7_734_215_001;

/**
 * Applies every migration not yet recorded in `schema_migrations`, oldest first, each in its own
 * transaction, while holding a session advisory lock. Returns the versions it applied.
 */
export async function migratePostgres(pool: PgPool, all: readonly PgMigration[] = pgMigrations): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
      const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
      const applied = new Set(rows.map((row) => row.version));
      const pending = [...all].filter((m) => !applied.has(m.version)).sort((a, b) => a.version - b.version);
      for (const migration of pending) {
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new Error(`PostgreSQL migration ${migration.version} (${migration.name}) failed: ${(error as Error).message}`);
        }
      }
      return pending.map((m) => m.version);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}
