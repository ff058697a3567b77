import type { ConversationKey, CustomerTraces, ErasureSubject, PersonalDataStore, TouchedRows } from '../privacy/personal-data.js';
import type { SqliteDatabase } from '../storage/database.js';

/**
 * Live chats in the erasure registry: a handoff row names the customer and its messages hold
 * everything said with the agent. Erasure deletes both (the handoff's ticket is anonymised by the
 * ticket store); retention deletes finished chats older than the cutoff.
 */
export class SqliteHandoffPersonalData implements PersonalDataStore {
  readonly name = 'handoffs';
  constructor(private readonly db: SqliteDatabase) {}

  async findCustomer(userId: string): Promise<Partial<CustomerTraces>> {
    const rows = this.db
      .prepare<[string], { channel_id: string; conversation_id: string; ticket_reference: string; name: string | null }>(
        "SELECT channel_id, conversation_id, ticket_reference, json_extract(customer, '$.name') AS name FROM handoffs WHERE json_extract(customer, '$.userId') = ?",
      )
      .all(userId);
    return {
      conversations: rows.map((r): ConversationKey => ({ channelId: r.channel_id, conversationId: r.conversation_id })),
      ticketReferences: rows.map((r) => r.ticket_reference),
      identifiers: rows.flatMap((r) => (r.name ? [r.name] : [])),
    };
  }

  async eraseCustomer(subject: ErasureSubject): Promise<TouchedRows> {
    const ids = new Set<string>();
    const byUser = this.db.prepare<[string], { id: string }>("SELECT id FROM handoffs WHERE json_extract(customer, '$.userId') = ?");
    const byConversation = this.db.prepare<[string, string], { id: string }>('SELECT id FROM handoffs WHERE channel_id = ? AND conversation_id = ?');
    for (const { id } of byUser.all(subject.userId)) ids.add(id);
    for (const c of subject.conversations) for (const { id } of byConversation.all(c.channelId, c.conversationId)) ids.add(id);
    let messages = 0;
    let handoffs = 0;
    this.db.transaction(() => {
      for (const id of ids) {
        messages += this.db.prepare('DELETE FROM handoff_messages WHERE handoff_id = ?').run(id).changes;
        handoffs += this.db.prepare('DELETE FROM handoffs WHERE id = ?').run(id).changes;
      }
    })();
    return { handoffs, handoff_messages: messages };
  }

  async purgeOlderThan(cutoff: string, dryRun: boolean): Promise<TouchedRows> {
    const finished = "state NOT IN ('queued', 'active') AND coalesce(resolved_at, queued_at) < ?";
    if (dryRun) {
      const n = (sql: string) => this.db.prepare<[string], { n: number }>(sql).get(cutoff)?.n ?? 0;
      return {
        handoffs: n(`SELECT count(*) AS n FROM handoffs WHERE ${finished}`),
        handoff_messages: n(`SELECT count(*) AS n FROM handoff_messages WHERE handoff_id IN (SELECT id FROM handoffs WHERE ${finished})`),
      };
    }
    let result: TouchedRows = {};
    this.db.transaction(() => {
      const messages = this.db.prepare(`DELETE FROM handoff_messages WHERE handoff_id IN (SELECT id FROM handoffs WHERE ${finished})`).run(cutoff).changes;
      const handoffs = this.db.prepare(`DELETE FROM handoffs WHERE ${finished}`).run(cutoff).changes;
      result = { handoffs, handoff_messages: messages };
    })();
    return result;
  }
}
