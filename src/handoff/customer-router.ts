import { ActivityTypes, type TurnContext } from 'botbuilder';
import type { EscalationState } from '../../dialogs/escalation-dialog.js';
import { textsFor } from '../i18n/texts.js';
import type { StoredHandoff } from './handoff-store.js';
import type { HandoffService } from './handoff-service.js';

/**
 * What the bot does with a turn: run its dialogs (`bot`), nothing (`handled`: relayed, kept for the
 * agent, or answered here), or continue a live chat that ended before an agent took it with the
 * ticket / callback dialog (`follow-up`; `declined` when the customer's message was "cancel").
 */
export type RouteResult =
  | { kind: 'bot' }
  | { kind: 'handled' }
  | { kind: 'follow-up'; handoffId: string; options: EscalationState; declined: boolean };

/** What the bot asks before running its dialogs: is this conversation with a human? */
export interface HandoffRouting {
  route(context: TurnContext): Promise<RouteResult>;
  /**
   * The customer is typing (cheap path: no dialog, no state, nothing stored): shown to the agent
   * holding the conversation's live chat, if there is one.
   */
  typing(channelId: string, conversationId: string): Promise<void>;
}

/** Card button payload for leaving the queue (typed words work too: texts.liveChatLeaveWords). */
export const LEAVE_QUEUE_ACTION = 'leave-queue';

/** The ticket / callback dialog's options for a live chat that ended unattended: the same question, tier and articles. */
export function followUpOptions(handoff: StoredHandoff, outcome: 'cancelled' | 'timed_out'): EscalationState {
  return {
    question: handoff.question,
    articlesTried: handoff.articlesTried.map((a) => ({ articleId: a.articleId, score: a.score })),
    classification: handoff.classification,
    followsUpLiveChat: { ticketReference: handoff.ticketReference, outcome },
  };
}

/**
 * Routes a customer turn while a handoff is open: every message goes to the agent (or waits for
 * one), "cancel" leaves the queue (then the ticket / callback dialog), typing is forwarded; after a
 * resolved chat, a 1–5 reply is the satisfaction rating and anything else goes back to the bot;
 * after a queue timeout, the next message starts the ticket / callback dialog.
 */
export class HandoffCustomerRouter implements HandoffRouting {
  constructor(private readonly service: HandoffService) {}

  async typing(channelId: string, conversationId: string): Promise<void> {
    const open = await this.service.findOpen(channelId, conversationId);
    if (open !== undefined) this.service.customerTyping(open);
  }

  async route(context: TurnContext): Promise<RouteResult> {
    const { activity } = context;
    if (activity.type === ActivityTypes.Typing) {
      await this.typing(activity.channelId, activity.conversation.id);
      return { kind: 'handled' };
    }
    const open = await this.service.findOpen(activity.channelId, activity.conversation.id);
    if (open !== undefined) {
      if (activity.type !== ActivityTypes.Message) return { kind: 'bot' };
      const texts = textsFor(open.language);
      const text = (activity.text ?? '').trim();
      const typed = text.toLowerCase().replace(/[.!]+$/, '');
      const value = activity.value as { action?: unknown } | undefined;
      if (open.state === 'queued' && (value?.action === LEAVE_QUEUE_ACTION || texts.liveChatLeaveWords.includes(typed) || texts.cancelWords.includes(typed))) {
        const left = await this.service.leaveQueue(open);
        if (left === undefined) return { kind: 'handled' }; // accepted or timed out a moment ago: the next turn sees it
        await context.sendActivity(texts.liveChatLeftQueue(left.tier === 'L2' ? 'callback' : 'ticket'));
        return { kind: 'follow-up', handoffId: left.id, options: followUpOptions(left, 'cancelled'), declined: false };
      }
      if (text !== '') await this.service.customerMessage(open, text);
      return { kind: 'handled' };
    }
    if (activity.type !== ActivityTypes.Message) return { kind: 'bot' };
    const latest = await this.service.findLatest(activity.channelId, activity.conversation.id);
    if (latest?.state === 'timed_out') {
      // The bot told them proactively; this message (unless it is "cancel") starts the dialog. The bot remembers it did.
      const typed = (activity.text ?? '').trim().toLowerCase().replace(/[.!]+$/, '');
      const texts = textsFor(latest.language);
      const declined = texts.cancelWords.includes(typed) || texts.liveChatLeaveWords.includes(typed);
      return { kind: 'follow-up', handoffId: latest.id, options: followUpOptions(latest, 'timed_out'), declined };
    }
    if (latest?.awaitingSatisfaction !== true) return { kind: 'bot' };
    const score = /^\s*([1-5])\s*[.!]?\s*$/.exec(activity.text ?? '')?.[1];
    await this.service.recordSatisfaction(latest, score === undefined ? undefined : Number(score));
    if (score === undefined) return { kind: 'bot' };
    await context.sendActivity(textsFor(latest.language).satisfactionThanks);
    return { kind: 'handled' };
  }
}
