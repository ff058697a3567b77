import { ComponentDialog, WaterfallDialog, type DialogTurnResult, type FoundChoice, type WaterfallStepContext } from 'botbuilder-dialogs';
import { turnLanguage, turnTexts } from '../src/language/turn-language.js';
import type { Classification } from '../src/tickets/ticket.js';
import { TIERS } from '../src/tiers/tier-scoring.js';
import { CALLBACK_DIALOG, CallbackDialog } from './callback-dialog.js';
import { LooseChoicePrompt } from './loose-choice-prompt.js';
import type { DeskDependencies, EscalationOptions, FilingOptions } from './desk.js';
import { explainUnavailable, HANDOFF_DIALOG, HandoffDialog } from './handoff-dialog.js';
import { TICKET_DIALOG, TicketDialog } from './ticket-dialog.js';

export const ESCALATION_DIALOG = 'escalation';
const TIER_PROMPT = 'escalation.tier';

/** Escalation options; a preset classification (e.g. "call me back") skips classifying. */
export interface EscalationState extends EscalationOptions {
  classification?: Classification;
}

/**
 * When level 0 cannot answer: classify the request into a tier (rules, then the model); if the
 * classifier abstains, ask one clarifying question with the four kinds of help as buttons. Then
 * L2 books a callback and every other tier files a ticket.
 */
export class EscalationDialog extends ComponentDialog {
  constructor(private readonly deps: DeskDependencies) {
    super(ESCALATION_DIALOG);
    this.addDialog(new LooseChoicePrompt(TIER_PROMPT));
    this.addDialog(new TicketDialog(deps));
    this.addDialog(new CallbackDialog(deps));
    if (deps.liveChat) this.addDialog(new HandoffDialog(deps.liveChat, { text: deps.businessHours, timeZone: deps.timeZone ?? 'UTC' }));
    this.addDialog(
      new WaterfallDialog(`${ESCALATION_DIALOG}.steps`, [this.classifyStep.bind(this), this.choiceStep.bind(this), this.fileStep.bind(this)]),
    );
    this.initialDialogId = `${ESCALATION_DIALOG}.steps`;
  }

  private async classifyStep(step: WaterfallStepContext<EscalationState>): Promise<DialogTurnResult> {
    const state = step.options;
    if (state.classification !== undefined) return step.next();
    const routing = await this.deps.classify(state.question, turnLanguage(step.context).language);
    if (routing?.kind === 'tier') {
      state.classification = routing.classification;
      return step.next();
    }
    const texts = turnTexts(step.context);
    return step.prompt(TIER_PROMPT, {
      prompt: texts.tierQuestion,
      retryPrompt: texts.tierQuestion,
      // Shown as buttons where the channel has them, as a numbered list elsewhere; matched by index.
      choices: TIERS.map((tier) => ({ value: texts.tierChoices[tier], synonyms: texts.tierChoiceWords[tier] })),
    });
  }

  private async choiceStep(step: WaterfallStepContext<EscalationState>): Promise<DialogTurnResult> {
    const state = step.options;
    if (state.classification === undefined) {
      const chosen = TIERS[(step.result as FoundChoice).index]!;
      const routing = await this.deps.classify(state.question, turnLanguage(step.context).language);
      const numbers = routing?.kind === 'ask' ? routing.decision : undefined;
      state.classification = {
        tier: chosen,
        source: 'customer',
        score: numbers?.scores[chosen] ?? 0,
        margin: numbers?.margin ?? 0,
        scores: numbers?.scores ?? {},
      };
    }
    return step.next();
  }

  private async fileStep(step: WaterfallStepContext<EscalationState>): Promise<DialogTurnResult> {
    const { question, articlesTried, classification, followsUpLiveChat } = step.options;
    const options: FilingOptions = { question, articlesTried, classification: classification!, ...(followsUpLiveChat ? { followsUpLiveChat } : {}) };
    // After a live chat that ended unattended, the customer already heard why: straight to the ticket / callback.
    if (this.deps.liveChat && followsUpLiveChat === undefined) {
      // A person of that tier, live, when one can take it now; otherwise say so and file as before.
      const availability = await this.deps.liveChat.availability(classification!.tier);
      if (availability.available) return step.replaceDialog(HANDOFF_DIALOG, options);
      const texts = turnTexts(step.context);
      await explainUnavailable(step.context, availability, classification!.tier, texts, { text: this.deps.businessHours, timeZone: this.deps.timeZone ?? 'UTC' });
    }
    return step.replaceDialog(classification!.tier === 'L2' ? CALLBACK_DIALOG : TICKET_DIALOG, options);
  }
}
