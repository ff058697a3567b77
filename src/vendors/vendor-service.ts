import type { ConversationReference } from 'botbuilder';
import { textsFor, type Texts } from '../i18n/texts.js';
import type { Logger } from '../logger.js';
import { retryDelayMs, type ChannelSender } from '../handoff/relay.js';
import type { Ticket } from '../tickets/ticket.js';
import { canTransition } from '../tickets/ticket.js';
import type { TicketService } from '../tickets/ticket-service.js';
import { TicketNotFoundError } from '../tickets/ticket-store.js';
import { isOpenVendorStep, slaPushMs, VendorStepError, type VendorSlaMode, type VendorStep } from './vendor-step.js';
import type { VendorMessage, VendorStepStore } from './vendor-step-store.js';
import type { Vendor } from './vendors.js';

const HOUR_MS = 3_600_000;

export interface VendorServiceOptions {
  store: VendorStepStore;
  tickets: TicketService;
  vendors: readonly Vendor[];
  /** The same proactive path the live-chat relay uses (Direct Line or Bot Framework channel). */
  sender: ChannelSender;
  /** SLA_VENDOR_TIME */
  slaMode: VendorSlaMode;
  /** Is a live chat with an agent going on in this conversation right now? Then the question is asked at once. */
  liveChatActive: (channelId: string, conversationId: string) => Promise<boolean>;
  /** The customer's language for this conversation (the live chat's, else the configured default). */
  languageOf: (channelId: string, conversationId: string) => Promise<string>;
  logger: Logger;
  now?: () => Date;
  /** How often undelivered lines are retried. Default 5 s. */
  sweepIntervalMs?: number;
}

/** What a turn's consent answer did, for the bot to say in the same turn. */
export type ConsentOutcome = { answer: 'yes' | 'no' | 'unclear'; reply: string };

/**
 * The vendor step of L4: ask the customer before anything goes to a third party, keep the
 * ticket "waiting on vendor" with its own clock, relay the vendor's replies to the customer's
 * channel (stored first, retried until delivered) and announce each step as a ticket event.
 * It never touches HTTP or SQL itself.
 */
export class VendorService {
  private readonly store: VendorStepStore;
  private readonly now: () => Date;
  private readonly vendors: ReadonlyMap<string, Vendor>;
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  /** Lines being delivered now, so the sweep does not send one twice. */
  private readonly inFlight = new Set<number>();
  private readonly deliveries = new Set<Promise<void>>();

  constructor(private readonly options: VendorServiceOptions) {
    this.store = options.store;
    this.now = options.now ?? (() => new Date());
    this.vendors = new Map(options.vendors.map((vendor) => [vendor.id, vendor]));
    // Paused vendor time: a ticket waiting on a vendor is not marked breached meanwhile.
    if (options.slaMode === 'paused') options.tickets.pauseSlaWhen((reference) => this.store.isWaiting(reference));
  }

  list(): readonly Vendor[] {
    return [...this.vendors.values()];
  }

  /** The ticket's latest vendor step (what "waiting on vendor" shows), or undefined. */
  async current(reference: string): Promise<VendorStep | undefined> {
    const ticket = await this.requireTicket(reference);
    return this.store.latest(ticket.reference);
  }

  /**
   * Starts the vendor step of an L4 ticket: records consent as pending and asks the customer at
   * once in a live chat, otherwise on their next message. Nothing is shared before they say yes.
   */
  async request(reference: string, vendorId: string, requestedBy: string): Promise<{ ticket: Ticket; vendor: VendorStep }> {
    const ticket = await this.requireTicket(reference);
    const vendor = this.vendors.get(vendorId);
    if (vendor === undefined) throw new VendorStepError('unknown_vendor', `No vendor "${vendorId}" (configured: ${[...this.vendors.keys()].join(', ') || 'none; see VENDORS_FILE'}).`);
    if (ticket.tier !== 'L4') throw new VendorStepError('not_l4', `Only L4 tickets go to a vendor; ${ticket.reference} is ${ticket.tier}.`);
    if (ticket.status === 'resolved' || ticket.status === 'closed') throw new VendorStepError('ticket_closed', `${ticket.reference} is ${ticket.status}.`);
    const at = this.now();
    const { channelId, conversationId } = ticket.channel;
    const step = await this.store.create(
      { ticketReference: ticket.reference, vendor: { id: vendor.id, name: vendor.name, email: vendor.email }, channelId, conversationId, requestedBy },
      at,
    );
    if (step === undefined) throw new VendorStepError('vendor_step_open', `${ticket.reference} already has a vendor step in progress.`);
    let current = step;
    if (await this.options.liveChatActive(channelId, conversationId)) {
      const texts = await this.textsFor(ticket);
      await this.say(ticket, step, texts.vendorConsentQuestion(vendor.name, ticket.reference));
      await this.store.markAsked(step.id, at);
      current = { ...step, askedAt: at.toISOString() };
    }
    const noted = await this.options.tickets.addComment(
      ticket.reference,
      { author: requestedBy, text: `Vendor step: asking the customer whether we may share this request with ${vendor.name}.` },
      at,
    );
    await this.options.tickets.vendorEvent('ticket.vendor_requested', noted, { type: 'vendor', vendor: current }, at.toISOString());
    return { ticket: noted, vendor: current };
  }

  /** Is an agent chatting with this conversation now (their console should see the customer's answer too)? */
  inLiveChat(channelId: string, conversationId: string): Promise<boolean> {
    return this.options.liveChatActive(channelId, conversationId);
  }

  /** The step waiting for this conversation's yes or no (the bot checks it before routing a message). */
  pendingConsent(channelId: string, conversationId: string): Promise<VendorStep | undefined> {
    return this.store.pendingConsent(channelId, conversationId);
  }

  /**
   * The customer's message while consent is pending. Not asked yet: this asks (the message is kept
   * on the ticket). Yes: the ticket waits on the vendor from now. No: it stays in-house.
   * Anything else: the question again.
   */
  async consentMessage(step: VendorStep, text: string, language: string | undefined): Promise<ConsentOutcome> {
    const ticket = await this.requireTicket(step.ticketReference);
    const texts = language === undefined ? await this.textsFor(ticket) : textsFor(language);
    const at = this.now();
    if (step.askedAt === undefined) {
      await this.store.markAsked(step.id, at);
      if (text.trim() !== '') await this.options.tickets.addComment(ticket.reference, { author: 'customer', text }, at);
      return { answer: 'unclear', reply: texts.vendorConsentQuestion(step.vendor.name, ticket.reference) };
    }
    const answer = consentAnswer(texts, text);
    if (answer === 'unclear') return { answer, reply: texts.vendorConsentAgain(step.vendor.name) };
    if (answer === 'no') {
      const declined = await this.store.move(step.id, 'consent_pending', 'declined', { declinedAt: at.toISOString() });
      if (declined !== undefined) {
        const noted = await this.options.tickets.addComment(ticket.reference, { author: 'tierdesk', text: `Vendor step: the customer declined sharing with ${step.vendor.name}; the ticket stays in-house.` }, at);
        await this.options.tickets.vendorEvent('ticket.vendor_declined', noted, { type: 'vendor', vendor: declined }, at.toISOString());
      }
      return { answer, reply: texts.vendorConsentRefused(step.vendor.name) };
    }
    const vendor = this.vendors.get(step.vendor.id);
    const hours = vendor?.responseHours ?? 0;
    const waiting = await this.store.move(step.id, 'consent_pending', 'waiting', {
      since: at.toISOString(),
      expectedBy: new Date(at.getTime() + hours * HOUR_MS).toISOString(),
    });
    if (waiting !== undefined) {
      let current = ticket;
      if (current.status !== 'pending' && canTransition(current.status, 'pending')) current = await this.options.tickets.changeStatus(ticket.reference, 'pending', at);
      current = await this.options.tickets.addComment(
        ticket.reference,
        { author: 'tierdesk', text: `Vendor step: the customer agreed; the request may now be shared with ${step.vendor.name} <${step.vendor.email}>. Waiting on vendor, expected by ${waiting.expectedBy ?? '?'}.` },
        at,
      );
      await this.options.tickets.vendorEvent('ticket.vendor_consented', current, { type: 'vendor', vendor: waiting }, at.toISOString());
    }
    return { answer, reply: texts.vendorConsentGiven(step.vendor.name) };
  }

  /**
   * A vendor's reply (typed in by an agent or posted to the API): relayed to the customer's channel,
   * recorded on the ticket. A final reply ends the wait: the ticket is open again for the agent and,
   * with vendor time paused, its due time moves by the time spent waiting.
   */
  async vendorReply(reference: string, input: { text: string; enteredBy: string; final: boolean }): Promise<{ ticket: Ticket; vendor: VendorStep }> {
    const ticket = await this.requireTicket(reference);
    const step = await this.store.latest(ticket.reference);
    if (step?.state !== 'waiting' || step.since === undefined) {
      throw new VendorStepError('not_waiting_on_vendor', `${ticket.reference} is not waiting on a vendor${step?.state === 'consent_pending' ? ' (the customer has not agreed yet)' : ''}.`);
    }
    const at = this.now();
    let moved: VendorStep | undefined;
    if (input.final) {
      const pushed = slaPushMs(this.options.slaMode, new Date(step.since), at);
      moved = await this.store.move(step.id, 'waiting', 'replied', { endedAt: at.toISOString(), slaPausedMs: pushed });
      if (moved === undefined) throw new VendorStepError('not_waiting_on_vendor', `${ticket.reference} is no longer waiting on a vendor.`);
      if (pushed > 0) await this.options.tickets.extendDue(ticket.reference, pushed, at);
    } else {
      moved = step;
    }
    const texts = await this.textsFor(ticket);
    await this.say(ticket, step, texts.vendorReply(step.vendor.name, ticket.reference, input.text));
    let current = await this.options.tickets.addComment(ticket.reference, { author: `${step.vendor.name} (vendor, entered by ${input.enteredBy})`, text: input.text }, at);
    if (input.final && current.status === 'pending') current = await this.options.tickets.changeStatus(ticket.reference, 'open', at);
    await this.options.tickets.vendorEvent(
      'ticket.vendor_replied',
      current,
      { type: 'vendor', vendor: moved, reply: { text: input.text, enteredBy: input.enteredBy } },
      at.toISOString(),
    );
    return { ticket: current, vendor: moved };
  }

  /** Starts the worker that retries undelivered lines (also those a previous run left). */
  start(): void {
    if (this.timer !== undefined) return;
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), this.options.sweepIntervalMs ?? 5_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.sweeping;
    await this.idle();
  }

  /** Resolves when every delivery started so far has been attempted (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.deliveries.size > 0) await Promise.all([...this.deliveries]);
  }

  /** One retry pass over due lines. */
  sweep(): Promise<void> {
    this.sweeping ??= (async () => {
      try {
        for (const message of await this.store.dueMessages(this.now(), 100)) await this.deliver(message);
      } catch (error) {
        this.options.logger.error('vendor step delivery sweep failed', { error: error instanceof Error ? error.message : String(error) });
      } finally {
        this.sweeping = undefined;
      }
    })();
    return this.sweeping;
  }

  /** Stores the line, then sends it; a failed send stays stored for the sweep. */
  private async say(ticket: Ticket, step: VendorStep, text: string): Promise<void> {
    const reference = ticket.channel.conversationReference ?? {};
    const message = await this.store.enqueueMessage({ stepId: step.id, conversationReference: reference, text }, this.now());
    await this.deliver(message);
  }

  private async deliver(message: VendorMessage): Promise<void> {
    if (this.inFlight.has(message.id)) return;
    this.inFlight.add(message.id);
    const attempt = (async () => {
      try {
        await this.options.sender.send(message.conversationReference as Partial<ConversationReference>, [{ type: 'message', text: message.text }]);
        await this.store.markDelivered(message.id, this.now());
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        this.options.logger.warn('vendor step line not delivered yet; will retry', { message: message.id, error: reason });
        await this.store.deferMessage(message.id, new Date(this.now().getTime() + retryDelayMs(message.attempts)), reason).catch(() => undefined);
      } finally {
        this.inFlight.delete(message.id);
      }
    })();
    this.deliveries.add(attempt);
    try {
      await attempt;
    } finally {
      this.deliveries.delete(attempt);
    }
  }

  private async textsFor(ticket: Ticket): Promise<Texts> {
    return textsFor(await this.options.languageOf(ticket.channel.channelId, ticket.channel.conversationId));
  }

  private async requireTicket(reference: string): Promise<Ticket> {
    const ticket = await this.options.tickets.get(reference);
    if (ticket === undefined) throw new TicketNotFoundError(reference);
    return ticket;
  }
}

/** "yes" / "no" in the customer's language (English words always count), else unclear. */
export function consentAnswer(texts: Texts, text: string): 'yes' | 'no' | 'unclear' {
  const typed = text.trim().toLowerCase().replace(/[.!?,]+$/, '').replace(/\s+/g, ' ');
  if (texts.vendorConsentYesWords.includes(typed) || textsFor('en').vendorConsentYesWords.includes(typed)) return 'yes';
  if (texts.vendorConsentNoWords.includes(typed) || textsFor('en').vendorConsentNoWords.includes(typed)) return 'no';
  return 'unclear';
}

export { isOpenVendorStep };
