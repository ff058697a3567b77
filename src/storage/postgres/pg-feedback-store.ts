import type { Feedback, FeedbackStore } from '../feedback-store.js';
import type { PgPool } from './pool.js';

/** FeedbackStore on PostgreSQL (same table and meaning as the SQLite one). */
export class PgFeedbackStore implements FeedbackStore {
  constructor(private readonly pool: PgPool) {}

  async record(feedback: Feedback): Promise<void> {
    await this.pool.query(
      `INSERT INTO feedback (conversation_id, channel_id, article_id, question, helpful, created_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [feedback.conversationId, feedback.channelId, feedback.articleId, feedback.question, feedback.helpful ? 1 : 0, new Date().toISOString()],
    );
  }

  async summary(): Promise<{ articleId: string; helpful: number; notHelpful: number }[]> {
    const { rows } = await this.pool.query<{ articleId: string; helpful: number; notHelpful: number }>(
      `SELECT article_id AS "articleId", SUM(helpful)::int AS helpful, SUM(1 - helpful)::int AS "notHelpful"
       FROM feedback GROUP BY article_id ORDER BY article_id COLLATE "C"`,
    );
    return rows;
  }

  async notHelpful(since: string): Promise<{ question: string; articleId: string; createdAt: string }[]> {
    const { rows } = await this.pool.query<{ question: string; articleId: string; createdAt: string }>(
      `SELECT question, article_id AS "articleId", created_at AS "createdAt"
       FROM feedback WHERE helpful = 0 AND created_at >= $1 ORDER BY created_at, id`,
      [since],
    );
    return rows;
  }
}
