import type { Migration } from '../storage/migrations.js';

/**
 * Migration 12 (reserved for the agent workspace): article drafts made from resolved live chats
 * marked "worth an article", until an admin publishes, merges or discards them.
 */
export const workspaceMigration: Migration = {
  version: 12,
  name: 'article drafts from live chats',
  sql: `CREATE TABLE article_drafts (
      id TEXT PRIMARY KEY,
      handoff_id TEXT NOT NULL UNIQUE,
      ticket_reference TEXT NOT NULL,
      language TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('open', 'published', 'merged', 'discarded')),
      article_id TEXT NOT NULL,
      title TEXT NOT NULL,
      questions TEXT NOT NULL CHECK (json_valid(questions)),
      body TEXT NOT NULL,
      result_article_id TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    );
    CREATE INDEX article_drafts_state ON article_drafts (state, created_at);`,
};
