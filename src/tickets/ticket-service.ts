import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import { commentSchema, ticketStatusSchema, type NewTicket, type Ticket, type TicketStatus } from './ticket.js';
import type { TicketFilter, TicketPage, TicketStore } from './ticket-store.js';
import { vendorStepSchema } from '../vendors/vendor-step.js';

/** Names subscribers (webhooks, notifications) switch on; also sent as X-Tierdesk-Event. */
export const ticketEventNameSchema = z.enum([
  'ticket.created',
  'ticket.updated',
  'ticket.sla_breached',
  // The vendor step of L4 (src/vendors): asked the customer, customer said yes / no, vendor answered.
  'ticket.vendor_requested',
  'ticket.vendor_consented',
  'ticket.vendor_declined',
  'ticket.vendor_replied',
]);
export type TicketEventName = z.infer<typeof ticketEventNameSchema>;

/** What a `ticket.updated` changed, so a receiver need not diff tickets. */
export const ticketChangeSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('status'), status: ticketStatusSchema }),
  z.object({ type: z.literal('comment'), comment: commentSchema }),
  /** On `ticket.vendor_*`: the vendor step after the change, and on `vendor_replied` the reply relayed to the customer. */
  z.object({ type: z.literal('vendor'), vendor: vendorStepSchema, reply: z.object({ text: z.string(), enteredBy: z.string() }).optional() }),
]);
export type TicketChange = z.infer<typeof ticketChangeSchema>;

/** Something that happened to a ticket, with the ticket as it is after the change. */
export interface TicketEvent {
  /** Unique per event: receivers dedupe retried deliveries with it. */
  id: string;
  name: TicketEventName;
  ticket: Ticket;
  /** Present on `ticket.updated`. */
  change?: TicketChange;
  /** ISO time the change was stored. */
  at: string;
}

/** May be async; a rejection is logged like a throw. */
export type TicketEventListener = (event: TicketEvent) => void | Promise<void>;

/**
 * The one entry point dialogs and the HTTP API use for tickets: it stores through the TicketStore
 * and tells subscribers what happened. Listeners run after the write is committed and never make
 * the caller's write fail (a broken webhook must not break a customer's turn). Only a `durable`
 * listener (the webhook outbox write) is waited for, so once a call resolves its event is queued:
 * a process killed after answering the customer has not lost the event.
 */
export class TicketService {
  private readonly listeners = new Set<TicketEventListener>();
  private readonly durable = new Set<TicketEventListener>();
  private readonly logger: Logger;
  /** SLA_VENDOR_TIME=paused: tickets waiting on a vendor are not marked breached meanwhile. */
  private slaPaused: (reference: string) => Promise<boolean> = async () => false;

  constructor(
    private readonly store: TicketStore,
    options: { logger: Logger },
  ) {
    this.logger = options.logger;
  }

  /**
   * Subscribes to every ticket event; returns the unsubscribe function. A `durable` listener's
   * promise is awaited before the ticket call resolves (keep it to a quick local write).
   */
  onEvent(listener: TicketEventListener, options: { durable?: boolean } = {}): () => void {
    this.listeners.add(listener);
    if (options.durable === true) this.durable.add(listener);
    return () => {
      this.listeners.delete(listener);
      this.durable.delete(listener);
    };
  }

  /** Files a ticket (validated; throws TicketValidationError naming the bad field). Emits `ticket.created`. */
  async create(input: NewTicket, now: Date = new Date()): Promise<Ticket> {
    const ticket = await this.store.create(input, now);
    await this.emit({ name: 'ticket.created', ticket, at: ticket.createdAt });
    return ticket;
  }

  /** The ticket with this reference ("td-1042" is accepted), or undefined. */
  async get(reference: string): Promise<Ticket | undefined> {
    return this.store.get(reference);
  }

  /** A page of tickets, newest first, with the total matching the filter. */
  async list(filter: TicketFilter): Promise<TicketPage> {
    return this.store.list(filter);
  }

  /** Moves a ticket along its lifecycle (throws IllegalTransitionError otherwise). Emits `ticket.updated`. */
  async changeStatus(reference: string, status: TicketStatus, now: Date = new Date()): Promise<Ticket> {
    const ticket = await this.store.changeStatus(reference, status, now);
    await this.emit({ name: 'ticket.updated', ticket, change: { type: 'status', status: ticket.status }, at: ticket.updatedAt });
    return ticket;
  }

  /** Adds a staff or customer comment. Emits `ticket.updated`. */
  async addComment(reference: string, comment: { author: string; text: string }, now: Date = new Date()): Promise<Ticket> {
    const ticket = await this.store.addComment(reference, comment, now);
    const added = ticket.comments.at(-1);
    if (added !== undefined) await this.emit({ name: 'ticket.updated', ticket, change: { type: 'comment', comment: added }, at: added.at });
    return ticket;
  }

  /**
   * Moves the ticket's due time later by `byMs` (vendor time with SLA_VENDOR_TIME=paused). Emits no
   * event of its own: the vendor step's event carries the ticket with the new due time.
   */
  async extendDue(reference: string, byMs: number, now: Date = new Date()): Promise<Ticket> {
    return this.store.extendDue(reference, byMs, now);
  }

  /** Announces a vendor step change (`ticket.vendor_*`) to subscribers, with the ticket as it is now. */
  async vendorEvent(name: Extract<TicketEventName, `ticket.vendor_${string}`>, ticket: Ticket, change: TicketChange, at: string): Promise<void> {
    await this.emit({ name, ticket, change, at });
  }

  /** Tells the breach check which tickets' SLA clock is paused right now (the vendor step sets it). */
  pauseSlaWhen(paused: (reference: string) => Promise<boolean>): void {
    this.slaPaused = paused;
  }

  /** True while the ticket's SLA clock is paused (waiting on a vendor with SLA_VENDOR_TIME=paused). */
  async isSlaPaused(reference: string): Promise<boolean> {
    return this.slaPaused(reference);
  }

  /**
   * Marks every open ticket whose SLA expired by `now` and emits `ticket.sla_breached` once per
   * ticket. Tickets another instance marked first (or resolved meanwhile) are skipped, not re-announced.
   */
  async recordSlaBreaches(now: Date = new Date()): Promise<Ticket[]> {
    const at = now.toISOString();
    const breached: Ticket[] = [];
    for (const due of await this.store.findDueBreaches(now)) {
      if (await this.slaPaused(due.reference)) continue;
      const ticket = await this.store.markBreached(due.reference, now);
      if (ticket.slaBreachedAt !== at) continue;
      breached.push(ticket);
      await this.emit({ name: 'ticket.sla_breached', ticket, at });
    }
    return breached;
  }

  private async emit(event: Omit<TicketEvent, 'id'>): Promise<void> {
    const full: TicketEvent = { id: randomUUID(), ...event };
    const waits: Promise<void>[] = [];
    for (const listener of this.listeners) {
      try {
        const result = listener(full);
        if (result instanceof Promise) {
          const settled = result.catch((error: unknown) => this.listenerFailed(full, error));
          if (this.durable.has(listener)) waits.push(settled);
        }
      } catch (error) {
        this.listenerFailed(full, error);
      }
    }
    await Promise.all(waits);
  }

  private listenerFailed(event: TicketEvent, error: unknown): void {
    this.logger.error('ticket event listener failed', {
      event: event.name,
      reference: event.ticket.reference,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  }
}
