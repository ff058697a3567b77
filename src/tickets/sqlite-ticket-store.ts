import { z } from 'zod';
import type { SqliteDatabase } from '../storage/database.js';
import { dueAt, type SlaHours } from './sla.js';
import {
  canTransition,
  commentSchema,
  newTicketSchema,
  ticketStatusSchema,
  type NewTicket,
  type Ticket,
  type TicketComment,
  type TicketStatus,
} from './ticket.js';
import {
  IllegalTransitionError,
  TicketNotFoundError,
  TicketValidationError,
  type TicketFilter,
  type TicketPage,
  type TicketStore,
} from './ticket-store.js';

/** References start here so the first ticket a customer sees is "TD-1001", not "TD-1". */
const FIRST_NUMBER = 1001;

interface TicketRow {
  number: number;
  reference: string;
  kind: string;
  tier: string;
  status: string;
  subject: string;
  description: string;
  customer: string;
  channel: string;
  transcript: string;
  classification: string | null;
  articles_tried: string;
  callback: string | null;
  created_at: string;
  updated_at: string;
  due_at: string;
  sla_breached_at: string | null;
}

interface CommentRow {
  ticket_number: number;
  author: string;
  text: string;
  created_at: string;
}

const TICKET_COLUMNS = `number, reference, kind, tier, status, subject, description, customer, channel, transcript,
  classification, articles_tried, callback, created_at, updated_at, due_at, sla_breached_at`;

export const commentInputSchema = commentSchema.pick({ author: true, text: true });

/** "td-1042 " as a customer types it → "TD-1042" as stored. (Shared with the PostgreSQL store.) */
export function normalizeReference(reference: string): string {
  return reference.trim().toUpperCase();
}

/** Escapes LIKE wildcards so a search for "50%" or "user_id" matches literally (ESCAPE '\'). */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/** Parses or throws TicketValidationError; `name` is the field reported when `input` itself is wrong. */
export function validated<T>(schema: z.ZodType<T>, input: unknown, name?: string): T {
  const result = schema.safeParse(input);
  if (!result.success) throw TicketValidationError.fromZodError(result.error, name);
  return result.data;
}

/**
 * The embedded default TicketStore: one SQLite file shared with bot state, so a single instance
 * needs no database server. Writes are `BEGIN IMMEDIATE` transactions: the reference is allocated
 * and the row written under one write lock, so two writers never get the same number and a crash
 * never leaves half a ticket or a gap in references.
 */
export class SqliteTicketStore implements TicketStore {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly slaHours: SlaHours,
  ) {
    for (const tier of ['L1', 'L2', 'L3', 'L4'] as const) dueAt(new Date(0), tier, slaHours); // fail fast on bad config
  }

  async create(input: NewTicket, now: Date = new Date()): Promise<Ticket> {
    const ticket = validated(newTicketSchema, input);
    const createdAt = now.toISOString();
    const due = dueAt(now, ticket.tier, this.slaHours).toISOString();
    const insert = this.db.prepare(
      `INSERT INTO tickets (number, reference, kind, tier, status, subject, description, search_text,
         customer_user_id, customer, channel_id, conversation_id, channel, transcript, classification,
         articles_tried, callback, created_at, updated_at, due_at)
       VALUES (@number, @reference, @kind, @tier, 'new', @subject, @description, @searchText,
         @customerUserId, @customer, @channelId, @conversationId, @channel, @transcript, @classification,
         @articlesTried, @callback, @createdAt, @createdAt, @dueAt)`,
    );
    const nextNumber = this.db.prepare<[], { next: number }>(
      `SELECT COALESCE(MAX(number) + 1, ${FIRST_NUMBER}) AS next FROM tickets`,
    );
    const reference = this.db
      .transaction(() => {
        const { next } = nextNumber.get()!;
        const reference = `TD-${next}`;
        insert.run({
          number: next,
          reference,
          kind: ticket.kind,
          tier: ticket.tier,
          subject: ticket.subject,
          description: ticket.description,
          searchText: [ticket.subject, ticket.description, reference].join('\n').toLowerCase(),
          customerUserId: ticket.customer.userId,
          customer: JSON.stringify(ticket.customer),
          channelId: ticket.channel.channelId,
          conversationId: ticket.channel.conversationId,
          channel: JSON.stringify(ticket.channel),
          transcript: JSON.stringify(ticket.transcript),
          classification: ticket.classification === undefined ? null : JSON.stringify(ticket.classification),
          articlesTried: JSON.stringify(ticket.articlesTried),
          callback: ticket.callback === undefined ? null : JSON.stringify(ticket.callback),
          createdAt,
          dueAt: due,
        });
        return reference;
      })
      .immediate();
    return this.require(reference);
  }

  async get(reference: string): Promise<Ticket | undefined> {
    return this.db.transaction(() => {
      const row = this.db
        .prepare<[string], TicketRow>(`SELECT ${TICKET_COLUMNS} FROM tickets WHERE reference = ?`)
        .get(normalizeReference(reference));
      return row === undefined ? undefined : this.withComments([row])[0];
    })();
  }

  async list(filter: TicketFilter): Promise<TicketPage> {
    const limit = validated(z.number().int().min(0), filter.limit, 'limit');
    const offset = validated(z.number().int().min(0), filter.offset, 'offset');
    const where: string[] = [];
    const params: Record<string, string | number> = {};
    // Exact-match filters; column names are constants here, values are bound parameters.
    const equalities = [
      ['status', filter.status],
      ['tier', filter.tier],
      ['kind', filter.kind],
      ['customer_user_id', filter.customerUserId],
    ] as const;
    for (const [column, value] of equalities) {
      if (value === undefined) continue;
      where.push(`${column} = @${column}`);
      params[column] = value;
    }
    const text = filter.text?.trim();
    if (text !== undefined && text !== '') {
      where.push(`search_text LIKE @text ESCAPE '\\'`);
      params.text = likePattern(text.toLowerCase());
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    // One read transaction: the page and the total come from the same snapshot.
    return this.db.transaction(() => {
      const { total } = this.db
        .prepare<Record<string, string | number>, { total: number }>(`SELECT COUNT(*) AS total FROM tickets ${clause}`)
        .get(params)!;
      const rows = this.db
        .prepare<Record<string, string | number>, TicketRow>(
          `SELECT ${TICKET_COLUMNS} FROM tickets ${clause}
           ORDER BY created_at DESC, number DESC LIMIT @limit OFFSET @offset`,
        )
        .all({ ...params, limit, offset });
      return { items: this.withComments(rows), total };
    })();
  }

  async changeStatus(reference: string, to: TicketStatus, now: Date = new Date()): Promise<Ticket> {
    const status = validated(ticketStatusSchema, to, 'status');
    const normalized = normalizeReference(reference);
    this.db
      .transaction(() => {
        const row = this.db
          .prepare<[string], { status: TicketStatus }>('SELECT status FROM tickets WHERE reference = ?')
          .get(normalized);
        if (row === undefined) throw new TicketNotFoundError(reference);
        if (!canTransition(row.status, status)) throw new IllegalTransitionError(row.status, status);
        this.db
          .prepare('UPDATE tickets SET status = ?, updated_at = ? WHERE reference = ?')
          .run(status, now.toISOString(), normalized);
      })
      .immediate();
    return this.require(normalized);
  }

  async addComment(reference: string, comment: { author: string; text: string }, now: Date = new Date()): Promise<Ticket> {
    const { author, text } = validated(commentInputSchema, comment);
    const normalized = normalizeReference(reference);
    this.db
      .transaction(() => {
        const row = this.db
          .prepare<[string], { number: number }>('SELECT number FROM tickets WHERE reference = ?')
          .get(normalized);
        if (row === undefined) throw new TicketNotFoundError(reference);
        const at = now.toISOString();
        this.db
          .prepare('INSERT INTO ticket_comments (ticket_number, author, text, created_at) VALUES (?, ?, ?, ?)')
          .run(row.number, author, text, at);
        this.db.prepare('UPDATE tickets SET updated_at = ? WHERE number = ?').run(at, row.number);
      })
      .immediate();
    return this.require(normalized);
  }

  async findDueBreaches(now: Date): Promise<Ticket[]> {
    return this.db.transaction(() => {
      const rows = this.db
        .prepare<[string], TicketRow>(
          `SELECT ${TICKET_COLUMNS} FROM tickets
           WHERE sla_breached_at IS NULL AND status NOT IN ('resolved', 'closed') AND due_at <= ?
           ORDER BY due_at, number`,
        )
        .all(now.toISOString());
      return this.withComments(rows);
    })();
  }

  /**
   * Records the breach time once: a ticket already marked keeps its first time, and a ticket
   * resolved or closed meanwhile is left alone. Either way the current ticket is returned, so
   * callers can tell whether this call marked it (`slaBreachedAt === at.toISOString()`).
   */
  async markBreached(reference: string, at: Date): Promise<Ticket> {
    const normalized = normalizeReference(reference);
    this.db
      .transaction(() => {
        const exists = this.db.prepare('SELECT 1 FROM tickets WHERE reference = ?').get(normalized);
        if (exists === undefined) throw new TicketNotFoundError(reference);
        this.db
          .prepare(
            `UPDATE tickets SET sla_breached_at = ? WHERE reference = ?
               AND sla_breached_at IS NULL AND status NOT IN ('resolved', 'closed')`,
          )
          .run(at.toISOString(), normalized);
      })
      .immediate();
    return this.require(normalized);
  }

  async extendDue(reference: string, byMs: number, now: Date = new Date()): Promise<Ticket> {
    const ms = validated(z.number().int().min(0), byMs, 'byMs');
    const normalized = normalizeReference(reference);
    this.db
      .transaction(() => {
        const row = this.db.prepare<[string], { due_at: string }>('SELECT due_at FROM tickets WHERE reference = ?').get(normalized);
        if (row === undefined) throw new TicketNotFoundError(reference);
        const due = new Date(new Date(row.due_at).getTime() + ms);
        this.db
          .prepare('UPDATE tickets SET due_at = ?, updated_at = ? WHERE reference = ?')
          .run(due.toISOString(), now.toISOString(), normalized);
      })
      .immediate();
    return this.require(normalized);
  }

  private async require(reference: string): Promise<Ticket> {
    const ticket = await this.get(reference);
    if (ticket === undefined) throw new TicketNotFoundError(reference);
    return ticket;
  }

  /** Maps rows to tickets, loading all their comments in one query (no N+1). Call inside a transaction. */
  private withComments(rows: readonly TicketRow[]): Ticket[] {
    if (rows.length === 0) return [];
    const numbers = rows.map((row) => row.number);
    const comments = new Map<number, TicketComment[]>(numbers.map((n) => [n, []]));
    const commentRows = this.db
      .prepare<number[], CommentRow>(
        `SELECT ticket_number, author, text, created_at FROM ticket_comments
         WHERE ticket_number IN (${numbers.map(() => '?').join(', ')}) ORDER BY id`,
      )
      .all(...numbers);
    for (const row of commentRows) {
      comments.get(row.ticket_number)?.push({ author: row.author, text: row.text, at: row.created_at });
    }
    return rows.map((row) => toTicket(row, comments.get(row.number) ?? []));
  }
}

/** Rebuilds the domain object; optional parts are omitted (not null) so JSON output stays clean. */
function toTicket(row: TicketRow, comments: TicketComment[]): Ticket {
  const ticket: Ticket = {
    reference: row.reference,
    kind: row.kind as Ticket['kind'],
    tier: row.tier as Ticket['tier'],
    status: row.status as Ticket['status'],
    subject: row.subject,
    description: row.description,
    customer: JSON.parse(row.customer) as Ticket['customer'],
    channel: JSON.parse(row.channel) as Ticket['channel'],
    transcript: JSON.parse(row.transcript) as Ticket['transcript'],
    articlesTried: JSON.parse(row.articles_tried) as Ticket['articlesTried'],
    comments,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    dueAt: row.due_at,
  };
  if (row.classification !== null) ticket.classification = JSON.parse(row.classification) as Ticket['classification'];
  if (row.callback !== null) ticket.callback = JSON.parse(row.callback) as Ticket['callback'];
  if (row.sla_breached_at !== null) ticket.slaBreachedAt = row.sla_breached_at;
  return ticket;
}
