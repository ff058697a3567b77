import type { PgPool } from '../storage/postgres/pool.js';
import type { ArticleSend, ArticleSendCount, ArticleSendStore } from './article-sends.js';

/** ArticleSendStore on PostgreSQL (table from PostgreSQL migration 14), shared by every instance. */
export class PgArticleSendStore implements ArticleSendStore {
  constructor(private readonly pool: PgPool) {}

  async record(send: ArticleSend): Promise<void> {
    await this.pool.query('INSERT INTO article_sends (article_id, language, agent_id, sent_at) VALUES ($1, $2, $3, $4)', [send.articleId, send.language, send.agentId, send.sentAt]);
  }

  async top(since: string, limit: number): Promise<ArticleSendCount[]> {
    const { rows } = await this.pool.query<{ articleId: string; count: string; language: string }>(
      `SELECT article_id AS "articleId", COUNT(*) AS count, (ARRAY_AGG(language ORDER BY id DESC))[1] AS language
       FROM article_sends WHERE sent_at >= $1
       GROUP BY article_id ORDER BY count DESC, article_id COLLATE "C" LIMIT $2`,
      [since, limit],
    );
    return rows.map((row) => ({ articleId: row.articleId, count: Number(row.count), language: row.language }));
  }
}
