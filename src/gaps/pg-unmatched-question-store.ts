import type { PgPool } from '../storage/postgres/pool.js';
import type { UnmatchedQuestion, UnmatchedQuestionStore } from './unmatched-question-store.js';

interface Row {
  conversationId: string;
  channelId: string;
  question: string;
  language: string | null;
  offered: string[];
  createdAt: string;
}

/** UnmatchedQuestionStore on PostgreSQL (table from PostgreSQL migration 9), shared by every instance. */
export class PgUnmatchedQuestionStore implements UnmatchedQuestionStore {
  constructor(
    private readonly pool: PgPool,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async record(entry: UnmatchedQuestion): Promise<void> {
    await this.pool.query(
      `INSERT INTO unmatched_questions (conversation_id, channel_id, question, language, offered, created_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6)`,
      [entry.conversationId, entry.channelId, entry.question, entry.language ?? null, JSON.stringify(entry.offered), this.now().toISOString()],
    );
  }

  async list(since: string): Promise<(UnmatchedQuestion & { createdAt: string })[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT conversation_id AS "conversationId", channel_id AS "channelId", question, language, offered, created_at AS "createdAt"
       FROM unmatched_questions WHERE created_at >= $1 ORDER BY created_at, id`,
      [since],
    );
    return rows.map((row) => ({ ...row, language: row.language ?? undefined }));
  }
}
