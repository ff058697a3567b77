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
  return {
    kind,
    tier: options.classification.tier,
    subject: subjectFrom(summary),
    description: summary === options.question ? options.question : `${summary}\n\nCustomer's words: ${options.question}`,
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
