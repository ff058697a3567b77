import type { Storage, StoreItems } from 'botbuilder';
import type { SqliteDatabase } from './database.js';
import { prepared } from './statement-cache.js';

/** Raised when a write carries a stale eTag: another turn changed the same state first. */
export class StaleStateError extends Error {
  constructor(key: string) {
    super(`State "${key}" was changed by another turn; reload and retry.`);
    this.name = 'StaleStateError';
  }
}

/**
 * botbuilder `Storage` in SQLite, so dialog and conversation state survive restarts (unlike
 * MemoryStorage). Optimistic concurrency follows the botbuilder contract: an item whose eTag
 * is not "*" must match the stored one.
 */
export class SqliteBotStorage implements Storage {
  constructor(private readonly db: SqliteDatabase) {}

  async read(keys: string[]): Promise<StoreItems> {
    const select = prepared<[string], { etag: number; document: string }>(
      this.db,
      'SELECT etag, document FROM bot_state WHERE key = ?',
    );
    const items: StoreItems = {};
    for (const key of keys) {
      const row = select.get(key);
      if (row !== undefined) items[key] = { ...JSON.parse(row.document), eTag: String(row.etag) };
    }
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    const select = prepared<[string], { etag: number }>(this.db, 'SELECT etag FROM bot_state WHERE key = ?');
    const upsert = prepared(
      this.db,
      `INSERT INTO bot_state (key, etag, document, updated_at) VALUES (@key, @etag, @document, @now)
       ON CONFLICT (key) DO UPDATE SET etag = @etag, document = @document, updated_at = @now`,
    );
    this.db.transaction(() => {
      for (const [key, item] of Object.entries(changes)) {
        const { eTag, ...document } = (item ?? {}) as { eTag?: string } & Record<string, unknown>;
        const stored = select.get(key);
        if (stored !== undefined && eTag !== undefined && eTag !== '*' && eTag !== String(stored.etag)) {
          throw new StaleStateError(key);
        }
        upsert.run({ key, etag: (stored?.etag ?? 0) + 1, document: JSON.stringify(document), now: new Date().toISOString() });
      }
    })();
  }

  async delete(keys: string[]): Promise<void> {
    const remove = prepared(this.db, 'DELETE FROM bot_state WHERE key = ?');
    this.db.transaction(() => {
      for (const key of keys) remove.run(key);
    })();
  }
}
