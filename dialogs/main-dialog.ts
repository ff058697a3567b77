import type { StatePropertyAccessor, TurnContext } from 'botbuilder';
import { ComponentDialog, WaterfallDialog, type DialogTurnResult, type WaterfallStepContext } from 'botbuilder-dialogs';
import type { KnowledgeState } from '../src/knowledge/knowledge-service.js';
import type { ScoredArticle } from '../src/search/answer-decision.js';
import type { FeedbackStore } from '../src/storage/feedback-store.js';
import type { Texts } from '../src/i18n/texts.js';
import { turnTexts } from '../src/language/turn-language.js';
import { parseCardAction, type CardAction } from './card-actions.js';
import { answerActivity, didYouMeanActivity } from './cards.js';
import type { DeskDependencies, EscalationOptions } from './desk.js';
import { ESCALATION_DIALOG, EscalationDialog, type EscalationState } from './escalation-dialog.js';
import { mentionedReference, replyWithTicketStatus } from './ticket-status.js';

export const MAIN_DIALOG = 'main';
const ROUTE = 'main.route';

/**
 * What the bot asked last, so customers on text-only channels can answer "yes", "2" or "none"
 * instead of clicking a button.
 */
export type PendingQuestion =
  | { kind: 'feedback'; articleId: string; question: string }
  | { kind: 'choices'; articleIds: string[]; question: string };

/** What level 0 tried for the latest question; kept for the ticket so staff see it. */
export interface SelfHelpAttempt {
  question: string;
  ranked: ScoredArticle[];
}

export interface MainDialogDependencies {
  knowledge: () => KnowledgeState;
  desk: DeskDependencies;
  feedback: FeedbackStore;
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

  private async routeStep(step: WaterfallStepContext): Promise<DialogTurnResult> {
    const { context } = step;
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
    const asked = question.toLowerCase();
    if (texts.callbackWords.some((words) => asked.includes(words))) {
      const options: EscalationState = {
        question,
        articlesTried: [],
        classification: { tier: 'L2', source: 'customer', score: 1, margin: 1, scores: {} },
      };
      return step.replaceDialog(ESCALATION_DIALOG, options);
    }
    if (texts.humanWords.some((words) => new RegExp(`\\b${words}\\b`).test(asked))) {
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
        const article = search?.article(action.articleId);
        if (article === undefined) {
          await context.sendActivity(texts.choiceExpired);
          return step.endDialog();
        }
        await this.sendAnswer(context, article.id, action.question, texts);
        return step.endDialog();
      }
      case 'none-of-these':
        return this.escalate(step, action.question);
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
    const { decision, ranked } = await state.search.answer(question);
    await this.deps.lastAttempt.set(context, { question, ranked });
    switch (decision.kind) {
      case 'answer':
        await this.sendAnswer(context, decision.article.articleId, question, texts);
        return step.endDialog();
      case 'did-you-mean': {
        const articles = decision.candidates.flatMap((c) => state.search.article(c.articleId) ?? []);
        await context.sendActivity(didYouMeanActivity(articles, question, texts, context.activity.channelId));
        await this.deps.pending.set(context, { kind: 'choices', articleIds: articles.map((a) => a.id), question });
        return step.endDialog();
      }
      case 'not-confident':
        await context.sendActivity(texts.notConfident);
        return this.escalate(step, question);
    }
  }

  private async sendAnswer(context: TurnContext, articleId: string, question: string, texts: Texts): Promise<void> {
    const article = this.readySearch()?.article(articleId);
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

/** Interprets a typed "yes" / "2" / "none" as the answer to the bot's last question. */
export function typedReplyToAction(text: string | undefined, pending: PendingQuestion | undefined, texts: Texts): CardAction | undefined {
  if (pending === undefined || text === undefined) return undefined;
  const reply = text.trim().toLowerCase().replace(/[.!]+$/, '');
  if (pending.kind === 'feedback') {
    if (texts.yesWords.includes(reply)) return { action: 'feedback', articleId: pending.articleId, helpful: true, question: pending.question };
    if (texts.noWords.includes(reply)) return { action: 'feedback', articleId: pending.articleId, helpful: false, question: pending.question };
    return undefined;
  }
  if (texts.noneWords.includes(reply)) return { action: 'none-of-these', question: pending.question };
  const chosen = /^\d+$/.test(reply) ? pending.articleIds[Number(reply) - 1] : undefined;
  return chosen === undefined ? undefined : { action: 'pick-article', articleId: chosen, question: pending.question };
}
