import type { SqliteDatabase } from '../storage/database.js';
import type { ArticleSend, ArticleSendCount, ArticleSendStore } from './article-sends.js';

/** ArticleSendStore on the embedded SQLite database (table from migration 14). */
export class SqliteArticleSendStore implements ArticleSendStore {
  constructor(private readonly db: SqliteDatabase) {}

  async record(send: ArticleSend): Promise<void> {
    this.db.prepare('INSERT INTO article_sends (article_id, language, agent_id, sent_at) VALUES (?, ?, ?, ?)').run(send.articleId, send.language, send.agentId, send.sentAt);
  }

  async top(since: string, limit: number): Promise<ArticleSendCount[]> {
    // With MAX(id), SQLite takes the bare column `language` from that row: the latest send's language.
    const rows = this.db
      .prepare<[string, number], ArticleSendCount & { latest: number }>(
        `SELECT article_id AS articleId, COUNT(*) AS count, language, MAX(id) AS latest
         FROM article_sends WHERE sent_at >= ?
         GROUP BY article_id ORDER BY count DESC, article_id LIMIT ?`,
      )
      .all(since, limit);
    return rows.map(({ articleId, count, language }) => ({ articleId, count, language }));
  }
}
