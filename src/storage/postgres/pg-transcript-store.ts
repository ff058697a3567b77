import type { TranscriptEntry } from '../../tickets/ticket.js';
import type { TranscriptStore } from '../../transcripts/transcript-store.js';
import type { PgPool } from './pool.js';

/** TranscriptStore on PostgreSQL: one row per message, read back in insertion (identity) order. */
export class PgTranscriptStore implements TranscriptStore {
  constructor(private readonly pool: PgPool) {}

  async append(channelId: string, conversationId: string, entry: TranscriptEntry): Promise<void> {
    await this.pool.query('INSERT INTO transcript (channel_id, conversation_id, role, text, at) VALUES ($1, $2, $3, $4, $5)', [
      channelId,
      conversationId,
      entry.from,
      entry.text,
      entry.at,
    ]);
  }

  async read(channelId: string, conversationId: string, limit = 500): Promise<TranscriptEntry[]> {
    const { rows } = await this.pool.query<{ role: TranscriptEntry['from']; text: string; at: string }>(
      `SELECT role, text, at FROM (
         SELECT id, role, text, at FROM transcript WHERE channel_id = $1 AND conversation_id = $2 ORDER BY id DESC LIMIT $3
       ) AS recent ORDER BY id`,
      [channelId, conversationId, limit],
    );
    return rows.map((row) => ({ from: row.role, text: row.text, at: row.at }));
  }
}
