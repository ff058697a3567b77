import type { TranscriptEntry } from '../tickets/ticket.js';
import type { SqliteDatabase } from '../storage/database.js';
import { prepared } from '../storage/statement-cache.js';

/** Where each conversation's messages are kept, so a ticket carries the full transcript. */
export interface TranscriptStore {
  append(channelId: string, conversationId: string, entry: TranscriptEntry): Promise<void>;
  /** The conversation's messages, oldest first (at most `limit`, the most recent ones). */
  read(channelId: string, conversationId: string, limit?: number): Promise<TranscriptEntry[]>;
}

export class SqliteTranscriptStore implements TranscriptStore {
  constructor(private readonly db: SqliteDatabase) {}

  async append(channelId: string, conversationId: string, entry: TranscriptEntry): Promise<void> {
    prepared(this.db, 'INSERT INTO transcript (channel_id, conversation_id, role, text, at) VALUES (?, ?, ?, ?, ?)').run(channelId, conversationId, entry.from, entry.text, entry.at);
  }

  async read(channelId: string, conversationId: string, limit = 500): Promise<TranscriptEntry[]> {
    const rows = prepared<[string, string, number], { role: TranscriptEntry['from']; text: string; at: string }>(
        this.db,
        `SELECT role, text, at FROM (
           SELECT id, role, text, at FROM transcript WHERE channel_id = ? AND conversation_id = ? ORDER BY id DESC LIMIT ?
         ) ORDER BY id`,
      )
      .all(channelId, conversationId, limit);
    return rows.map((row) => ({ from: row.role, text: row.text, at: row.at }));
  }
}
