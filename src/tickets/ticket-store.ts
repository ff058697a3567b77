import type { z } from 'zod';
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

/** One rejected input field: a dotted path such as "customer.email" and why. */
export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * Raised when input breaks the ticket schema; maps to 400. `field` names the first bad field
 * so a dialog can re-ask for exactly that and an API client can fix exactly that.
 */
export class TicketValidationError extends Error {
  readonly field: string;
  constructor(readonly problems: readonly [FieldProblem, ...FieldProblem[]]) {
    super(problems.map((p) => `${p.field}: ${p.message}`).join('; '));
    this.name = 'TicketValidationError';
    this.field = problems[0].field;
  }

  /** Turns zod issues into field problems; `root` names the input itself (e.g. "body") when it is not an object. */
  static fromZodError(error: z.ZodError, root = '(root)'): TicketValidationError {
    const problems = error.issues.map((issue): FieldProblem => {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
      const path = [...issue.path, ...keys.slice(0, 1)].map(String);
      const message = keys.length > 0 ? `unknown field${keys.length > 1 ? `s ${keys.join(', ')}` : ''}` : issue.message;
      return { field: path.length > 0 ? path.join('.') : root, message };
    });
    const [first, ...rest] = problems;
    return new TicketValidationError(first === undefined ? [{ field: root, message: 'invalid input' }] : [first, ...rest]);
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
  /** Moves the due time `byMs` later (vendor time paused); a breach already recorded stays recorded. */
  extendDue(reference: string, byMs: number, now?: Date): Promise<Ticket>;
}
