import type { TurnContext } from 'botbuilder';
import { ChoiceFactory, ChoicePrompt, type FoundChoice, type PromptOptions, type PromptRecognizerResult } from 'botbuilder-dialogs';
import { turnTexts } from '../src/language/turn-language.js';
import { matchChoice } from './loose-match.js';

/**
 * A ChoicePrompt that also understands loose replies in the conversation's language: "file it",
 * "the second one", "yes please", "segunda", "pierwszy", "tak, proszę" (see loose-match.ts). The
 * choices' `synonyms` carry the extra ways to say each one. Buttons and numbered lists are shown
 * exactly as by ChoicePrompt; the step receives the same FoundChoice.
 */
export class LooseChoicePrompt extends ChoicePrompt {
  protected override async onRecognize(context: TurnContext, state: object, options: PromptOptions): Promise<PromptRecognizerResult<FoundChoice>> {
    const text = context.activity.text ?? '';
    const choices = ChoiceFactory.toChoices(options.choices);
    const index = matchChoice(text, choices.map((choice) => ({ title: choice.value, synonyms: choice.synonyms ?? [] })), turnTexts(context));
    if (index !== undefined) return { succeeded: true, value: { value: choices[index]!.value, index, score: 1, synonym: text } };
    return super.onRecognize(context, state, options);
  }
}
