import { z } from 'zod';
import { dueAt, type SlaHours } from '../../tickets/sla.js';
import { commentInputSchema, likePattern, normalizeReference, validated } from '../../tickets/sqlite-ticket-store.js';
import { canTransition, newTicketSchema, ticketStatusSchema, type NewTicket, type Ticket, type TicketComment, type TicketStatus } from '../../tickets/ticket.js';
import {
  IllegalTransitionError,
  TicketNotFoundError,
  type TicketFilter,
  type TicketPage,
  type TicketStore,
} from '../../tickets/ticket-store.js';
import { inTransaction, type PgClient, type PgPool } from './pool.js';

interface TicketRow {
  number: number;
  reference: string;
  kind: Ticket['kind'];
  tier: Ticket['tier'];
  status: Ticket['status'];
  subject: string;
  description: string;
  customer: Ticket['customer'];
  channel: Ticket['channel'];
  transcript: Ticket['transcript'];
  classification: Ticket['classification'] | null;
  articles_tried: Ticket['articlesTried'];
  callback: Ticket['callback'] | null;
  created_at: string;
  updated_at: string;
  due_at: string;
  sla_breached_at: string | null;
}

const TICKET_COLUMNS = `number, reference, kind, tier, status, subject, description, customer, channel, transcript,
  classification, articles_tried, callback, created_at, updated_at, due_at, sla_breached_at`;


/**
 * TicketStore on PostgreSQL, for several instances on one database. References come from the
 * one-row `ticket_numbers` counter updated inside the creating transaction (row lock: concurrent
 * creators queue, a rollback returns the number, so references stay gap-free). Status changes and
 * comments lock the ticket row (`FOR UPDATE`), so the lifecycle check and the write see the same
 * status even when two instances change one ticket at once.
 */
export class PgTicketStore implements TicketStore {
  constructor(
    private readonly pool: PgPool,
    private readonly slaHours: SlaHours,
  ) {
    for (const tier of ['L1', 'L2', 'L3', 'L4'] as const) dueAt(new Date(0), tier, slaHours); // fail fast on bad config
  }

  async create(input: NewTicket, now: Date = new Date()): Promise<Ticket> {
    const ticket = validated(newTicketSchema, input);
    const createdAt = now.toISOString();
    const due = dueAt(now, ticket.tier, this.slaHours).toISOString();
    const reference = await inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ n: number }>('UPDATE ticket_numbers SET last_number = last_number + 1 RETURNING last_number AS n');
      const number = rows[0]!.n;
      const reference = `TD-${number}`;
      await client.query(
        `INSERT INTO tickets (number, reference, kind, tier, status, subject, description, search_text,
           customer_user_id, customer, channel_id, conversation_id, channel, transcript, classification,
           articles_tried, callback, created_at, updated_at, due_at)
         VALUES ($1, $2, $3, $4, 'new', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, $18)`,
        [
          number,
          reference,
          ticket.kind,
          ticket.tier,
          ticket.subject,
          ticket.description,
          [ticket.subject, ticket.description, reference].join('\n').toLowerCase(),
          ticket.customer.userId,
          JSON.stringify(ticket.customer),
          ticket.channel.channelId,
          ticket.channel.conversationId,
          JSON.stringify(ticket.channel),
          JSON.stringify(ticket.transcript),
          ticket.classification === undefined ? null : JSON.stringify(ticket.classification),
          JSON.stringify(ticket.articlesTried),
          ticket.callback === undefined ? null : JSON.stringify(ticket.callback),
          createdAt,
          due,
        ],
      );
      return reference;
    });
    return this.require(reference);
  }

  async get(reference: string): Promise<Ticket | undefined> {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<TicketRow>(`SELECT ${TICKET_COLUMNS} FROM tickets WHERE reference = $1`, [normalizeReference(reference)]);
      return (await withComments(client, rows))[0];
    });
  }

  async list(filter: TicketFilter): Promise<TicketPage> {
    const limit = validated(z.number().int().min(0), filter.limit, 'limit');
    const offset = validated(z.number().int().min(0), filter.offset, 'offset');
    const where: string[] = [];
    const params: unknown[] = [];
    // Exact-match filters; column names are constants here, values are bound parameters.
    const equalities = [
      ['status', filter.status],
      ['tier', filter.tier],
      ['kind', filter.kind],
      ['customer_user_id', filter.customerUserId],
    ] as const;
    for (const [column, value] of equalities) {
      if (value === undefined) continue;
      params.push(value);
      where.push(`${column} = $${params.length}`);
    }
    const text = filter.text?.trim();
    if (text !== undefined && text !== '') {
      params.push(likePattern(text.toLowerCase()));
      where.push(`search_text LIKE $${params.length} ESCAPE '\\'`);
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    // REPEATABLE READ: the page and the total come from the same snapshot.
    return inTransaction(
      this.pool,
      async (client) => {
        const { rows: counted } = await client.query<{ total: number }>(`SELECT COUNT(*)::int AS total FROM tickets ${clause}`, params);
        const { rows } = await client.query<TicketRow>(
          `SELECT ${TICKET_COLUMNS} FROM tickets ${clause}
           ORDER BY created_at DESC, number DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
          [...params, limit, offset],
        );
        return { items: await withComments(client, rows), total: counted[0]!.total };
      },
      'REPEATABLE READ',
    );
  }

  async changeStatus(reference: string, to: TicketStatus, now: Date = new Date()): Promise<Ticket> {
    const status = validated(ticketStatusSchema, to, 'status');
    const normalized = normalizeReference(reference);
    await inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ status: TicketStatus }>('SELECT status FROM tickets WHERE reference = $1 FOR UPDATE', [normalized]);
      const row = rows[0];
      if (row === undefined) throw new TicketNotFoundError(reference);
      if (!canTransition(row.status, status)) throw new IllegalTransitionError(row.status, status);
      await client.query('UPDATE tickets SET status = $1, updated_at = $2 WHERE reference = $3', [status, now.toISOString(), normalized]);
    });
    return this.require(normalized);
  }

  async addComment(reference: string, comment: { author: string; text: string }, now: Date = new Date()): Promise<Ticket> {
    const { author, text } = validated(commentInputSchema, comment);
    const normalized = normalizeReference(reference);
    await inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ number: number }>('SELECT number FROM tickets WHERE reference = $1 FOR UPDATE', [normalized]);
      const row = rows[0];
      if (row === undefined) throw new TicketNotFoundError(reference);
      const at = now.toISOString();
      await client.query('INSERT INTO ticket_comments (ticket_number, author, text, created_at) VALUES ($1, $2, $3, $4)', [row.number, author, text, at]);
      await client.query('UPDATE tickets SET updated_at = $1 WHERE number = $2', [at, row.number]);
    });
    return this.require(normalized);
  }

  async findDueBreaches(now: Date): Promise<Ticket[]> {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<TicketRow>(
        `SELECT ${TICKET_COLUMNS} FROM tickets
         WHERE sla_breached_at IS NULL AND status NOT IN ('resolved', 'closed') AND due_at <= $1
         ORDER BY due_at, number`,
        [now.toISOString()],
      );
      return withComments(client, rows);
    });
  }

  /** Records the breach time once (a conditional UPDATE: of two instances marking at once, one wins). */
  async markBreached(reference: string, at: Date): Promise<Ticket> {
    const normalized = normalizeReference(reference);
    await inTransaction(this.pool, async (client) => {
      const { rowCount } = await client.query('SELECT 1 FROM tickets WHERE reference = $1', [normalized]);
      if (rowCount === 0) throw new TicketNotFoundError(reference);
      await client.query(
        `UPDATE tickets SET sla_breached_at = $1 WHERE reference = $2
           AND sla_breached_at IS NULL AND status NOT IN ('resolved', 'closed')`,
        [at.toISOString(), normalized],
      );
    });
    return this.require(normalized);
  }

  async extendDue(reference: string, byMs: number, now: Date = new Date()): Promise<Ticket> {
    const ms = validated(z.number().int().min(0), byMs, 'byMs');
    const normalized = normalizeReference(reference);
    await inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ due_at: string }>('SELECT due_at FROM tickets WHERE reference = $1 FOR UPDATE', [normalized]);
      const row = rows[0];
      if (row === undefined) throw new TicketNotFoundError(reference);
      const due = new Date(new Date(row.due_at).getTime() + ms);
      await client.query('UPDATE tickets SET due_at = $1, updated_at = $2 WHERE reference = $3', [due.toISOString(), now.toISOString(), normalized]);
    });
    return this.require(normalized);
  }

  private async require(reference: string): Promise<Ticket> {
    const ticket = await this.get(reference);
    if (ticket === undefined) throw new TicketNotFoundError(reference);
    return ticket;
  }
}

/** Maps rows to tickets, loading all their comments in one query (no N+1). */
async function withComments(db: PgClient, rows: readonly TicketRow[]): Promise<Ticket[]> {
  if (rows.length === 0) return [];
  const numbers = rows.map((row) => row.number);
  const comments = new Map<number, TicketComment[]>(numbers.map((n) => [n, []]));
  const { rows: commentRows } = await db.query<{ ticket_number: number; author: string; text: string; created_at: string }>(
    'SELECT ticket_number, author, text, created_at FROM ticket_comments WHERE ticket_number = ANY($1::int[]) ORDER BY id',
    [numbers],
  );
  for (const row of commentRows) comments.get(row.ticket_number)?.push({ author: row.author, text: row.text, at: row.created_at });
  return rows.map((row) => toTicket(row, comments.get(row.number) ?? []));
}

/** Rebuilds the domain object; optional parts are omitted (not null) so JSON output stays clean. */
function toTicket(row: TicketRow, comments: TicketComment[]): Ticket {
  const ticket: Ticket = {
    reference: row.reference,
    kind: row.kind,
    tier: row.tier,
    status: row.status,
    subject: row.subject,
    description: row.description,
    customer: row.customer,
    channel: row.channel,
    transcript: row.transcript,
    articlesTried: row.articles_tried,
    comments,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    dueAt: row.due_at,
  };
  if (row.classification !== null) ticket.classification = row.classification;
  if (row.callback !== null) ticket.callback = row.callback;
  if (row.sla_breached_at !== null) ticket.slaBreachedAt = row.sla_breached_at;
  return ticket;
}
