import type { PgMigration } from '../storage/postgres/schema.js';

/** PostgreSQL migration 12 (reserved for the agent workspace): the same table as SQLite migration 12. */
export const pgWorkspaceMigration: PgMigration = {
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
      questions JSONB NOT NULL,
      body TEXT NOT NULL,
      result_article_id TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    );
    CREATE INDEX article_drafts_state ON article_drafts (state, created_at);`,
};
