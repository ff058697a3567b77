import type { SqliteDatabase } from './database.js';

/** A customer's answer to "Did this help?" for one article. */
export interface Feedback {
  conversationId: string;
  channelId: string;
  articleId: string;
  question: string;
  helpful: boolean;
}

/** Where "Did this help?" clicks go; staff use them to find weak articles. */
export interface FeedbackStore {
  record(feedback: Feedback): Promise<void>;
  /** Helpful / not-helpful counts per article. */
  summary(): Promise<{ articleId: string; helpful: number; notHelpful: number }[]>;
  /** "No, that didn't help" answers since an ISO time, oldest first (for the content-gap report). */
  notHelpful(since: string): Promise<(Pick<Feedback, 'question' | 'articleId'> & { createdAt: string })[]>;
}

export class SqliteFeedbackStore implements FeedbackStore {
  constructor(private readonly db: SqliteDatabase) {}

  async record(feedback: Feedback): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO feedback (conversation_id, channel_id, article_id, question, helpful, created_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(
        feedback.conversationId,
        feedback.channelId,
        feedback.articleId,
        feedback.question,
        feedback.helpful ? 1 : 0,
        new Date().toISOString(),
      );
  }

  async notHelpful(since: string): Promise<(Pick<Feedback, 'question' | 'articleId'> & { createdAt: string })[]> {
    return this.db
      .prepare<[string], { question: string; articleId: string; createdAt: string }>(
        `SELECT question, article_id AS articleId, created_at AS createdAt
         FROM feedback WHERE helpful = 0 AND created_at >= ? ORDER BY created_at, id`,
      )
      .all(since);
  }

  async summary(): Promise<{ articleId: string; helpful: number; notHelpful: number }[]> {
    return this.db
      .prepare<[], { articleId: string; helpful: number; notHelpful: number }>(
        `SELECT article_id AS articleId, SUM(helpful) AS helpful, SUM(1 - helpful) AS notHelpful
         FROM feedback GROUP BY article_id ORDER BY article_id`,
      )
      .all();
  }
}
