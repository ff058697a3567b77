import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratePostgres } from '../src/storage/postgres/migrate.js';
import { createPool } from '../src/storage/postgres/pool.js';
import { pgMigrations } from '../src/storage/postgres/schema.js';
import { startPostgres, type TestPostgres } from './support/postgres.js';

describe('PostgreSQL migrations', () => {
  let cluster: TestPostgres;
  beforeAll(async () => {
    cluster = await startPostgres();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('migrates once when several instances start together (advisory lock), and a restart applies nothing', async () => {
    const url = await cluster.createDatabase();
    const pools = [createPool(url), createPool(url), createPool(url)];
    try {
      const applied = await Promise.all(pools.map((pool) => migratePostgres(pool)));
      const all = pgMigrations.map((m) => m.version).sort((a, b) => a - b);
      // Exactly one instance applied everything; the others waited on the lock and found nothing to do.
      expect(applied.filter((versions) => versions.length > 0)).toEqual([all]);
      expect(await migratePostgres(pools[0]!)).toEqual([]);
      const { rows } = await pools[0]!.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      expect(rows.map((r) => r.version)).toEqual(all);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it('applies a new version later, and a failing step leaves nothing half-applied', async () => {
    const pool = createPool(await cluster.createDatabase());
    try {
      await migratePostgres(pool);
      const next = Math.max(...pgMigrations.map((m) => m.version)) + 100;
      const broken = { version: next, name: 'broken', sql: 'CREATE TABLE half_done (id INT); SELECT no_such_function();' };
      await expect(migratePostgres(pool, [...pgMigrations, broken])).rejects.toThrow(/migration .* \(broken\) failed/);
      const { rows } = await pool.query("SELECT to_regclass('half_done') AS t");
      expect(rows[0].t).toBeNull();
      const fixed = { version: next, name: 'fixed', sql: 'CREATE TABLE later_table (id INT);' };
      expect(await migratePostgres(pool, [...pgMigrations, fixed])).toEqual([next]);
    } finally {
      await pool.end();
    }
  });
});
