import type { TurnContext } from 'botbuilder';
import { formatDateTime } from '../src/i18n/format.js';
import { turnTexts } from '../src/language/turn-language.js';
import type { DeskDependencies } from './desk.js';

const REFERENCE = /\bTD-(\d{4,})\b/i;

/** The ticket reference a message mentions ("status of td-1042" → "TD-1042"), if any. */
export function mentionedReference(text: string | undefined): string | undefined {
  const match = REFERENCE.exec(text ?? '');
  return match === null ? undefined : `TD-${match[1]}`;
}

/**
 * Tells the customer the status of one of THEIR tickets. Someone else's ticket gets the same
 * "not found" answer as a missing one, so references cannot be probed.
 */
export async function replyWithTicketStatus(context: TurnContext, deps: DeskDependencies, reference: string): Promise<void> {
  const texts = turnTexts(context);
  const ticket = await deps.tickets.get(reference);
  const { from, channelId } = context.activity;
  if (ticket === undefined || ticket.customer.userId !== from.id || ticket.channel.channelId !== channelId) {
    await context.sendActivity(texts.ticketNotFound(reference));
    return;
  }
  const zone = deps.slots.hours.timeZone;
  await context.sendActivity(
    texts.ticketStatus(ticket.reference, texts.statusNames[ticket.status], ticket.subject, `${formatDateTime(ticket.updatedAt, zone, texts)} (${zone})`),
  );
}
