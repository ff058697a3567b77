import type { SqliteDatabase } from '../storage/database.js';
import type { UnmatchedQuestion, UnmatchedQuestionStore } from './unmatched-question-store.js';

interface Row {
  conversationId: string;
  channelId: string;
  question: string;
  language: string | null;
  offered: string;
  createdAt: string;
}

/** UnmatchedQuestionStore on the embedded SQLite database (table from migration 9). */
export class SqliteUnmatchedQuestionStore implements UnmatchedQuestionStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(entry: UnmatchedQuestion): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO unmatched_questions (conversation_id, channel_id, question, language, offered, created_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(entry.conversationId, entry.channelId, entry.question, entry.language ?? null, JSON.stringify(entry.offered), this.now().toISOString());
  }

  async list(since: string): Promise<(UnmatchedQuestion & { createdAt: string })[]> {
    return this.db
      .prepare<[string], Row>(
        `SELECT conversation_id AS conversationId, channel_id AS channelId, question, language, offered, created_at AS createdAt
         FROM unmatched_questions WHERE created_at >= ? ORDER BY created_at, id`,
      )
      .all(since)
      .map((row) => ({ ...row, language: row.language ?? undefined, offered: JSON.parse(row.offered) as string[] }));
  }
}
