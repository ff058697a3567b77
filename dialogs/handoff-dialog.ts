import { ComponentDialog, ListStyle, WaterfallDialog, type DialogTurnResult, type FoundChoice, type WaterfallStepContext } from 'botbuilder-dialogs';
import { MessageFactory, type TurnContext } from 'botbuilder';
import type { Availability } from '../src/handoff/availability.js';
import type { Handoff } from '../src/handoff/handoff.js';
import type { Texts } from '../src/i18n/texts.js';
import { turnTexts } from '../src/language/turn-language.js';
import type { Tier } from '../src/tickets/ticket.js';
import { CALLBACK_DIALOG } from './callback-dialog.js';
import type { FilingOptions } from './desk.js';
import { LooseChoicePrompt } from './loose-choice-prompt.js';
import { TICKET_DIALOG } from './ticket-dialog.js';

export const HANDOFF_DIALOG = 'handoff';
const OFFER_PROMPT = 'handoff.offer';

/** The live-chat side of the desk the dialogs need (src/handoff implements it, wired in app.ts). */
export interface LiveChatDesk {
  /** Can an agent of `tier` take a chat now? */
  availability(tier: Tier): Promise<Availability>;
  /** Files the handoff's ticket (kind `handoff`, with the transcript) and puts the customer in the queue. */
  start(context: TurnContext, options: FilingOptions): Promise<{ handoff: Handoff; waitMinutes: number | undefined }>;
}

/** Says why live chat is not offered, when the customer should know (nothing when the tier has no live chat at all). */
export async function explainUnavailable(context: TurnContext, availability: Availability, tier: Tier, texts: Texts, hours: { text: string; timeZone: string }): Promise<void> {
  if (availability.available) return;
  const team = texts.tierTeams[tier];
  if (availability.reason === 'outside_hours') await context.sendActivity(texts.liveChatOutsideHours(team, hours.text, hours.timeZone));
  else if (availability.reason === 'nobody_available' || availability.reason === 'queue_full') await context.sendActivity(texts.liveChatNobodyFree(team));
}

/**
 * Offers a live chat with an agent of the chosen tier (only started when one can take it now).
 * Yes → the handoff's ticket is filed and the customer queued; from then on the bot relays
 * instead of answering (src/handoff/customer-router.ts). No → the usual ticket or callback.
 */
export class HandoffDialog extends ComponentDialog {
  constructor(
    private readonly desk: LiveChatDesk,
    private readonly hours: { text: string; timeZone: string },
  ) {
    super(HANDOFF_DIALOG);
    this.addDialog(new LooseChoicePrompt(OFFER_PROMPT));
    this.addDialog(new WaterfallDialog(`${HANDOFF_DIALOG}.steps`, [this.offerStep.bind(this), this.decideStep.bind(this)]));
    this.initialDialogId = `${HANDOFF_DIALOG}.steps`;
  }

  private async offerStep(step: WaterfallStepContext<FilingOptions>): Promise<DialogTurnResult> {
    const texts = turnTexts(step.context);
    const tier = step.options.classification.tier;
    return step.prompt(OFFER_PROMPT, {
      prompt: texts.liveChatOffer(texts.tierTeams[tier]),
      retryPrompt: texts.liveChatOffer(texts.tierTeams[tier]),
      choices: [
        { value: texts.liveChatYes, synonyms: texts.liveChatYesWords },
        { value: tier === 'L2' ? texts.liveChatCallbackInstead : texts.liveChatTicketInstead, synonyms: texts.liveChatNoWords },
      ],
      // Buttons in a card on every channel: the titles are longer than the 20 characters up to
      // which botbuilder shows suggested actions, and its fallback is a numbered text list.
      style: ListStyle.heroCard,
    });
  }

  private async decideStep(step: WaterfallStepContext<FilingOptions>): Promise<DialogTurnResult> {
    const options = step.options;
    const tier = options.classification.tier;
    const fallback = tier === 'L2' ? CALLBACK_DIALOG : TICKET_DIALOG;
    if ((step.result as FoundChoice).index !== 0) return step.replaceDialog(fallback, options);
    const texts = turnTexts(step.context);
    // Someone may have gone away while the customer read the offer: check again.
    const availability = await this.desk.availability(tier);
    if (!availability.available) {
      await explainUnavailable(step.context, availability, tier, texts, this.hours);
      return step.replaceDialog(fallback, options);
    }
    const { handoff, waitMinutes } = await this.desk.start(step.context, options);
    // A button to leave the queue where the channel shows suggested actions; typing "cancel" works everywhere.
    const leave = texts.liveChatLeaveWords[0] ?? 'cancel';
    await step.context.sendActivity(MessageFactory.suggestedActions([{ type: 'imBack', title: texts.cancel, value: leave }], texts.liveChatQueued(handoff.position ?? 1, texts.tierTeams[tier], waitMinutes)));
    return step.endDialog();
  }
}
