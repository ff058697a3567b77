import { ActivityTypes, type TurnContext } from 'botbuilder';
import type { HandoffRouting, RouteResult } from '../handoff/customer-router.js';
import { turnTexts } from '../language/turn-language.js';
import type { VendorService } from './vendor-service.js';

/**
 * Runs before the live-chat routing: while a vendor step waits for this conversation's consent,
 * the customer's message is the answer (or, if the question was not asked yet, the moment to ask
 * it), answered here in the same turn. Every other turn goes to the wrapped routing unchanged.
 */
export class VendorConsentRouting implements HandoffRouting {
  constructor(
    private readonly vendors: VendorService,
    private readonly inner: HandoffRouting,
  ) {}

  typing(channelId: string, conversationId: string): Promise<void> {
    return this.inner.typing(channelId, conversationId);
  }

  async route(context: TurnContext): Promise<RouteResult> {
    const { activity } = context;
    if (activity.type === ActivityTypes.Message) {
      const step = await this.vendors.pendingConsent(activity.channelId, activity.conversation.id);
      if (step !== undefined) {
        const outcome = await this.vendors.consentMessage(step, activity.text ?? '', turnTexts(context).language);
        await context.sendActivity(outcome.reply);
        // In a live chat the agent sees the answer as well; outside one, the bot's dialogs must not take "yes" as a new question.
        if (await this.vendors.inLiveChat(activity.channelId, activity.conversation.id)) await this.inner.route(context);
        return { kind: 'handled' };
      }
    }
    return this.inner.route(context);
  }
}
