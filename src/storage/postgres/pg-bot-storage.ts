import type { Storage, StoreItems } from 'botbuilder';
import { StaleStateError } from '../sqlite-bot-storage.js';
import { inTransaction, type PgPool } from './pool.js';

/**
 * botbuilder `Storage` on PostgreSQL with the same optimistic concurrency as the SQLite one: a
 * write carrying an eTag (other than "*") only lands when the stored eTag still matches. The check
 * is part of the UPDATE's WHERE clause (no read-modify-write), so of two instances writing the same
 * conversation from the same read, exactly one wins and the other gets StaleStateError.
 */
export class PgBotStorage implements Storage {
  constructor(private readonly pool: PgPool) {}

  async read(keys: string[]): Promise<StoreItems> {
    if (keys.length === 0) return {};
    const { rows } = await this.pool.query<{ key: string; etag: string; document: string }>(
      'SELECT key, etag::text AS etag, document FROM bot_state WHERE key = ANY($1::text[])',
      [keys],
    );
    const items: StoreItems = {};
    for (const row of rows) items[row.key] = { ...JSON.parse(row.document), eTag: row.etag };
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      const now = new Date().toISOString();
      for (const [key, item] of Object.entries(changes)) {
        const { eTag, ...document } = (item ?? {}) as { eTag?: string } & Record<string, unknown>;
        const json = JSON.stringify(document);
        if (eTag === undefined || eTag === '*') {
          await client.query(
            `INSERT INTO bot_state (key, etag, document, updated_at) VALUES ($1, 1, $2, $3)
             ON CONFLICT (key) DO UPDATE SET etag = bot_state.etag + 1, document = EXCLUDED.document, updated_at = EXCLUDED.updated_at`,
            [key, json, now],
          );
          continue;
        }
        const expected = /^\d+$/.test(eTag) ? eTag : '-1';
        const updated = await client.query('UPDATE bot_state SET etag = etag + 1, document = $2, updated_at = $3 WHERE key = $1 AND etag = $4', [
          key,
          json,
          now,
          expected,
        ]);
        if (updated.rowCount === 1) continue;
        // Not updated: either the key is new (a stale eTag on a deleted item writes, as in SQLite) or it is stale.
        const inserted = await client.query(
          'INSERT INTO bot_state (key, etag, document, updated_at) VALUES ($1, 1, $2, $3) ON CONFLICT (key) DO NOTHING',
          [key, json, now],
        );
        if (inserted.rowCount !== 1) throw new StaleStateError(key);
      }
    });
  }

  async delete(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.pool.query('DELETE FROM bot_state WHERE key = ANY($1::text[])', [keys]);
  }
}
