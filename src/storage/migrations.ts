/** One schema step. Versions only ever grow; a shipped migration is never edited. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The embedded database's schema history, oldest first. */
export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'bot state (botbuilder Storage)',
    sql: `CREATE TABLE bot_state (
      key TEXT PRIMARY KEY,
      etag INTEGER NOT NULL,
      document TEXT NOT NULL,
      updated_at TEXT NOT NULL
    );`,
  },
  {
    version: 2,
    name: 'answer feedback',
    sql: `CREATE TABLE feedback (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      conversation_id TEXT NOT NULL,
      channel_id TEXT NOT NULL,
      article_id TEXT NOT NULL,
      question TEXT NOT NULL,
      helpful INTEGER NOT NULL CHECK (helpful IN (0, 1)),
      created_at TEXT NOT NULL
    );
    CREATE INDEX feedback_article ON feedback (article_id);`,
  },
];
