import { ActivityTypes, type TurnContext } from 'botbuilder';
import { textsFor } from '../i18n/texts.js';
import type { HandoffService } from './handoff-service.js';

/** What the bot asks before running its dialogs: is this conversation with a human? */
export interface HandoffRouting {
  /** True when the turn belongs to a live chat (relayed or kept for the agent): the bot then says nothing itself. */
  route(context: TurnContext): Promise<boolean>;
}

/** Card button payload for leaving the queue (typed words work too: texts.liveChatLeaveWords). */
export const LEAVE_QUEUE_ACTION = 'leave-queue';

/**
 * Routes a customer turn while a handoff is open: every message goes to the agent (or waits for
 * one), "cancel" leaves the queue, typing is forwarded; after a resolved chat, a 1–5 reply is the
 * satisfaction rating and anything else goes back to the bot.
 */
export class HandoffCustomerRouter implements HandoffRouting {
  constructor(private readonly service: HandoffService) {}

  async route(context: TurnContext): Promise<boolean> {
    const { activity } = context;
    const open = await this.service.findOpen(activity.channelId, activity.conversation.id);
    if (open !== undefined) {
      if (activity.type === ActivityTypes.Typing) {
        this.service.customerTyping(open);
        return true;
      }
      if (activity.type !== ActivityTypes.Message) return false;
      const texts = textsFor(open.language);
      const text = (activity.text ?? '').trim();
      const typed = text.toLowerCase().replace(/[.!]+$/, '');
      const value = activity.value as { action?: unknown } | undefined;
      if (open.state === 'queued' && (value?.action === LEAVE_QUEUE_ACTION || texts.liveChatLeaveWords.includes(typed) || texts.cancelWords.includes(typed))) {
        const left = await this.service.leaveQueue(open);
        if (left !== undefined) await context.sendActivity(texts.liveChatLeftQueue(left.ticketReference));
        return true;
      }
      if (text !== '') await this.service.customerMessage(open, text);
      return true;
    }
    if (activity.type !== ActivityTypes.Message) return false;
    const latest = await this.service.findLatest(activity.channelId, activity.conversation.id);
    if (latest?.awaitingSatisfaction !== true) return false;
    const score = /^\s*([1-5])\s*[.!]?\s*$/.exec(activity.text ?? '')?.[1];
    await this.service.recordSatisfaction(latest, score === undefined ? undefined : Number(score));
    if (score === undefined) return false;
    await context.sendActivity(textsFor(latest.language).satisfactionThanks);
    return true;
  }
}
