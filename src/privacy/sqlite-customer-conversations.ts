import type { SqliteDatabase } from '../storage/database.js';
import { prepared } from '../storage/statement-cache.js';
import type { CustomerConversationIndex } from './customer-conversations.js';

/** CustomerConversationIndex in the app's SQLite database (table from migration 8). */
export class SqliteCustomerConversationIndex implements CustomerConversationIndex {
  constructor(private readonly db: SqliteDatabase) {}

  async record(channelId: string, conversationId: string, userId: string, at: string): Promise<void> {
    prepared(
      this.db,
      `INSERT INTO customer_conversations (channel_id, conversation_id, user_id, first_seen_at, last_seen_at)
       VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (channel_id, conversation_id, user_id) DO UPDATE SET last_seen_at = excluded.last_seen_at`,
    ).run(channelId, conversationId, userId, at, at);
  }
}
