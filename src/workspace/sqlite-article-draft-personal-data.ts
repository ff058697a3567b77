import type { ErasureSubject, PersonalDataStore, TouchedRows } from '../privacy/personal-data.js';
import type { SqliteDatabase } from '../storage/database.js';

/**
 * Article drafts in the erasure registry. A draft made from a resolved chat keeps the customer's
 * phrasing (title, questions, sometimes the body) and links to the handoff and its ticket. It is
 * found by the customer's ticket references (tickets and handoffs contribute them) or by a handoff
 * in one of the customer's conversations — so this store must run before the handoff store, which
 * deletes those handoffs.
 *
 * Unreviewed (open) and discarded drafts are deleted. A published or merged draft is kept as an
 * anonymised record (state and resulting article only): the article itself is the desk's reviewed
 * content in KNOWLEDGE_DIR and is not touched (docs/security.md, "Erasure").
 * Retention deletes every draft created before the cutoff, whatever its state: by then the chat it
 * came from has been purged too, and the customer's words must not outlive RETENTION_DAYS.
 */
export class SqliteArticleDraftPersonalData implements PersonalDataStore {
  readonly name = 'article_drafts';
  constructor(private readonly db: SqliteDatabase) {}

  async eraseCustomer(subject: ErasureSubject): Promise<TouchedRows> {
    const { db } = this;
    const ids = new Set<string>();
    const byReference = db.prepare<[string], { id: string }>('SELECT id FROM article_drafts WHERE ticket_reference = ?');
    const byConversation = db.prepare<[string, string], { id: string }>(
      'SELECT d.id FROM article_drafts d JOIN handoffs h ON h.id = d.handoff_id WHERE h.channel_id = ? AND h.conversation_id = ?',
    );
    for (const reference of subject.ticketReferences) for (const { id } of byReference.all(reference)) ids.add(id);
    for (const c of subject.conversations) for (const { id } of byConversation.all(c.channelId, c.conversationId)) ids.add(id);
    const remove = db.prepare("DELETE FROM article_drafts WHERE id = ? AND state IN ('open', 'discarded')");
    // handoff_id is UNIQUE: each kept draft gets its own placeholder.
    const anonymise = db.prepare(
      "UPDATE article_drafts SET handoff_id = 'erased-' || id, ticket_reference = ?, title = ?, questions = '[]', body = '' WHERE id = ?",
    );
    let changes = 0;
    db.transaction(() => {
      for (const id of ids) {
        const removed = remove.run(id).changes;
        changes += removed > 0 ? removed : anonymise.run(subject.pseudonym, '[erased]', id).changes;
      }
    })();
    return { article_drafts: changes };
  }

  async purgeOlderThan(cutoff: string, dryRun: boolean): Promise<TouchedRows> {
    if (dryRun) return { article_drafts: this.db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM article_drafts WHERE created_at < ?').get(cutoff)?.n ?? 0 };
    return { article_drafts: this.db.prepare('DELETE FROM article_drafts WHERE created_at < ?').run(cutoff).changes };
  }
}
