import {
  ComponentDialog,
  TextPrompt,
  WaterfallDialog,
  type DialogTurnResult,
  type FoundChoice,
  type PromptValidatorContext,
  type WaterfallStepContext,
} from 'botbuilder-dialogs';
import { z } from 'zod';
import { formatDateTime } from '../src/i18n/format.js';
import { turnTexts } from '../src/language/turn-language.js';
import { LooseChoicePrompt } from './loose-choice-prompt.js';
import { linkFollowUp, subjectFrom, ticketFromConversation, type DeskDependencies, type FilingOptions } from './desk.js';

export const TICKET_DIALOG = 'ticket';
const EMAIL_PROMPT = 'ticket.email';
/** The ticket review offers its own Cancel button, so a typed "cancel" there is that button. */
export const REVIEW_PROMPT = 'ticket.review';
const SUMMARY_PROMPT = 'ticket.summary';

const emailSchema = z.email();

interface TicketState extends FilingOptions {
  email?: string;
}

/**
 * Files a ticket (L1, and L3/L4 under their SLA): asks for an email address unless it is known,
 * shows the summary so the customer can file, edit or cancel, then replies with the reference
 * and what happens next.
 */
export class TicketDialog extends ComponentDialog {
  constructor(private readonly deps: DeskDependencies) {
    super(TICKET_DIALOG);
    this.addDialog(new TextPrompt(EMAIL_PROMPT, async (prompt: PromptValidatorContext<string>) => emailSchema.safeParse(prompt.recognized.value?.trim()).success));
    this.addDialog(new LooseChoicePrompt(REVIEW_PROMPT));
    this.addDialog(new TextPrompt(SUMMARY_PROMPT, async (prompt: PromptValidatorContext<string>) => (prompt.recognized.value ?? '').trim().length >= 3));
    this.addDialog(
      new WaterfallDialog(`${TICKET_DIALOG}.steps`, [
        this.emailStep.bind(this),
        this.reviewStep.bind(this),
        this.actStep.bind(this),
        this.editedStep.bind(this),
      ]),
    );
    this.initialDialogId = `${TICKET_DIALOG}.steps`;
  }

  private async emailStep(step: WaterfallStepContext<TicketState>): Promise<DialogTurnResult> {
    const known = step.options.email ?? (await this.deps.profile.get(step.context, {})).email;
    if (known !== undefined) return step.next(known);
    const texts = turnTexts(step.context);
    return step.prompt(EMAIL_PROMPT, { prompt: texts.askEmail, retryPrompt: texts.invalidEmail });
  }

  private async reviewStep(step: WaterfallStepContext<TicketState>): Promise<DialogTurnResult> {
    const email = (step.result as string).trim();
    step.options.email = email;
    const profile = await this.deps.profile.get(step.context, {});
    await this.deps.profile.set(step.context, { ...profile, email });
    const texts = turnTexts(step.context);
    const summary = subjectFrom(step.options.summary ?? step.options.question);
    return step.prompt(REVIEW_PROMPT, {
      prompt: texts.ticketReview(summary, email, texts.tierTeams[step.options.classification.tier]),
      retryPrompt: texts.ticketReview(summary, email, texts.tierTeams[step.options.classification.tier]),
      choices: [
        { value: texts.fileTicket, synonyms: texts.fileTicketWords },
        { value: texts.editSummary, synonyms: texts.editSummaryWords },
        { value: texts.cancel, synonyms: texts.cancelTicketWords },
      ],
    });
  }

  private async actStep(step: WaterfallStepContext<TicketState>): Promise<DialogTurnResult> {
    const texts = turnTexts(step.context);
    switch ((step.result as FoundChoice).index) {
      case 0:
        return this.file(step);
      case 1:
        return step.prompt(SUMMARY_PROMPT, { prompt: texts.askSummary, retryPrompt: texts.askSummary });
      default:
        await step.context.sendActivity(texts.ticketCancelled);
        return step.endDialog();
    }
  }

  private async editedStep(step: WaterfallStepContext<TicketState>): Promise<DialogTurnResult> {
    return step.replaceDialog(TICKET_DIALOG, { ...step.options, summary: (step.result as string).trim() });
  }

  private async file(step: WaterfallStepContext<TicketState>): Promise<DialogTurnResult> {
    const { context } = step;
    const texts = turnTexts(context);
    const email = step.options.email!;
    const input = await ticketFromConversation(context, this.deps, 'ticket', step.options, { email });
    const ticket = await this.deps.tickets.create(input);
    await linkFollowUp(this.deps, step.options, ticket);
    const zone = this.deps.slots.hours.timeZone;
    const due = `${formatDateTime(ticket.dueAt, zone, texts)} (${zone})`;
    const tier = ticket.tier;
    let reply = texts.ticketFiled(ticket.reference, texts.tierTeams[tier], email, due);
    if (tier === 'L4') reply += ` ${texts.vendorNote}`;
    await context.sendActivity(reply);
    return step.endDialog(ticket);
  }
}
