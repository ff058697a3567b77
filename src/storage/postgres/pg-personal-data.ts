import type { CustomerConversationIndex } from '../../privacy/customer-conversations.js';
import {
  scrubIdentifiers,
  type ConversationKey,
  type CustomerTraces,
  type ErasureSubject,
  type PersonalDataStore,
  type TouchedRows,
} from '../../privacy/personal-data.js';
import { PgVendorPersonalData } from '../../vendors/pg-vendor-personal-data.js';
import { inTransaction, type PgClient, type PgPool } from './pool.js';

/**
 * The PostgreSQL side of erasure and retention: the same stores, rules and table names as
 * src/privacy/sqlite-personal-data.ts (and the handoff one), over the shared database, so
 * `DELETE /api/customers/:userId` and the retention job cover the data every instance wrote.
 */

const ERASED = '[erased]';

/** A pool or a client inside a transaction: anything that runs a statement. */
type Queryable = Pick<PgPool, 'query'>;

/** Counts (dry run) or deletes rows of `table` matching `where` ($1 is the cutoff). */
async function purge(db: Queryable, table: string, where: string, cutoff: string, dryRun: boolean): Promise<TouchedRows> {
  if (dryRun) {
    const { rows } = await db.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM ${table} WHERE ${where}`, [cutoff]);
    return { [table]: rows[0]?.n ?? 0 };
  }
  const result = await db.query(`DELETE FROM ${table} WHERE ${where}`, [cutoff]);
  return { [table]: result.rowCount ?? 0 };
}

async function deleteByConversation(client: PgClient, table: string, conversations: readonly ConversationKey[]): Promise<number> {
  let changes = 0;
  for (const { channelId, conversationId } of conversations) {
    changes += (await client.query(`DELETE FROM ${table} WHERE channel_id = $1 AND conversation_id = $2`, [channelId, conversationId])).rowCount ?? 0;
  }
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

export class PgTicketPersonalData implements PersonalDataStore {
  readonly name = 'tickets';
  constructor(private readonly pool: PgPool) {}

  async findCustomer(userId: string): Promise<Partial<CustomerTraces>> {
    const { rows } = await this.pool.query<{ reference: string; channel_id: string; conversation_id: string; customer: unknown; callback: unknown }>(
      'SELECT reference, channel_id, conversation_id, customer, callback FROM tickets WHERE customer_user_id = $1',
      [userId],
    );
    return {
      ticketReferences: rows.map((row) => row.reference),
      conversations: rows.map((row) => ({ channelId: row.channel_id, conversationId: row.conversation_id })),
      identifiers: rows.flatMap((row) => [...contactValues(row.customer), ...contactValues(row.callback)]),
    };
  }

  async eraseCustomer(subject: ErasureSubject): Promise<TouchedRows> {
    return inTransaction(this.pool, async (client) => {
      const numbers = new Set<number>();
      for (const row of (await client.query<{ number: number }>('SELECT number FROM tickets WHERE customer_user_id = $1', [subject.userId])).rows) numbers.add(row.number);
      for (const { channelId, conversationId } of subject.conversations) {
        const { rows } = await client.query<{ number: number }>('SELECT number FROM tickets WHERE channel_id = $1 AND conversation_id = $2', [channelId, conversationId]);
        for (const row of rows) numbers.add(row.number);
      }
      let commentsTouched = 0;
      for (const number of numbers) {
        const { rows } = await client.query<{ reference: string; channel_id: string; callback: Record<string, unknown> | null }>(
          'SELECT reference, channel_id, callback FROM tickets WHERE number = $1 FOR UPDATE',
          [number],
        );
        const ticket = rows[0];
        if (ticket === undefined) continue;
        const callback = ticket.callback === null ? null : { ...ticket.callback, phone: ERASED };
        await client.query(
          `UPDATE tickets SET customer_user_id = $2, customer = $3, subject = $4, description = '', search_text = $5,
             conversation_id = $2, channel = $6, transcript = '[]', callback = $7
           WHERE number = $1`,
          [
            number,
            subject.pseudonym,
            JSON.stringify({ userId: subject.pseudonym }),
            ERASED,
            ticket.reference.toLowerCase(),
            JSON.stringify({ channelId: ticket.channel_id, conversationId: subject.pseudonym }),
            callback === null ? null : JSON.stringify(callback),
          ],
        );
        const comments = await client.query<{ id: string; author: string; text: string }>('SELECT id, author, text FROM ticket_comments WHERE ticket_number = $1', [number]);
        for (const comment of comments.rows) {
          const author = scrubIdentifiers(comment.author, subject.identifiers);
          const text = scrubIdentifiers(comment.text, subject.identifiers);
          if (author !== comment.author || text !== comment.text) {
            await client.query('UPDATE ticket_comments SET author = $1, text = $2 WHERE id = $3', [author, text, comment.id]);
            commentsTouched += 1;
          }
        }
      }
      return { tickets: numbers.size, ticket_comments: commentsTouched };
    });
  }

  async purgeOlderThan(cutoff: string, dryRun: boolean): Promise<TouchedRows> {
    return purge(this.pool, 'tickets', "status = 'closed' AND updated_at < $1", cutoff, dryRun);
  }
}

/** A table keyed by (channel_id, conversation_id) with one time column: transcript, feedback. */
class ConversationRowsPersonalData implements PersonalDataStore {
  constructor(
    private readonly pool: PgPool,
    readonly name: string,
    private readonly timeColumn: string,
  ) {}

  async eraseCustomer(subject: ErasureSubject): Promise<TouchedRows> {
    return { [this.name]: await inTransaction(this.pool, (client) => deleteByConversation(client, this.name, subject.conversations)) };
  }

  async purgeOlderThan(cutoff: string, dryRun: boolean): Promise<TouchedRows> {
    return purge(this.pool, this.name, `${this.timeColumn} < $1`, cutoff, dryRun);
  }
}

export class PgBotStatePersonalData implements PersonalDataStore {
  readonly name = 'bot_state';
  constructor(private readonly pool: PgPool) {}

  private async userKeys(db: Queryable, userId: string): Promise<{ key: string; document: string }[]> {
    const { rows } = await db.query<{ key: string; document: string }>('SELECT key, document FROM bot_state WHERE strpos(key, $1) > 0', [`/users/${userId}/`]);
    return rows;
  }

  async findCustomer(userId: string): Promise<Partial<CustomerTraces>> {
    return { identifiers: (await this.userKeys(this.pool, userId)).flatMap((row) => contactValues(JSON.parse(row.document))) };
  }

  async eraseCustomer(subject: ErasureSubject): Promise<TouchedRows> {
    return inTransaction(this.pool, async (client) => {
      let changes = 0;
      for (const { key } of await this.userKeys(client, subject.userId)) changes += (await client.query('DELETE FROM bot_state WHERE key = $1', [key])).rowCount ?? 0;
      for (const { channelId, conversationId } of subject.conversations) {
        const prefix = `${channelId}/conversations/${conversationId}/`;
        changes += (await client.query('DELETE FROM bot_state WHERE left(key, length($1)) = $1', [prefix])).rowCount ?? 0;
      }
      return { bot_state: changes };
    });
  }

  async purgeOlderThan(cutoff: string, dryRun: boolean): Promise<TouchedRows> {
    return purge(this.pool, 'bot_state', 'updated_at < $1', cutoff, dryRun);
  }
}

export class PgDirectLinePersonalData implements PersonalDataStore {
  readonly name = 'directline';
  constructor(
    private readonly pool: PgPool,
    private readonly channelId = 'directline',
  ) {}

  async findCustomer(userId: string): Promise<Partial<CustomerTraces>> {
    const { rows } = await this.pool.query<{ id: string }>('SELECT id FROM directline_conversations WHERE user_id = $1', [userId]);
    return { conversations: rows.map((row) => ({ channelId: this.channelId, conversationId: row.id })) };
  }

  async eraseCustomer(subject: ErasureSubject): Promise<TouchedRows> {
    return inTransaction(this.pool, async (client) => {
      const ids = new Set(subject.conversations.filter((c) => c.channelId === this.channelId).map((c) => c.conversationId));
      for (const row of (await client.query<{ id: string }>('SELECT id FROM directline_conversations WHERE user_id = $1', [subject.userId])).rows) ids.add(row.id);
      let activities = 0;
      let conversations = 0;
      for (const id of ids) {
        activities += (await client.query('DELETE FROM directline_activities WHERE conversation_id = $1', [id])).rowCount ?? 0;
        conversations += (await client.query('DELETE FROM directline_conversations WHERE id = $1', [id])).rowCount ?? 0;
      }
      return { directline_activities: activities, directline_conversations: conversations };
    });
  }

  async purgeOlderThan(cutoff: string, dryRun: boolean): Promise<TouchedRows> {
    const activities = await purge(this.pool, 'directline_activities', 'created_at < $1', cutoff, dryRun);
    const emptyAndOld = dryRun
      ? 'created_at < $1 AND NOT EXISTS (SELECT 1 FROM directline_activities a WHERE a.conversation_id = directline_conversations.id AND a.created_at >= $1)'
      : 'created_at < $1 AND NOT EXISTS (SELECT 1 FROM directline_activities a WHERE a.conversation_id = directline_conversations.id)';
    return { ...activities, ...(await purge(this.pool, 'directline_conversations', emptyAndOld, cutoff, dryRun)) };
  }
}

export class PgWebhookOutboxPersonalData implements PersonalDataStore {
  readonly name = 'webhook_outbox';
  constructor(private readonly pool: PgPool) {}

  async eraseCustomer(subject: ErasureSubject): Promise<TouchedRows> {
    const result = await this.pool.query('DELETE FROM webhook_outbox WHERE ticket_reference = ANY($1::text[])', [subject.ticketReferences]);
    return { webhook_outbox: result.rowCount ?? 0 };
  }

  async purgeOlderThan(cutoff: string, dryRun: boolean): Promise<TouchedRows> {
    return purge(this.pool, 'webhook_outbox', 'created_at < $1', cutoff, dryRun);
  }
}

export class PgCustomerConversationsPersonalData implements PersonalDataStore {
  readonly name = 'customer_conversations';
  constructor(private readonly pool: PgPool) {}

  async findCustomer(userId: string): Promise<Partial<CustomerTraces>> {
    const { rows } = await this.pool.query<{ channel_id: string; conversation_id: string }>(
      'SELECT channel_id, conversation_id FROM customer_conversations WHERE user_id = $1',
      [userId],
    );
    return { conversations: rows.map((row) => ({ channelId: row.channel_id, conversationId: row.conversation_id })) };
  }

  async eraseCustomer(subject: ErasureSubject): Promise<TouchedRows> {
    return inTransaction(this.pool, async (client) => {
      const byUser = (await client.query('DELETE FROM customer_conversations WHERE user_id = $1', [subject.userId])).rowCount ?? 0;
      return { customer_conversations: byUser + (await deleteByConversation(client, 'customer_conversations', subject.conversations)) };
    });
  }

  async purgeOlderThan(cutoff: string, dryRun: boolean): Promise<TouchedRows> {
    return purge(this.pool, 'customer_conversations', 'last_seen_at < $1', cutoff, dryRun);
  }
}

/** Live chats: handoff rows name the customer, their messages hold the chat. */
export class PgHandoffPersonalData implements PersonalDataStore {
  readonly name = 'handoffs';
  constructor(private readonly pool: PgPool) {}

  async findCustomer(userId: string): Promise<Partial<CustomerTraces>> {
    const { rows } = await this.pool.query<{ channel_id: string; conversation_id: string; ticket_reference: string; name: string | null }>(
      "SELECT channel_id, conversation_id, ticket_reference, customer->>'name' AS name FROM handoffs WHERE customer->>'userId' = $1",
      [userId],
    );
    return {
      conversations: rows.map((r): ConversationKey => ({ channelId: r.channel_id, conversationId: r.conversation_id })),
      ticketReferences: rows.map((r) => r.ticket_reference),
      identifiers: rows.flatMap((r) => (r.name ? [r.name] : [])),
    };
  }

  async eraseCustomer(subject: ErasureSubject): Promise<TouchedRows> {
    return inTransaction(this.pool, async (client) => {
      const ids = new Set<string>();
      for (const { id } of (await client.query<{ id: string }>("SELECT id FROM handoffs WHERE customer->>'userId' = $1", [subject.userId])).rows) ids.add(id);
      for (const c of subject.conversations) {
        const { rows } = await client.query<{ id: string }>('SELECT id FROM handoffs WHERE channel_id = $1 AND conversation_id = $2', [c.channelId, c.conversationId]);
        for (const { id } of rows) ids.add(id);
      }
      let messages = 0;
      let handoffs = 0;
      for (const id of ids) {
        messages += (await client.query('DELETE FROM handoff_messages WHERE handoff_id = $1', [id])).rowCount ?? 0;
        handoffs += (await client.query('DELETE FROM handoffs WHERE id = $1', [id])).rowCount ?? 0;
      }
      return { handoffs, handoff_messages: messages };
    });
  }

  async purgeOlderThan(cutoff: string, dryRun: boolean): Promise<TouchedRows> {
    const finished = "state NOT IN ('queued', 'active') AND coalesce(resolved_at, queued_at) < $1";
    if (dryRun) {
      const n = async (sql: string) => (await this.pool.query<{ n: number }>(sql, [cutoff])).rows[0]?.n ?? 0;
      return {
        handoffs: await n(`SELECT count(*)::int AS n FROM handoffs WHERE ${finished}`),
        handoff_messages: await n(`SELECT count(*)::int AS n FROM handoff_messages WHERE handoff_id IN (SELECT id FROM handoffs WHERE ${finished})`),
      };
    }
    return inTransaction(this.pool, async (client) => {
      const messages = (await client.query(`DELETE FROM handoff_messages WHERE handoff_id IN (SELECT id FROM handoffs WHERE ${finished})`, [cutoff])).rowCount ?? 0;
      const handoffs = (await client.query(`DELETE FROM handoffs WHERE ${finished}`, [cutoff])).rowCount ?? 0;
      return { handoffs, handoff_messages: messages };
    });
  }
}

/** "None of these" answers: deleted by conversation (no user id in them), purged like feedback. */
export class PgUnmatchedQuestionPersonalData implements PersonalDataStore {
  readonly name = 'unmatched_questions';
  constructor(private readonly pool: PgPool) {}

  async eraseCustomer(subject: ErasureSubject): Promise<TouchedRows> {
    return { unmatched_questions: await inTransaction(this.pool, (client) => deleteByConversation(client, 'unmatched_questions', subject.conversations)) };
  }

  async purgeOlderThan(cutoff: string, dryRun: boolean): Promise<TouchedRows> {
    return purge(this.pool, 'unmatched_questions', 'created_at < $1', cutoff, dryRun);
  }
}

/**
 * Article drafts from resolved chats, with the rules of src/workspace/sqlite-article-draft-personal-data.ts:
 * open and discarded drafts of the customer are deleted, published or merged ones anonymised;
 * retention deletes drafts created before the cutoff. Runs before the handoff store.
 */
export class PgArticleDraftPersonalData implements PersonalDataStore {
  readonly name = 'article_drafts';
  constructor(private readonly pool: PgPool) {}

  async eraseCustomer(subject: ErasureSubject): Promise<TouchedRows> {
    return inTransaction(this.pool, async (client) => {
      const ids = new Set<string>();
      const byReference = await client.query<{ id: string }>('SELECT id FROM article_drafts WHERE ticket_reference = ANY($1::text[])', [subject.ticketReferences]);
      for (const { id } of byReference.rows) ids.add(id);
      for (const c of subject.conversations) {
        const { rows } = await client.query<{ id: string }>(
          'SELECT d.id FROM article_drafts d JOIN handoffs h ON h.id = d.handoff_id WHERE h.channel_id = $1 AND h.conversation_id = $2',
          [c.channelId, c.conversationId],
        );
        for (const { id } of rows) ids.add(id);
      }
      let changes = 0;
      for (const id of ids) {
        const removed = (await client.query("DELETE FROM article_drafts WHERE id = $1 AND state IN ('open', 'discarded')", [id])).rowCount ?? 0;
        changes +=
          removed > 0
            ? removed
            : ((await client.query(
                "UPDATE article_drafts SET handoff_id = 'erased-' || id, ticket_reference = $2, title = $3, questions = '[]'::jsonb, body = '' WHERE id = $1",
                [id, subject.pseudonym, ERASED],
              )).rowCount ?? 0);
      }
      return { article_drafts: changes };
    });
  }

  async purgeOlderThan(cutoff: string, dryRun: boolean): Promise<TouchedRows> {
    return purge(this.pool, 'article_drafts', 'created_at < $1', cutoff, dryRun);
  }
}

/** CustomerConversationIndex on PostgreSQL (who spoke in which conversation, for erasure). */
export class PgCustomerConversationIndex implements CustomerConversationIndex {
  constructor(private readonly pool: PgPool) {}

  async record(channelId: string, conversationId: string, userId: string, at: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO customer_conversations (channel_id, conversation_id, user_id, first_seen_at, last_seen_at)
       VALUES ($1, $2, $3, $4, $4)
       ON CONFLICT (channel_id, conversation_id, user_id) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at`,
      [channelId, conversationId, userId, at],
    );
  }
}

/** Every PostgreSQL store holding personal data, in the order erasure walks them (as the SQLite list). */
export function pgPersonalDataStores(pool: PgPool): PersonalDataStore[] {
  return [
    new PgCustomerConversationsPersonalData(pool),
    new PgDirectLinePersonalData(pool),
    new PgTicketPersonalData(pool),
    new PgBotStatePersonalData(pool),
    new ConversationRowsPersonalData(pool, 'transcript', 'at'),
    new ConversationRowsPersonalData(pool, 'feedback', 'created_at'),
    new PgWebhookOutboxPersonalData(pool),
    new PgUnmatchedQuestionPersonalData(pool),
    new PgVendorPersonalData(pool),
    // Before the handoffs: drafts are also found through the handoffs of the customer's conversations.
    new PgArticleDraftPersonalData(pool),
    new PgHandoffPersonalData(pool),
  ];
}
