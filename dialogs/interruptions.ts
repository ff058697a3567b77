import type { Texts } from '../src/i18n/texts.js';
import { bestGroup, normaliseReply } from './loose-match.js';

/**
 * Commands that work at every prompt, whatever the bot asked: "cancel", "start over", "help" and
 * "talk to a human" (and their pt/pl equivalents from src/i18n). A prompt answer is only taken
 * as a command when the WHOLE reply is the command (filler words aside), so an email address like
 * agent@example.com or a summary mentioning "help" is never mistaken for one.
 */
export type Interruption = 'cancel' | 'start-over' | 'help' | 'human';

const KINDS: readonly Interruption[] = ['cancel', 'start-over', 'help', 'human'];

export function recogniseInterruption(text: string | undefined, texts: Texts): Interruption | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const groups = [texts.cancelWords, texts.startOverWords, texts.helpWords, texts.humanWords];
  const index = bestGroup(text, groups, texts.fillerWords);
  return index === undefined ? undefined : KINDS[index];
}

/** Small talk the bot answers briefly instead of searching or filing a ticket. */
export type SmallTalk = keyof Texts['smallTalk'];

const SMALL_TALK: readonly SmallTalk[] = ['hello', 'thanks', 'bye'];

/**
 * "hello", "thanks!", "olá, tudo bem?", "dzięki", "bye": the whole message is small talk. Tried in
 * the conversation's language first, then in the `others` ("obrigado" in an English conversation
 * is still thanks; the reply stays in the conversation's language).
 */
export function recogniseSmallTalk(text: string | undefined, texts: Texts, others: readonly Texts[] = []): SmallTalk | undefined {
  if (text === undefined || normaliseReply(text) === '') return undefined;
  for (const language of [texts, ...others]) {
    const index = bestGroup(text, SMALL_TALK.map((kind) => language.smallTalk[kind]), language.fillerWords);
    if (index !== undefined) return SMALL_TALK[index];
  }
  return undefined;
}
