import { ActionTypes, CardFactory, MessageFactory } from 'botbuilder';
import { ComponentDialog, TextPrompt, WaterfallDialog, type DialogTurnResult, type PromptValidatorContext, type WaterfallStepContext } from 'botbuilder-dialogs';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { DateTime } from 'luxon';
import { formatSlotRange, localiseWeekdays } from '../src/i18n/format.js';
import type { Texts } from '../src/i18n/texts.js';
import { turnTexts } from '../src/language/turn-language.js';
import { checkSlot, parseSlotInput, slotAt, upcomingSlots, type Slot } from '../src/tickets/callback-slots.js';
import { supportsCards } from './cards.js';
import { ordinalChoice } from './loose-match.js';
import { linkFollowUp, ticketFromConversation, type DeskDependencies, type FilingOptions } from './desk.js';

export const CALLBACK_DIALOG = 'callback';
const PHONE_PROMPT = 'callback.phone';
const SLOT_PROMPT = 'callback.slot';

/**
 * A phone number in international (E.164) form, or undefined when it is not a valid number. A
 * number typed without +country code is read as one of `country` (the conversation's language's
 * country, e.g. BR for "(11) 91234-5678"), when there is one.
 */
export function normalisePhone(text: string, country?: string): string | undefined {
  const phone = parsePhoneNumberFromString(text.trim(), country ? (country as CountryCode) : undefined);
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
    this.addDialog(
      new TextPrompt(
        PHONE_PROMPT,
        async (prompt: PromptValidatorContext<string>) => normalisePhone(prompt.recognized.value ?? '', turnTexts(prompt.context).phoneCountry) !== undefined,
      ),
    );
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
    const phone = normalisePhone(step.result as string, turnTexts(step.context).phoneCountry)!;
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
    const slot = slotAt(this.readSlot(step.result as string, texts)!, this.deps.slots);
    const phone = step.options.phone!;
    const email = (await this.deps.profile.get(context, {})).email;
    const input = await ticketFromConversation(context, this.deps, 'callback', step.options, { phone, ...(email ? { email } : {}) }, {
      phone,
      slotStart: slot.start,
      slotEnd: slot.end,
      timeZone,
    });
    const ticket = await this.deps.tickets.create(input);
    await linkFollowUp(this.deps, step.options, ticket);
    await context.sendActivity(texts.callbackFiled(ticket.reference, phone, formatSlotRange(slot, timeZone, texts), timeZone));
    return step.endDialog(ticket);
  }

  /** Accepts a bookable time; otherwise tells the customer exactly why not (then re-offers slots). */
  private async validateSlot(prompt: PromptValidatorContext<string>): Promise<boolean> {
    const texts = turnTexts(prompt.context);
    const start = this.readSlot(prompt.recognized.value ?? '', texts);
    if (start === undefined) {
      await prompt.context.sendActivity(texts.slotUnreadable);
      return false;
    }
    const verdict = checkSlot(start, this.deps.slots, this.deps.now());
    if (verdict === 'ok') return true;
    const reason = {
      past: texts.slotPast,
      'outside-hours': texts.slotOutsideHours(localiseWeekdays(this.deps.businessHours, texts.dateLocale), this.deps.slots.hours.timeZone),
      'too-far': texts.slotTooFar(this.deps.slots.daysAhead),
    }[verdict];
    await prompt.context.sendActivity(reason);
    return false;
  }

  /**
   * A typed time ("2026-12-01 10:00", "01.12.2026 10:00", "01/12/2026 10:00") or one of the offered
   * slots by position ("the first one", "2", "druga", "a segunda").
   */
  private readSlot(text: string, texts: Texts): Date | undefined {
    const { timeZone } = this.deps.slots.hours;
    const typed = parseSlotInput(text, timeZone) ?? parseDayFirstSlash(text, timeZone);
    if (typed !== undefined) return typed;
    const offered = upcomingSlots(this.deps.slots, this.deps.now());
    const index = ordinalChoice(text, offered.length, texts);
    return index === undefined ? undefined : new Date(offered[index]!.start);
  }

  /** Slot buttons send the time as text, so clicking and typing take the same path. */
  private slotCard(texts: Texts, channelId: string) {
    const { timeZone } = this.deps.slots.hours;
    const slots: Slot[] = upcomingSlots(this.deps.slots, this.deps.now());
    const typed = (slot: Slot) => DateTime.fromISO(slot.start, { zone: timeZone }).toFormat('yyyy-MM-dd HH:mm');
    if (!supportsCards(channelId)) {
      return MessageFactory.text(`${texts.askSlot(timeZone)}\n${slots.map((slot) => `- ${typed(slot)} (${formatSlotRange(slot, timeZone, texts)})`).join('\n')}`);
    }
    const buttons = slots.map((slot) => ({ type: ActionTypes.ImBack, title: formatSlotRange(slot, timeZone, texts), value: typed(slot) }));
    return MessageFactory.attachment(CardFactory.heroCard('', texts.askSlot(timeZone), undefined, buttons));
  }
}

/** "01/12/2026 10:00" as written in Brazil and Poland (day first). */
function parseDayFirstSlash(text: string, timeZone: string): Date | undefined {
  for (const format of ['dd/MM/yyyy HH:mm', 'd/M/yyyy H:mm', "dd/MM/yyyy 'às' HH:mm"]) {
    const parsed = DateTime.fromFormat(text.trim(), format, { zone: timeZone });
    if (parsed.isValid) return parsed.toJSDate();
  }
  return undefined;
}
