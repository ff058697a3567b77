import type { ErasureSubject, PersonalDataStore, TouchedRows } from '../privacy/personal-data.js';
import type { SqliteDatabase } from '../storage/database.js';

/**
 * "None of these" answers in the erasure registry: each row is the customer's own question, keyed
 * by conversation only (no user id), so erasure finds them through the conversations the other
 * stores (conversation index, Direct Line log, tickets) tie to the customer and deletes them — the
 * gap report is a count over many questions and loses nothing it needs. Retention deletes rows
 * older than the cutoff, like feedback.
 */
export class SqliteUnmatchedQuestionPersonalData implements PersonalDataStore {
  readonly name = 'unmatched_questions';
  constructor(private readonly db: SqliteDatabase) {}

  async eraseCustomer(subject: ErasureSubject): Promise<TouchedRows> {
    const remove = this.db.prepare('DELETE FROM unmatched_questions WHERE channel_id = ? AND conversation_id = ?');
    let changes = 0;
    this.db.transaction(() => {
      for (const { channelId, conversationId } of subject.conversations) changes += remove.run(channelId, conversationId).changes;
    })();
    return { unmatched_questions: changes };
  }

  async purgeOlderThan(cutoff: string, dryRun: boolean): Promise<TouchedRows> {
    if (dryRun) return { unmatched_questions: this.db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM unmatched_questions WHERE created_at < ?').get(cutoff)?.n ?? 0 };
    return { unmatched_questions: this.db.prepare('DELETE FROM unmatched_questions WHERE created_at < ?').run(cutoff).changes };
  }
}
