import type { StatePropertyAccessor, TurnContext } from 'botbuilder';
import { textsFor, type Texts } from '../i18n/texts.js';
import { decideLanguage, type LanguageDecision } from './conversation-language.js';
import { supportedLanguageOf } from './language-codes.js';
import type { LanguageDetector } from './language-detector.js';

/** The conversation's language for this turn and the texts in it. Every dialog reads this. */
export interface TurnLanguage {
  language: string;
  texts: Texts;
}

const TURN_LANGUAGE = Symbol('tierdesk.turnLanguage');

/**
 * The conversation's language for this turn, as resolved once by the bot before any dialog runs
 * (see LanguageResolver). Outside a bot turn (adapter error handler, middleware) it falls back
 * to the activity's locale.
 */
export function turnLanguage(context: TurnContext): TurnLanguage {
  const resolved = context.turnState.get(TURN_LANGUAGE) as TurnLanguage | undefined;
  if (resolved !== undefined) return resolved;
  const texts = textsFor(context.activity.locale);
  return { language: texts.language, texts };
}

/** Shorthand: every sentence the bot says this turn, in the conversation's language. */
export function turnTexts(context: TurnContext): Texts {
  return turnLanguage(context).texts;
}

export interface LanguageSettings {
  supported: readonly string[];
  default: string;
}

/**
 * Resolves the conversation's language once per turn: reads it from conversation state, weighs the
 * customer's words (detector) with the channel's / widget's locale (activity.locale), stores the
 * result back and puts it in turn state for the dialogs.
 */
export class LanguageResolver {
  constructor(
    private readonly stored: StatePropertyAccessor<string | undefined>,
    private readonly detector: LanguageDetector,
    private readonly settings: LanguageSettings,
  ) {}

  async resolve(context: TurnContext): Promise<TurnLanguage & { decision: LanguageDecision }> {
    const { activity } = context;
    const stored = await this.stored.get(context);
    const current = stored !== undefined && this.settings.supported.includes(stored) ? stored : undefined;
    // A card click repeats the button's title (already in the conversation's language): no evidence.
    const text = activity.type === 'message' && activity.value === undefined ? (activity.text ?? '') : '';
    const guesses = text.trim() === '' ? [] : this.detector.detect(text);
    const decision = decideLanguage(text, guesses, {
      current,
      hint: supportedLanguageOf(activity.locale, this.settings.supported),
      fallback: this.settings.default,
    });
    if (decision.language !== stored) await this.stored.set(context, decision.language);
    const texts = textsFor(decision.language);
    const turn = { language: decision.language, texts };
    context.turnState.set(TURN_LANGUAGE, turn);
    return { ...turn, decision };
  }
}
