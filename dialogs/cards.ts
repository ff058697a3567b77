import { ActionTypes, CardFactory, MessageFactory, type Activity, type CardAction as BotCardAction } from 'botbuilder';
import type { Article } from '../src/knowledge/article.js';
import type { Texts } from '../src/i18n/texts.js';
import type { CardAction } from './card-actions.js';

/** Channels that show only text; everything else gets hero cards with buttons. */
const TEXT_ONLY_CHANNELS = new Set(['sms', 'twilio-sms']);

export function supportsCards(channelId: string): boolean {
  return !TEXT_ONLY_CHANNELS.has(channelId);
}

/**
 * A button that sends a typed payload back without showing raw JSON to the customer. `text` repeats
 * the title because Web Chat hides a messageBack echo whose text is empty (the customer's click
 * would vanish from the transcript); the dialogs read `value` first, so the text changes nothing.
 */
function actionButton(title: string, value: CardAction): BotCardAction {
  return { type: ActionTypes.MessageBack, title, displayText: title, text: title, value };
}

/**
 * "This article is only available in English." (in the customer's language) when the answer comes
 * from an article in another language than the conversation's; undefined when it is in theirs.
 */
export function otherLanguageNote(article: Pick<Article, 'language'>, texts: Texts): string | undefined {
  const language = article.language.split('-')[0]!.toLowerCase();
  return language === texts.language ? undefined : texts.otherLanguageNote(texts.languageNames[language] ?? language);
}

/** Level-0 answer: the article (cited by title, linked when it has a link) and "Did this help?". */
export function answerActivity(article: Article, question: string, texts: Texts, channelId: string): Partial<Activity> {
  const note = otherLanguageNote(article, texts);
  if (!supportsCards(channelId)) {
    const link = article.link === undefined ? '' : `\n${texts.readFullArticle}: ${article.link}`;
    return MessageFactory.text(`${note === undefined ? '' : `${note}\n\n`}${article.title}\n\n${article.body}${link}\n\n${texts.plainFeedbackHint}`);
  }
  const buttons: BotCardAction[] = [];
  if (article.link !== undefined) buttons.push({ type: ActionTypes.OpenUrl, title: texts.readFullArticle, value: article.link });
  buttons.push(
    actionButton(texts.yesHelped, { action: 'feedback', articleId: article.id, helpful: true, question }),
    actionButton(texts.noDidNotHelp, { action: 'feedback', articleId: article.id, helpful: false, question }),
  );
  const card = CardFactory.heroCard(article.title, `${article.body}\n\n**${texts.didThisHelp}**`, undefined, buttons, {
    subtitle: note ?? texts.answerSubtitle,
  });
  const activity = MessageFactory.attachment(card);
  activity.summary = article.title;
  return activity;
}

/** "Did you mean" with one button per candidate article and a "none of these" way out. */
export function didYouMeanActivity(candidates: readonly Article[], question: string, texts: Texts, channelId: string): Partial<Activity> {
  if (!supportsCards(channelId)) {
    const lines = candidates.map((article, i) => `${i + 1}. ${article.title}`);
    return MessageFactory.text(`${texts.didYouMeanText}\n${lines.join('\n')}\n${texts.plainChoicesHint(candidates.length)}`);
  }
  const buttons = [
    ...candidates.map((article) => actionButton(article.title, { action: 'pick-article', articleId: article.id, question })),
    actionButton(texts.noneOfThese, { action: 'none-of-these', question }),
  ];
  const card = CardFactory.heroCard(texts.didYouMeanTitle, texts.didYouMeanText, undefined, buttons);
  return MessageFactory.attachment(card);
}
