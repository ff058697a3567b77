import { TurnContext, type Activity, type StatePropertyAccessor } from 'botbuilder';
import type { ScoredArticle } from '../src/search/answer-decision.js';
import type { SlotRules } from '../src/tickets/callback-slots.js';
import type { Classification, NewTicket, Ticket, TicketKind } from '../src/tickets/ticket.js';
import type { TierRouting } from '../src/tiers/tier-classifier.js';
import type { TranscriptStore } from '../src/transcripts/transcript-store.js';
import type { LiveChatDesk } from './handoff-dialog.js';

/** Contact details a customer gave once; remembered per user so they are not asked again. */
export interface CustomerProfile {
  email?: string;
  phone?: string;
}

/** The slice of the ticket service the dialogs need. */
export interface TicketDesk {
  create(input: NewTicket): Promise<Ticket>;
  get(reference: string): Promise<Ticket | undefined>;
  /** Staff note on a ticket (the closed live chat ticket learns its follow-up's reference). */
  addComment?(reference: string, comment: { author: string; text: string }): Promise<unknown>;
}

/** Everything the escalation dialogs (tier choice, ticket, callback, status) depend on. */
export interface DeskDependencies {
  tickets: TicketDesk;
  transcripts: TranscriptStore;
  profile: StatePropertyAccessor<CustomerProfile>;
  /** Undefined while the classifier is not loaded: the customer is then asked instead. */
  classify: (text: string, language?: string) => Promise<TierRouting | undefined>;
  slots: SlotRules;
  /** BUSINESS_HOURS as configured, for messages. */
  businessHours: string;
  now: () => Date;
  /** Live chat with agents (src/handoff); without it escalation only files tickets and books callbacks. */
  liveChat?: LiveChatDesk;
  /** TIME_ZONE, for the "outside business hours" message. */
  timeZone?: string;
}

/** What level 0 hands over when it cannot answer. */
export interface EscalationOptions {
  question: string;
  articlesTried: ScoredArticle[];
  /** Set when a live chat ended before an agent took it: no new offer, straight to the ticket / callback. */
  followsUpLiveChat?: LiveChatOutcome;
}

/** A live chat that ended unattended: its (closed) `handoff` ticket and why it ended. */
export interface LiveChatOutcome {
  ticketReference: string;
  outcome: 'cancelled' | 'timed_out';
}

/** Options of the ticket and callback dialogs: the escalation plus the chosen tier. */
export interface FilingOptions extends EscalationOptions {
  classification: Classification;
  /** The customer's edited summary, when they changed it. */
  summary?: string;
}

/** One line for a ticket subject: the customer's words, trimmed to fit. */
export function subjectFrom(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= 200 ? line : `${line.slice(0, 197)}…`;
}

/** Assembles a ticket from the conversation: transcript, scores and where to reach the customer. */
export async function ticketFromConversation(
  context: TurnContext,
  deps: DeskDependencies,
  kind: TicketKind,
  options: FilingOptions,
  contact: CustomerProfile,
  callback?: NewTicket['callback'],
): Promise<NewTicket> {
  const activity: Activity = context.activity;
  const reference = TurnContext.getConversationReference(activity);
  const summary = options.summary ?? options.question;
  const description = summary === options.question ? options.question : `${summary}\n\nCustomer's words: ${options.question}`;
  const followUp = options.followsUpLiveChat;
  return {
    kind,
    tier: options.classification.tier,
    subject: subjectFrom(summary),
    description: followUp === undefined ? description : `${description}\n\n${followUpNote(followUp)}`,
    customer: {
      userId: activity.from.id,
      ...(activity.from.name ? { name: activity.from.name } : {}),
      ...(contact.email ? { email: contact.email } : {}),
      ...(contact.phone ? { phone: contact.phone } : {}),
    },
    channel: {
      channelId: activity.channelId,
      conversationId: activity.conversation.id,
      conversationReference: JSON.parse(JSON.stringify(reference)) as Record<string, unknown>,
    },
    transcript: await deps.transcripts.read(activity.channelId, activity.conversation.id),
    classification: options.classification,
    articlesTried: options.articlesTried,
    ...(callback ? { callback } : {}),
  };
}

/** Staff-facing line of a follow-up ticket: which live chat request it continues, and why that one ended. */
function followUpNote(followUp: LiveChatOutcome): string {
  const why = followUp.outcome === 'cancelled' ? 'the customer left the queue' : 'no agent became free in time';
  return `Follows up live chat request ${followUp.ticketReference} (${why}).`;
}

/** After a follow-up ticket is filed: the closed live chat ticket names it, so staff can go from one to the other. */
export async function linkFollowUp(deps: DeskDependencies, options: FilingOptions, ticket: Ticket): Promise<void> {
  const followUp = options.followsUpLiveChat;
  if (followUp === undefined || deps.tickets.addComment === undefined) return;
  // A failed note must not fail the customer's filing: the new ticket already names the old one.
  await deps.tickets.addComment(followUp.ticketReference, { author: 'tierdesk', text: `Followed up as ${ticket.kind} ${ticket.reference}.` }).catch(() => undefined);
}
