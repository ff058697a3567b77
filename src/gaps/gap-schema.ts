import type { Migration } from '../storage/migrations.js';

/**
 * Migration 9 (reserved for answer quality): questions where the bot offered "did you mean"
 * articles and the customer chose none of them. Together with "not helpful" feedback and tickets
 * (which keep the articles tried) they feed the content-gap report.
 */
export const gapMigration: Migration = {
  version: 9,
  name: 'did-you-mean with none chosen',
  sql: `CREATE TABLE unmatched_questions (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      conversation_id TEXT NOT NULL,
      channel_id TEXT NOT NULL,
      question TEXT NOT NULL,
      language TEXT,
      offered TEXT NOT NULL CHECK (json_valid(offered)),
      created_at TEXT NOT NULL
    );
    CREATE INDEX unmatched_questions_created ON unmatched_questions (created_at);`,
};
