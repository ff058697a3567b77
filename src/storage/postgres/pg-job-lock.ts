import type { JobLock } from '../job-lock.js';
import type { PgPool } from './pool.js';

/**
 * JobLock over a PostgreSQL session advisory lock keyed by the job's name: `pg_try_advisory_lock`
 * never waits, so an instance that finds the job running elsewhere skips this round. The lock
 * belongs to the connection, so an instance that dies mid-job releases it with its connection.
 */
export class PgJobLock implements JobLock {
  constructor(private readonly pool: PgPool) {}

  async runExclusive<T>(job: string, work: () => Promise<T>): Promise<T | undefined> {
    const key = `tierdesk:${job}`;
    const client = await this.pool.connect();
    try {
      const { rows } = await client.query<{ got: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS got', [key]);
      if (rows[0]?.got !== true) return undefined;
      try {
        return await work();
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [key]);
      }
    } finally {
      client.release();
    }
  }
}
