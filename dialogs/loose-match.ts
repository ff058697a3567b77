import type { Texts } from '../src/i18n/texts.js';

/**
 * Loose matching of what customers type at a prompt: "file it", "the second one", "yes please",
 * "sim", "pierwszy", "tak, proszę". Pure functions over the conversation's word lists (src/i18n):
 * case, accents and Polish letters ("prosze" = "proszę"), punctuation and polite filler words
 * ("please", "por favor", "proszę") never change the meaning of a reply.
 */

/** Lower case, no accents ("não" → "nao", "żaden" → "zaden", "ł" → "l"), punctuation to spaces. */
export function normaliseReply(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\u2019`]/g, "'")
    .replace(/\u0142/g, 'l') // ł
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/[^\p{L}\p{N}'#]+/gu, ' ')
    .trim();
}

const tokensOf = (text: string) => normaliseReply(text).split(' ').filter(Boolean);

/**
 * Word lists (src/i18n) are constant arrays read at every turn (small talk and interruptions are
 * checked in up to three languages per message), so their normalised forms are computed once per
 * array instead of per turn; the profile showed this normalising as the largest share of a
 * turn's own work. Keyed by the array itself: a list built per call just misses the cache.
 */
const sortedPhrasesCache = new WeakMap<readonly string[], string[][]>();
const wordSetCache = new WeakMap<readonly string[], Set<string>>();

/** The phrases as word lists, empty ones dropped, longest first. */
function sortedPhrases(phrases: readonly string[]): string[][] {
  let sorted = sortedPhrasesCache.get(phrases);
  if (sorted === undefined) {
    sorted = phrases.map(tokensOf).filter((p) => p.length > 0).sort((a, b) => b.length - a.length);
    sortedPhrasesCache.set(phrases, sorted);
  }
  return sorted;
}

/** Every word of every phrase of the list (filler words, ordinal forms). */
function wordSet(phrases: readonly string[]): Set<string> {
  let words = wordSetCache.get(phrases);
  if (words === undefined) {
    words = new Set(phrases.flatMap(tokensOf));
    wordSetCache.set(phrases, words);
  }
  return words;
}

/**
 * How much of the reply the phrases explain: every phrase occurrence is removed (longest phrases
 * first); the reply matches when something was removed and only filler words remain. Returns the
 * number of reply words the phrases covered (0 = no match), so longer matches win ties.
 */
export function phraseCoverage(text: string, phrases: readonly string[], fillers: readonly string[]): number {
  return coverageOfTokens(tokensOf(text), phrases, fillers);
}

function coverageOfTokens(tokens: readonly string[], phrases: readonly string[], fillers: readonly string[]): number {
  const fillerSet = wordSet(fillers);
  // A word that is neither a filler nor in any phrase can never be removed: no match. Most
  // messages (questions for the knowledge base) end here, without the phrase scan below, which
  // the allocation profile of a turn showed as its largest share (three languages of small talk).
  const phraseWords = wordSet(phrases);
  for (const token of tokens) if (!fillerSet.has(token) && !phraseWords.has(token)) return 0;
  let rest = tokens;
  let covered = 0;
  for (const phrase of sortedPhrases(phrases)) {
    for (let i = 0; i + phrase.length <= rest.length; ) {
      if (occursAt(rest, phrase, i)) {
        rest = [...rest.slice(0, i), ...rest.slice(i + phrase.length)];
        covered += phrase.length;
      } else i++;
    }
  }
  return covered > 0 && rest.every((word) => fillerSet.has(word)) ? covered : 0;
}

/** Whether `phrase` occurs in `words` at position `at`. */
function occursAt(words: readonly string[], phrase: readonly string[], at: number): boolean {
  for (let j = 0; j < phrase.length; j++) if (words[at + j] !== phrase[j]) return false;
  return true;
}

/** The group whose phrases explain the reply best; undefined when none or when two tie. */
export function bestGroup(text: string, groups: readonly (readonly string[])[], fillers: readonly string[]): number | undefined {
  const tokens = tokensOf(text);
  const scores = groups.map((phrases) => coverageOfTokens(tokens, phrases, fillers));
  const best = Math.max(0, ...scores);
  if (best === 0) return undefined;
  const winners = scores.flatMap((score, index) => (score === best ? [index] : []));
  return winners.length === 1 ? winners[0] : undefined;
}

/** "2", "#2", "option 2", "the second one", "segunda", "ostatni" → a 0-based index below `count`. */
export function ordinalChoice(text: string, count: number, texts: Texts): number | undefined {
  const fillers = wordSet(texts.fillerWords);
  const all = tokensOf(text).map((word) => word.replace(/^#/, ''));
  const content = all.filter((word) => !fillers.has(word));
  const words = content.length > 0 ? content : all;
  if (words.length !== 1) return undefined;
  const word = words[0]!;
  let index: number | undefined;
  if (/^\d+$/.test(word)) index = Number(word) - 1;
  else if (wordSet(texts.lastWords).has(word)) index = count - 1;
  else {
    const found = texts.ordinalWords.findIndex((forms) => wordSet(forms).has(word));
    index = found === -1 ? undefined : found;
  }
  return index !== undefined && index >= 0 && index < count ? index : undefined;
}

/** A typed yes / no (feedback, confirmations); undefined when it is neither or both. */
export function yesOrNo(text: string, texts: Texts): 'yes' | 'no' | undefined {
  const answer = bestGroup(text, [texts.yesWords, texts.noWords], texts.fillerWords);
  return answer === undefined ? undefined : answer === 0 ? 'yes' : 'no';
}

/** A choice as shown (button title) and the other ways customers say it. */
export interface LooseChoice {
  title: string;
  synonyms?: readonly string[];
}

const STEM = 5;
const sameWord = (a: string, b: string) => a === b || (a.length >= STEM && b.length >= STEM && a.slice(0, STEM) === b.slice(0, STEM));

/**
 * The choice a typed reply means: a number or ordinal, the title or a synonym (with filler words
 * around it), or — last — words that all belong to exactly one title ("expert" → "An expert for a
 * technical problem"; words sharing their first five letters count, so "technician" finds
 * "technicians"). Undefined when nothing or more than one choice fits.
 */
export function matchChoice(text: string, choices: readonly LooseChoice[], texts: Texts): number | undefined {
  const byOrdinal = ordinalChoice(text, choices.length, texts);
  if (byOrdinal !== undefined) return byOrdinal;
  const byPhrase = bestGroup(text, choices.map((c) => [c.title, ...(c.synonyms ?? [])]), texts.fillerWords);
  if (byPhrase !== undefined) return byPhrase;
  const fillers = wordSet(texts.fillerWords);
  const words = tokensOf(text).filter((word) => !fillers.has(word) && word.length >= 3);
  if (words.length === 0) return undefined;
  const fits = choices.flatMap((choice, index) => {
    const titleWords = tokensOf(choice.title);
    return words.every((word) => titleWords.some((t) => sameWord(word, t))) ? [index] : [];
  });
  return fits.length === 1 ? fits[0] : undefined;
}

/**
 * Whether the message mentions one of the phrases anywhere as whole words ("can you call me back
 * tomorrow" mentions "call me back"); accents and case do not matter.
 */
export function mentionsPhrase(text: string, phrases: readonly string[]): boolean {
  const words = tokensOf(text);
  return sortedPhrases(phrases).some((wanted) => {
    for (let i = 0; i + wanted.length <= words.length; i++) if (occursAt(words, wanted, i)) return true;
    return false;
  });
}
