import type { NewTicket, Ticket, TicketKind, TicketStatus, Tier } from './ticket.js';

export interface TicketFilter {
  status?: TicketStatus;
  tier?: Tier;
  kind?: TicketKind;
  /** Case-insensitive search in subject, description and reference. */
  text?: string;
  /** Only this customer's tickets (what a customer may see). */
  customerUserId?: string;
  limit: number;
  offset: number;
}

export interface TicketPage {
  items: Ticket[];
  total: number;
}

/** Raised for an unknown reference; maps to 404. */
export class TicketNotFoundError extends Error {
  constructor(readonly reference: string) {
    super(`No ticket ${reference}`);
    this.name = 'TicketNotFoundError';
  }
}

/** Raised when the lifecycle forbids a status change; maps to 409. */
export class IllegalTransitionError extends Error {
  constructor(
    readonly from: TicketStatus,
    readonly to: TicketStatus,
  ) {
    super(`A ticket cannot go from "${from}" to "${to}"`);
    this.name = 'IllegalTransitionError';
  }
}

/**
 * Durable tickets. Every write is one transaction: a crash never leaves half a ticket.
 * Implementations: SQLite (embedded default); PostgreSQL later for several instances.
 */
export interface TicketStore {
  /** Validates, assigns the reference and SLA due time, and stores the ticket. */
  create(input: NewTicket, now?: Date): Promise<Ticket>;
  get(reference: string): Promise<Ticket | undefined>;
  list(filter: TicketFilter): Promise<TicketPage>;
  changeStatus(reference: string, to: TicketStatus, now?: Date): Promise<Ticket>;
  addComment(reference: string, comment: { author: string; text: string }, now?: Date): Promise<Ticket>;
  /** Open tickets past their due time that are not yet marked breached. */
  findDueBreaches(now: Date): Promise<Ticket[]>;
  markBreached(reference: string, at: Date): Promise<Ticket>;
}
