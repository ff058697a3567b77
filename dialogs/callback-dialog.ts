import { ActionTypes, CardFactory, MessageFactory } from 'botbuilder';
import { ComponentDialog, TextPrompt, WaterfallDialog, type DialogTurnResult, type PromptValidatorContext, type WaterfallStepContext } from 'botbuilder-dialogs';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { DateTime } from 'luxon';
import type { Texts } from '../src/i18n/texts.js';
import { turnTexts } from '../src/language/turn-language.js';
import { checkSlot, formatSlot, parseSlotInput, slotAt, upcomingSlots, type Slot } from '../src/tickets/callback-slots.js';
import { supportsCards } from './cards.js';
import { ticketFromConversation, type DeskDependencies, type FilingOptions } from './desk.js';

export const CALLBACK_DIALOG = 'callback';
const PHONE_PROMPT = 'callback.phone';
const SLOT_PROMPT = 'callback.slot';

/** A phone number in international (E.164) form, or undefined when it is not a valid number. */
export function normalisePhone(text: string): string | undefined {
  const phone = parsePhoneNumberFromString(text.trim());
  return phone?.isValid() ? phone.number : undefined;
}

interface CallbackState extends FilingOptions {
  phone?: string;
}

/**
 * L2: books a technician's callback. Validates the phone number (international format), offers
 * slots inside business hours (time-zone aware), refuses past / out-of-hours / too-distant
 * times with the reason, then files a callback ticket and confirms the slot.
 */
export class CallbackDialog extends ComponentDialog {
  constructor(private readonly deps: DeskDependencies) {
    super(CALLBACK_DIALOG);
    this.addDialog(new TextPrompt(PHONE_PROMPT, async (prompt: PromptValidatorContext<string>) => normalisePhone(prompt.recognized.value ?? '') !== undefined));
    this.addDialog(new TextPrompt(SLOT_PROMPT, this.validateSlot.bind(this)));
    this.addDialog(new WaterfallDialog(`${CALLBACK_DIALOG}.steps`, [this.phoneStep.bind(this), this.slotStep.bind(this), this.fileStep.bind(this)]));
    this.initialDialogId = `${CALLBACK_DIALOG}.steps`;
  }

  private async phoneStep(step: WaterfallStepContext<CallbackState>): Promise<DialogTurnResult> {
    const known = (await this.deps.profile.get(step.context, {})).phone;
    if (known !== undefined) return step.next(known);
    const texts = turnTexts(step.context);
    return step.prompt(PHONE_PROMPT, { prompt: texts.askPhone, retryPrompt: texts.invalidPhone });
  }

  private async slotStep(step: WaterfallStepContext<CallbackState>): Promise<DialogTurnResult> {
    const phone = normalisePhone(step.result as string)!;
    step.options.phone = phone;
    const profile = await this.deps.profile.get(step.context, {});
    await this.deps.profile.set(step.context, { ...profile, phone });
    const prompt = this.slotCard(turnTexts(step.context), step.context.activity.channelId);
    return step.prompt(SLOT_PROMPT, { prompt, retryPrompt: prompt });
  }

  private async fileStep(step: WaterfallStepContext<CallbackState>): Promise<DialogTurnResult> {
    const { context } = step;
    const texts = turnTexts(context);
    const { timeZone } = this.deps.slots.hours;
    const slot = slotAt(parseSlotInput(step.result as string, timeZone)!, this.deps.slots);
    const phone = step.options.phone!;
    const email = (await this.deps.profile.get(context, {})).email;
    const input = await ticketFromConversation(context, this.deps, 'callback', step.options, { phone, ...(email ? { email } : {}) }, {
      phone,
      slotStart: slot.start,
      slotEnd: slot.end,
      timeZone,
    });
    const ticket = await this.deps.tickets.create(input);
    await context.sendActivity(texts.callbackFiled(ticket.reference, phone, formatSlot(slot, timeZone, texts.dateLocale), timeZone));
    return step.endDialog(ticket);
  }

  /** Accepts a bookable time; otherwise tells the customer exactly why not (then re-offers slots). */
  private async validateSlot(prompt: PromptValidatorContext<string>): Promise<boolean> {
    const texts = turnTexts(prompt.context);
    const { timeZone } = this.deps.slots.hours;
    const start = parseSlotInput(prompt.recognized.value ?? '', timeZone);
    if (start === undefined) {
      await prompt.context.sendActivity(texts.slotUnreadable);
      return false;
    }
    const verdict = checkSlot(start, this.deps.slots, this.deps.now());
    if (verdict === 'ok') return true;
    const reason = {
      past: texts.slotPast,
      'outside-hours': texts.slotOutsideHours(this.deps.businessHours, timeZone),
      'too-far': texts.slotTooFar(this.deps.slots.daysAhead),
    }[verdict];
    await prompt.context.sendActivity(reason);
    return false;
  }

  /** Slot buttons send the time as text, so clicking and typing take the same path. */
  private slotCard(texts: Texts, channelId: string) {
    const { timeZone } = this.deps.slots.hours;
    const slots: Slot[] = upcomingSlots(this.deps.slots, this.deps.now());
    const typed = (slot: Slot) => DateTime.fromISO(slot.start, { zone: timeZone }).toFormat('yyyy-MM-dd HH:mm');
    if (!supportsCards(channelId)) {
      return MessageFactory.text(`${texts.askSlot(timeZone)}\n${slots.map((slot) => `- ${typed(slot)} (${formatSlot(slot, timeZone, texts.dateLocale)})`).join('\n')}`);
    }
    const buttons = slots.map((slot) => ({ type: ActionTypes.ImBack, title: formatSlot(slot, timeZone, texts.dateLocale), value: typed(slot) }));
    return MessageFactory.attachment(CardFactory.heroCard('', texts.askSlot(timeZone), undefined, buttons));
  }
}
