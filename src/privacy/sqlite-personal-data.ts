import type { SqliteDatabase } from '../storage/database.js';
import { SqliteUnmatchedQuestionPersonalData } from '../gaps/sqlite-unmatched-question-personal-data.js';
import { SqliteHandoffPersonalData } from '../handoff/sqlite-handoff-personal-data.js';
import { SqliteVendorPersonalData } from '../vendors/sqlite-vendor-personal-data.js';
import { SqliteArticleDraftPersonalData } from '../workspace/sqlite-article-draft-personal-data.js';
import {
  scrubIdentifiers,
  type ConversationKey,
  type CustomerTraces,
  type ErasureSubject,
  type PersonalDataStore,
  type TouchedRows,
} from './personal-data.js';

/**
 * The SQLite side of erasure and retention: one PersonalDataStore per kind of state in the app's
 * database (the tables of migrations 1–6 and 8). A PostgreSQL implementation registers its own.
 * Tables added later (handoffs, agents…) add a store here and to `sqlitePersonalDataStores`.
 */

const ERASED = '[erased]';

/** Runs `count` (dry run) or `remove` and answers `{ [table]: rows }`. */
function purge(db: SqliteDatabase, table: string, where: string, cutoff: string, dryRun: boolean): TouchedRows {
  if (dryRun) {
    const row = db.prepare<[string], { n: number }>(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`).get(cutoff);
    return { [table]: row?.n ?? 0 };
  }
  return { [table]: db.prepare(`DELETE FROM ${table} WHERE ${where}`).run(cutoff).changes };
}

/** Deletes rows of `table` keyed by (channel_id, conversation_id) for each conversation. */
function deleteByConversation(db: SqliteDatabase, table: string, conversations: readonly ConversationKey[]): number {
  const remove = db.prepare(`DELETE FROM ${table} WHERE channel_id = ? AND conversation_id = ?`);
  let changes = 0;
  db.transaction(() => {
    for (const { channelId, conversationId } of conversations) changes += remove.run(channelId, conversationId).changes;
  })();
  return changes;
}

/** Values of `name`, `email` and `phone` fields anywhere in a JSON document (iterative: documents are untrusted). */
function contactValues(document: unknown): string[] {
  const found: string[] = [];
  const stack: unknown[] = [document];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    for (const [key, value] of Object.entries(node)) {
      if (typeof value === 'string' && /^(name|email|phone)$/i.test(key)) found.push(value);
      else if (value !== null && typeof value === 'object') stack.push(value);
    }
  }
  return found;
}

/** Tickets (and their comments): anonymised, not deleted, so counts and SLA history stay true. */
export class SqliteTicketPersonalData implements PersonalDataStore {
  readonly name = 'tickets';
  constructor(private readonly db: SqliteDatabase) {}

  async findCustomer(userId: string): Promise<Partial<CustomerTraces>> {
    const rows = this.db
      .prepare<[string], { reference: string; channel_id: string; conversation_id: string; customer: string; callback: string | null }>(
        'SELECT reference, channel_id, conversation_id, customer, callback FROM tickets WHERE customer_user_id = ?',
      )
      .all(userId);
    return {
      ticketReferences: rows.map((row) => row.reference),
      conversations: rows.map((row) => ({ channelId: row.channel_id, conversationId: row.conversation_id })),
      identifiers: rows.flatMap((row) => [
        ...contactValues(JSON.parse(row.customer)),
        ...(row.callback === null ? [] : contactValues(JSON.parse(row.callback))),
      ]),
    };
  }

  async eraseCustomer(subject: ErasureSubject): Promise<TouchedRows> {
    const { db } = this;
    const numbers = new Set<number>();
    const byUser = db.prepare<[string], { number: number }>('SELECT number FROM tickets WHERE customer_user_id = ?');
    const byConversation = db.prepare<[string, string], { number: number }>('SELECT number FROM tickets WHERE channel_id = ? AND conversation_id = ?');
    for (const row of byUser.all(subject.userId)) numbers.add(row.number);
    for (const { channelId, conversationId } of subject.conversations) {
      for (const row of byConversation.all(channelId, conversationId)) numbers.add(row.number);
    }
    const read = db.prepare<[number], { reference: string; channel_id: string; callback: string | null }>(
      'SELECT reference, channel_id, callback FROM tickets WHERE number = ?',
    );
    const anonymise = db.prepare(
      `UPDATE tickets SET customer_user_id = @pseudonym, customer = @customer, subject = @erased, description = '',
         search_text = @searchText, conversation_id = @pseudonym, channel = @channel, transcript = '[]', callback = @callback
       WHERE number = @number`,
    );
    const comments = db.prepare<[number], { id: number; author: string; text: string }>('SELECT id, author, text FROM ticket_comments WHERE ticket_number = ?');
    const rewriteComment = db.prepare('UPDATE ticket_comments SET author = ?, text = ? WHERE id = ?');
    let commentsTouched = 0;
    db.transaction(() => {
      for (const number of numbers) {
        const ticket = read.get(number);
        if (ticket === undefined) continue;
        const callback = ticket.callback === null ? null : { ...(JSON.parse(ticket.callback) as Record<string, unknown>), phone: ERASED };
        anonymise.run({
          number,
          pseudonym: subject.pseudonym,
          customer: JSON.stringify({ userId: subject.pseudonym }),
          erased: ERASED,
          searchText: ticket.reference.toLowerCase(),
          channel: JSON.stringify({ channelId: ticket.channel_id, conversationId: subject.pseudonym }),
          callback: callback === null ? null : JSON.stringify(callback),
        });
        for (const comment of comments.all(number)) {
          const author = scrubIdentifiers(comment.author, subject.identifiers);
          const text = scrubIdentifiers(comment.text, subject.identifiers);
          if (author !== comment.author || text !== comment.text) {
            rewriteComment.run(author, text, comment.id);
            commentsTouched += 1;
          }
        }
      }
    })();
    return { tickets: numbers.size, ticket_comments: commentsTouched };
  }

  /** Closed tickets whose last change is older than the cutoff go, with their comments (ON DELETE CASCADE). */
  async purgeOlderThan(cutoff: string, dryRun: boolean): Promise<TouchedRows> {
    return purge(this.db, 'tickets', "status = 'closed' AND updated_at < ?", cutoff, dryRun);
  }
}

/**
 * A table whose rows belong to one conversation each and carry the customer's words: the
 * transcript (every message) and "Did this help?" answers (the question). Erasure deletes the
 * customer's conversations' rows; retention deletes rows older than the cutoff by `timeColumn`.
 */
export class SqliteConversationRowsPersonalData implements PersonalDataStore {
  constructor(
    private readonly db: SqliteDatabase,
    readonly name: 'transcript' | 'feedback',
    private readonly timeColumn: 'at' | 'created_at',
  ) {}

  async eraseCustomer(subject: ErasureSubject): Promise<TouchedRows> {
    return { [this.name]: deleteByConversation(this.db, this.name, subject.conversations) };
  }

  async purgeOlderThan(cutoff: string, dryRun: boolean): Promise<TouchedRows> {
    return purge(this.db, this.name, `${this.timeColumn} < ?`, cutoff, dryRun);
  }
}

/** botbuilder state: the user's profile (e-mail, phone) and each conversation's dialog state. */
export class SqliteBotStatePersonalData implements PersonalDataStore {
  readonly name = 'bot_state';
  constructor(private readonly db: SqliteDatabase) {}

  /** Keys look like `<channel>/users/<userId>/<namespace>` (botbuilder UserState). */
  private userKeys(userId: string): { key: string; document: string }[] {
    return this.db
      .prepare<[string], { key: string; document: string }>('SELECT key, document FROM bot_state WHERE instr(key, ?) > 0')
      .all(`/users/${userId}/`);
  }

  async findCustomer(userId: string): Promise<Partial<CustomerTraces>> {
    return { identifiers: this.userKeys(userId).flatMap((row) => contactValues(JSON.parse(row.document))) };
  }

  async eraseCustomer(subject: ErasureSubject): Promise<TouchedRows> {
    const { db } = this;
    const remove = db.prepare('DELETE FROM bot_state WHERE key = ?');
    // `<channel>/conversations/<conversationId>/<namespace>` (botbuilder ConversationState)
    const conversationKeys = db.prepare<[string, string], { key: string }>('SELECT key FROM bot_state WHERE substr(key, 1, length(?)) = ? ');
    let changes = 0;
    db.transaction(() => {
      for (const { key } of this.userKeys(subject.userId)) changes += remove.run(key).changes;
      for (const { channelId, conversationId } of subject.conversations) {
        const prefix = `${channelId}/conversations/${conversationId}/`;
        for (const { key } of conversationKeys.all(prefix, prefix)) changes += remove.run(key).changes;
      }
    })();
    return { bot_state: changes };
  }

  async purgeOlderThan(cutoff: string, dryRun: boolean): Promise<TouchedRows> {
    return purge(this.db, 'bot_state', 'updated_at < ?', cutoff, dryRun);
  }
}

/** The self-hosted Direct Line log: conversations (with their user id) and every activity. */
export class SqliteDirectLinePersonalData implements PersonalDataStore {
  readonly name = 'directline';
  constructor(
    private readonly db: SqliteDatabase,
    private readonly channelId = 'directline',
  ) {}

  async findCustomer(userId: string): Promise<Partial<CustomerTraces>> {
    const rows = this.db.prepare<[string], { id: string }>('SELECT id FROM directline_conversations WHERE user_id = ?').all(userId);
    return { conversations: rows.map((row) => ({ channelId: this.channelId, conversationId: row.id })) };
  }

  async eraseCustomer(subject: ErasureSubject): Promise<TouchedRows> {
    const { db } = this;
    const ids = new Set(subject.conversations.filter((c) => c.channelId === this.channelId).map((c) => c.conversationId));
    for (const row of db.prepare<[string], { id: string }>('SELECT id FROM directline_conversations WHERE user_id = ?').all(subject.userId)) ids.add(row.id);
    const removeActivities = db.prepare('DELETE FROM directline_activities WHERE conversation_id = ?');
    const removeConversation = db.prepare('DELETE FROM directline_conversations WHERE id = ?');
    let activities = 0;
    let conversations = 0;
    db.transaction(() => {
      for (const id of ids) {
        activities += removeActivities.run(id).changes;
        conversations += removeConversation.run(id).changes;
      }
    })();
    return { directline_activities: activities, directline_conversations: conversations };
  }

  /** Old activities go; a conversation goes once it is old and has no activity left. */
  async purgeOlderThan(cutoff: string, dryRun: boolean): Promise<TouchedRows> {
    const activities = purge(this.db, 'directline_activities', 'created_at < ?', cutoff, dryRun);
    const emptyAndOld = dryRun
      ? `created_at < ? AND NOT EXISTS (SELECT 1 FROM directline_activities a WHERE a.conversation_id = directline_conversations.id AND a.created_at >= '${cutoff}')`
      : 'created_at < ? AND NOT EXISTS (SELECT 1 FROM directline_activities a WHERE a.conversation_id = directline_conversations.id)';
    return { ...activities, ...purge(this.db, 'directline_conversations', emptyAndOld, cutoff, dryRun) };
  }
}

/** Webhook deliveries: their bodies are whole tickets, contact details included. */
export class SqliteWebhookOutboxPersonalData implements PersonalDataStore {
  readonly name = 'webhook_outbox';
  constructor(private readonly db: SqliteDatabase) {}

  /** Undelivered events of the customer's tickets are dropped: they would send the erased data out. */
  async eraseCustomer(subject: ErasureSubject): Promise<TouchedRows> {
    const remove = this.db.prepare('DELETE FROM webhook_outbox WHERE ticket_reference = ?');
    let changes = 0;
    this.db.transaction(() => {
      for (const reference of subject.ticketReferences) changes += remove.run(reference).changes;
    })();
    return { webhook_outbox: changes };
  }

  async purgeOlderThan(cutoff: string, dryRun: boolean): Promise<TouchedRows> {
    return purge(this.db, 'webhook_outbox', 'created_at < ?', cutoff, dryRun);
  }
}

/** The user ↔ conversation links of migration 8. */
export class SqliteCustomerConversationsPersonalData implements PersonalDataStore {
  readonly name = 'customer_conversations';
  constructor(private readonly db: SqliteDatabase) {}

  async findCustomer(userId: string): Promise<Partial<CustomerTraces>> {
    const rows = this.db
      .prepare<[string], { channel_id: string; conversation_id: string }>('SELECT channel_id, conversation_id FROM customer_conversations WHERE user_id = ?')
      .all(userId);
    return { conversations: rows.map((row) => ({ channelId: row.channel_id, conversationId: row.conversation_id })) };
  }

  async eraseCustomer(subject: ErasureSubject): Promise<TouchedRows> {
    const byUser = this.db.prepare('DELETE FROM customer_conversations WHERE user_id = ?').run(subject.userId).changes;
    return { customer_conversations: byUser + deleteByConversation(this.db, 'customer_conversations', subject.conversations) };
  }

  async purgeOlderThan(cutoff: string, dryRun: boolean): Promise<TouchedRows> {
    return purge(this.db, 'customer_conversations', 'last_seen_at < ?', cutoff, dryRun);
  }
}

/** Every SQLite store holding personal data, in the order erasure should walk them. */
export function sqlitePersonalDataStores(db: SqliteDatabase): PersonalDataStore[] {
  return [
    new SqliteCustomerConversationsPersonalData(db),
    new SqliteDirectLinePersonalData(db),
    new SqliteTicketPersonalData(db),
    new SqliteBotStatePersonalData(db),
    new SqliteConversationRowsPersonalData(db, 'transcript', 'at'),
    new SqliteConversationRowsPersonalData(db, 'feedback', 'created_at'),
    new SqliteWebhookOutboxPersonalData(db),
    new SqliteUnmatchedQuestionPersonalData(db),
    new SqliteVendorPersonalData(db),
    // Before the handoffs: drafts are also found through the handoffs of the customer's conversations.
    new SqliteArticleDraftPersonalData(db),
    new SqliteHandoffPersonalData(db),
  ];
}
