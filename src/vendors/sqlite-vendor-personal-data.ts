import type { ErasureSubject, PersonalDataStore, TouchedRows } from '../privacy/personal-data.js';
import type { SqliteDatabase } from '../storage/database.js';

/** Steps that are over: a declined or replied step, by the time it ended. */
const FINISHED_VENDOR_STEP = "state IN ('declined', 'replied') AND coalesce(ended_at, declined_at, requested_at) < ?";

/**
 * Vendor steps in the erasure registry. A step names the customer's conversation, and its queued
 * lines hold their conversation reference (user id included) and text. A step is found by the
 * customer's ticket references or conversations: its undelivered lines are deleted and the step is
 * kept anonymised (conversation id replaced by the pseudonym), so the ticket's vendor history and
 * SLA pause stay true. Retention deletes lines created before the cutoff and finished steps that
 * ended before it (with their lines); open steps are kept, they are still being worked on.
 */
export class SqliteVendorPersonalData implements PersonalDataStore {
  readonly name = 'vendor_steps';
  constructor(private readonly db: SqliteDatabase) {}

  async eraseCustomer(subject: ErasureSubject): Promise<TouchedRows> {
    const { db } = this;
    const ids = new Set<number>();
    const byReference = db.prepare<[string], { id: number }>('SELECT id FROM vendor_steps WHERE ticket_reference = ?');
    const byConversation = db.prepare<[string, string], { id: number }>('SELECT id FROM vendor_steps WHERE channel_id = ? AND conversation_id = ?');
    for (const reference of subject.ticketReferences) for (const { id } of byReference.all(reference)) ids.add(id);
    for (const c of subject.conversations) for (const { id } of byConversation.all(c.channelId, c.conversationId)) ids.add(id);
    const removeMessages = db.prepare('DELETE FROM vendor_messages WHERE step_id = ?');
    const anonymise = db.prepare('UPDATE vendor_steps SET conversation_id = ? WHERE id = ? AND conversation_id <> ?');
    let messages = 0;
    let steps = 0;
    db.transaction(() => {
      for (const id of ids) {
        messages += removeMessages.run(id).changes;
        steps += anonymise.run(subject.pseudonym, id, subject.pseudonym).changes;
      }
    })();
    return { vendor_steps: steps, vendor_messages: messages };
  }

  async purgeOlderThan(cutoff: string, dryRun: boolean): Promise<TouchedRows> {
    const { db } = this;
    const messagesWhere = `created_at < ? OR step_id IN (SELECT id FROM vendor_steps WHERE ${FINISHED_VENDOR_STEP})`;
    if (dryRun) {
      const count = (sql: string, ...params: string[]) => db.prepare<string[], { n: number }>(sql).get(...params)?.n ?? 0;
      return {
        vendor_messages: count(`SELECT COUNT(*) AS n FROM vendor_messages WHERE ${messagesWhere}`, cutoff, cutoff),
        vendor_steps: count(`SELECT COUNT(*) AS n FROM vendor_steps WHERE ${FINISHED_VENDOR_STEP}`, cutoff),
      };
    }
    return db.transaction(() => ({
      vendor_messages: db.prepare(`DELETE FROM vendor_messages WHERE ${messagesWhere}`).run(cutoff, cutoff).changes,
      vendor_steps: db.prepare(`DELETE FROM vendor_steps WHERE ${FINISHED_VENDOR_STEP}`).run(cutoff).changes,
    }))();
  }
}
