import type { StatePropertyAccessor, TurnContext } from 'botbuilder';
import { ComponentDialog, DialogTurnStatus, WaterfallDialog, type DialogContext, type DialogTurnResult, type WaterfallStepContext } from 'botbuilder-dialogs';
import type { KnowledgeState } from '../src/knowledge/knowledge-service.js';
import type { ScoredArticle } from '../src/search/answer-decision.js';
import { EmbeddingQueueFullError } from '../src/search/embedding-batcher.js';
import { EmbeddingWorkerError } from '../src/search/embedding-workers.js';
import type { FeedbackStore } from '../src/storage/feedback-store.js';
import type { UnmatchedQuestionStore } from '../src/gaps/unmatched-question-store.js';
import { allTexts, type Texts } from '../src/i18n/texts.js';
import { turnTexts } from '../src/language/turn-language.js';
import { parseCardAction, type CardAction } from './card-actions.js';
import { answerActivity, didYouMeanActivity } from './cards.js';
import type { DeskDependencies, EscalationOptions } from './desk.js';
import { ESCALATION_DIALOG, EscalationDialog, type EscalationState } from './escalation-dialog.js';
import { recogniseInterruption, recogniseSmallTalk } from './interruptions.js';
import { matchChoice, mentionsPhrase, phraseCoverage, yesOrNo } from './loose-match.js';
import { REVIEW_PROMPT } from './ticket-dialog.js';
import { mentionedReference, replyWithTicketStatus } from './ticket-status.js';

export const MAIN_DIALOG = 'main';
const ROUTE = 'main.route';
/** Dialogs (and their prompts, "ticket.email", the live-chat offer "handoff" …) where cancel / start over / help / human interrupt. */
const INTERRUPTIBLE = new Set(['escalation', 'handoff', 'ticket', 'callback']);

/** Ids of the active dialog and of every active dialog nested in it, outermost first. */
function activeDialogIds(dc: DialogContext): string[] {
  const ids: string[] = [];
  for (let current: DialogContext | undefined = dc; current?.activeDialog !== undefined; current = current.child) ids.push(current.activeDialog.id);
  return ids;
}

/**
 * What the bot asked last, so customers on text-only channels can answer "yes", "2" or "none"
 * instead of clicking a button.
 */
export type PendingQuestion =
  | { kind: 'feedback'; articleId: string; question: string }
  | { kind: 'choices'; articleIds: string[]; question: string; /** As shown, so a typed title or part of one picks it. */ titles?: string[] };

/** What level 0 tried for the latest question; kept for the ticket so staff see it. */
export interface SelfHelpAttempt {
  question: string;
  ranked: ScoredArticle[];
}

export interface MainDialogDependencies {
  knowledge: () => KnowledgeState;
  desk: DeskDependencies;
  feedback: FeedbackStore;
  /** Records "none of these" answers to did-you-mean for the content-gap report (optional in tests). */
  unmatched?: UnmatchedQuestionStore;
  pending: StatePropertyAccessor<PendingQuestion | undefined>;
  lastAttempt: StatePropertyAccessor<SelfHelpAttempt | undefined>;
}

/**
 * Routes one customer message: a button payload (feedback, did-you-mean pick) or a question for
 * level 0. When level 0 is not confident it escalates instead of guessing.
 */
export class MainDialog extends ComponentDialog {
  constructor(private readonly deps: MainDialogDependencies) {
    super(MAIN_DIALOG);
    this.addDialog(new EscalationDialog(deps.desk));
    this.addDialog(new WaterfallDialog(ROUTE, [this.routeStep.bind(this)]));
    this.initialDialogId = ROUTE;
  }

  /**
   * The interruption layer: "cancel", "start over", "help" and "talk to a human" work at every
   * prompt of the escalation, ticket and callback dialogs (all run inside this component). Other
   * dialogs (e.g. a live chat) handle their own words and are not interrupted.
   */
  protected override async onContinueDialog(innerDc: DialogContext): Promise<DialogTurnResult> {
    const { context } = innerDc;
    const texts = turnTexts(context);
    const interruptible = context.activity.value === undefined && activeDialogIds(innerDc).every((id) => INTERRUPTIBLE.has(id.split('.')[0]!));
    let command = interruptible ? recogniseInterruption(context.activity.text, texts) : undefined;
    if (command === 'cancel' && activeDialogIds(innerDc).at(-1) === REVIEW_PROMPT) command = undefined;
    switch (command) {
      case undefined:
        return super.onContinueDialog(innerDc);
      case 'help':
        await context.sendActivity(texts.helpText);
        await innerDc.repromptDialog();
        return { status: DialogTurnStatus.waiting };
      case 'human':
        // Same entry point as a "talk to a human" message outside a prompt: the route step.
        await innerDc.cancelAllDialogs();
        return innerDc.beginDialog(ROUTE);
      case 'start-over':
        await innerDc.cancelAllDialogs();
        await this.deps.lastAttempt.delete(context);
        await context.sendActivity(texts.startedOver);
        return { status: DialogTurnStatus.complete };
      case 'cancel':
        await innerDc.cancelAllDialogs();
        await context.sendActivity(texts.cancelled);
        return { status: DialogTurnStatus.complete };
    }
  }

  private async routeStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const { context } = step;
    // Begun with a live chat's follow-up (src/bot/tierdesk-bot.ts): the ticket / callback dialog, not this message.
    const followUp = step.options as EscalationState | undefined;
    if (followUp?.followsUpLiveChat !== undefined) return step.replaceDialog(ESCALATION_DIALOG, followUp);
    const texts = turnTexts(context);
    const pending = await this.deps.pending.get(context);
    await this.deps.pending.delete(context);
    const action = parseCardAction(context.activity.value) ?? typedReplyToAction(context.activity.text, pending, texts);
    if (action !== undefined) return this.handleAction(step, action, texts);

    const question = (context.activity.text ?? '').trim();
    if (question === '') {
      await context.sendActivity(texts.emptyMessage);
      return step.endDialog();
    }
    const reference = mentionedReference(question);
    if (reference !== undefined) {
      await replyWithTicketStatus(context, this.deps.desk, reference);
      return step.endDialog();
    }
    const command = recogniseInterruption(question, texts);
    if (command === 'cancel' || command === 'start-over') {
      await this.deps.lastAttempt.delete(context);
      await context.sendActivity(command === 'cancel' ? texts.cancelled : texts.startedOver);
      return step.endDialog();
    }
    if (command === 'help') {
      await context.sendActivity(texts.helpText);
      return step.endDialog();
    }
    const smallTalk = recogniseSmallTalk(question, texts, allTexts);
    if (smallTalk !== undefined) {
      await context.sendActivity(texts.smallTalkReplies[smallTalk]);
      return step.endDialog();
    }
    if (mentionsPhrase(question, texts.callbackWords)) {
      const options: EscalationState = {
        question,
        articlesTried: [],
        classification: { tier: 'L2', source: 'customer', score: 1, margin: 1, scores: {} },
      };
      return step.replaceDialog(ESCALATION_DIALOG, options);
    }
    if (command === 'human' || mentionsPhrase(question, texts.humanWords)) {
      // "Talk to a human" is about the question self-help could not answer, if there was one.
      return this.escalate(step, undefined);
    }
    return this.answerQuestion(step, question, texts);
  }

  private async handleAction(step: WaterfallStepContext, action: CardAction, texts: Texts): Promise<DialogTurnResult> {
    const { context } = step;
    switch (action.action) {
      case 'feedback': {
        await this.deps.feedback.record({
          conversationId: context.activity.conversation.id,
          channelId: context.activity.channelId,
          articleId: action.articleId,
          question: action.question,
          helpful: action.helpful,
        });
        if (action.helpful) {
          await context.sendActivity(texts.thanksForFeedback);
          return step.endDialog();
        }
        await context.sendActivity(texts.sorryNotHelpful);
        return this.escalate(step, action.question);
      }
      case 'pick-article': {
        const search = this.readySearch();
        const article = search?.article(action.articleId, texts.language);
        if (article === undefined) {
          await context.sendActivity(texts.choiceExpired);
          return step.endDialog();
        }
        await this.sendAnswer(context, article.id, action.question, texts, article.language);
        return step.endDialog();
      }
      case 'none-of-these': {
        const last = await this.deps.lastAttempt.get(context);
        await this.deps.unmatched?.record({
          conversationId: context.activity.conversation.id,
          channelId: context.activity.channelId,
          question: action.question,
          offered: last?.question === action.question ? last.ranked.slice(0, 3).map((a) => a.articleId) : [],
        });
        return this.escalate(step, action.question);
      }
    }
  }

  private async answerQuestion(step: WaterfallStepContext, question: string, texts: Texts): Promise<DialogTurnResult> {
    const { context } = step;
    const state = this.deps.knowledge();
    if (state.state === 'loading') {
      await context.sendActivity(texts.knowledgeLoading);
      return step.endDialog();
    }
    if (state.state === 'failed') {
      await context.sendActivity(texts.knowledgeUnavailable);
      return this.escalate(step, question);
    }
    // Searched in the conversation's language; another language's article only when it alone fits.
    let found: Awaited<ReturnType<typeof state.search.answer>>;
    try {
      found = await state.search.answer(question, texts.language);
    } catch (error) {
      // The model thread is gone (it kept crashing and is no longer restarted): the question goes
      // to a person, as when the knowledge could not be loaded, instead of failing the turn.
      if (error instanceof EmbeddingWorkerError) {
        await context.sendActivity(texts.knowledgeUnavailable);
        return this.escalate(step, question);
      }
      // Overload: the model's queue is full. Say so at once instead of failing the turn after a long wait.
      if (!(error instanceof EmbeddingQueueFullError)) throw error;
      await context.sendActivity(texts.tooBusy);
      return step.endDialog();
    }
    const { decision, ranked } = found;
    await this.deps.lastAttempt.set(context, { question, ranked });
    switch (decision.kind) {
      case 'answer':
        await this.sendAnswer(context, decision.article.articleId, question, texts, decision.article.language);
        return step.endDialog();
      case 'did-you-mean': {
        const articles = decision.candidates.flatMap((c) => state.search.article(c.articleId, c.language ?? texts.language) ?? []);
        await context.sendActivity(didYouMeanActivity(articles, question, texts, context.activity.channelId));
        await this.deps.pending.set(context, { kind: 'choices', articleIds: articles.map((a) => a.id), question, titles: articles.map((a) => a.title) });
        return step.endDialog();
      }
      case 'not-confident':
        await context.sendActivity(texts.notConfident);
        return this.escalate(step, question);
    }
  }

  /** `language`: the version to show (the customer's when it exists; cards.ts notes any other). */
  private async sendAnswer(context: TurnContext, articleId: string, question: string, texts: Texts, language = texts.language): Promise<void> {
    const article = this.readySearch()?.article(articleId, language);
    if (article === undefined) return;
    await context.sendActivity(answerActivity(article, question, texts, context.activity.channelId));
    await this.deps.pending.set(context, { kind: 'feedback', articleId, question });
  }

  /** The next step when self-help cannot answer: classify the tier and file / book / hand off. */
  private async escalate(step: WaterfallStepContext, question: string | undefined): Promise<DialogTurnResult> {
    const last = await this.deps.lastAttempt.get(step.context);
    const asked = question ?? last?.question ?? (step.context.activity.text ?? '').trim();
    const options: EscalationOptions = { question: asked, articlesTried: last?.question === asked ? last.ranked : [] };
    return step.replaceDialog(ESCALATION_DIALOG, options);
  }

  private readySearch() {
    const state = this.deps.knowledge();
    return state.state === 'ready' ? state.search : undefined;
  }
}

/** Interprets a typed "yes please" / "the second one" / "none" as the answer to the bot's last question. */
export function typedReplyToAction(text: string | undefined, pending: PendingQuestion | undefined, texts: Texts): CardAction | undefined {
  if (pending === undefined || text === undefined) return undefined;
  if (pending.kind === 'feedback') {
    const answer = yesOrNo(text, texts);
    if (answer === undefined) return undefined;
    return { action: 'feedback', articleId: pending.articleId, helpful: answer === 'yes', question: pending.question };
  }
  if (phraseCoverage(text, texts.noneWords, texts.fillerWords) > 0) return { action: 'none-of-these', question: pending.question };
  const index = matchChoice(text, pending.articleIds.map((id, i) => ({ title: pending.titles?.[i] ?? id.replace(/-/g, ' ') })), texts);
  const chosen = index === undefined ? undefined : pending.articleIds[index];
  return chosen === undefined ? undefined : { action: 'pick-article', articleId: chosen, question: pending.question };
}
