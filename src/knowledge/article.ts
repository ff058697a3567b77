import { createHash } from 'node:crypto';
import { z } from 'zod';

/** Front matter every FAQ article carries; validated so a typo fails loudly with the file name. */
export const articleFrontMatterSchema = z.object({
  id: z
    .string()
    .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lowercase kebab-case, e.g. "request-new-password"'),
  title: z.string().trim().min(3),
  language: z.string().regex(/^[a-z]{2}(?:-[A-Z]{2})?$/, 'must be a language code such as "en" or "de-DE"'),
  tags: z.array(z.string().trim().min(1)).default([]),
  questions: z.array(z.string().trim().min(3)).default([]),
  link: z.url().optional(),
});

export type ArticleFrontMatter = z.infer<typeof articleFrontMatterSchema>;

/** A validated article as the rest of the app sees it. */
export interface Article extends ArticleFrontMatter {
  /** Markdown body: the answer shown to the customer. */
  body: string;
  /** Path relative to the knowledge folder, for error messages and citations. */
  file: string;
}

/**
 * An article from its validated front matter and its body, written out field by field. Not
 * `{ ...frontMatter, body, file }`: front matter comes out of zod (and, at a cold start, out of
 * the saved parses), and V8 gave every article spread from such an object a hidden class of its
 * own (heap snapshot at 10,000 articles: 10,070 classes, ~3 MB; test/parsed-articles.test.ts).
 */
export function articleFrom(frontMatter: ArticleFrontMatter, body: string, file: string): Article {
  const { id, title, language, tags, questions, link } = frontMatter;
  body = ownString(body);
  file = ownString(file);
  return link === undefined ? { id, title, language, tags, questions, body, file } : { id, title, language, tags, questions, link, body, file };
}

const NOT_LATIN1 = /[^\u0000-\u00ff]/;

/**
 * `text` as a string of its own. V8 makes a substring of 13 characters or more a view of the
 * string it was cut from (a sliced string), which then lives as long as the view: an article's
 * body, cut from the file's text, kept the whole file (front matter included) alive, and its
 * relative path the absolute one (10,000 articles: 15.4 MB of file texts for 11.8 MB of bodies,
 * heap snapshot, bench/results/2026-12-07-round17.md). Latin-1 text is copied through latin1
 * bytes (a one-byte string, as before), other text through UTF-8; a string UTF-8 cannot carry
 * exactly (a lone surrogate) is kept as it is.
 */
export function ownString(text: string): string {
  const encoding = NOT_LATIN1.test(text) ? 'utf8' : 'latin1';
  const copy = Buffer.from(text, encoding).toString(encoding);
  return copy === text ? copy : text;
}

/**
 * The article's language as search and statistics group it: the primary subtag ("pt" for
 * "pt-BR"), so a customer detected as "pt" gets articles written as "pt-BR" and vice versa.
 */
export function articleLanguage(article: Pick<Article, 'language'>): string {
  return article.language.split('-')[0]!.toLowerCase();
}

/** Unique key of one language version of an article ("pt/change-password"). */
export function articleKey(article: Pick<Article, 'id' | 'language'>): string {
  return `${articleLanguage(article)}/${article.id}`;
}

/** What gets embedded for an article, tagged so a hit can be explained. */
export interface Passage {
  kind: 'title' | 'question' | 'body';
  text: string;
}

const MAX_CHUNK_WORDS = 90;

/** Strips markdown syntax that carries no meaning for embedding (emphasis, links, list markers). */
export function plainText(markdown: string): string {
  return markdown
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/!\[[^\]]*\]\([^)]*\)/g, ' ')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/^\s{0,3}(?:#{1,6}\s+|[-*+]\s+|\d+[.)]\s+|>\s?)/gm, '')
    .replace(/[*_`~]/g, '')
    .replace(/[ \t]+/g, ' ')
    .trim();
}

/**
 * Splits a body into passages of at most ~90 words along paragraph (then sentence) boundaries,
 * so each chunk stays within the embedding model's useful length and keeps one topic.
 */
export function chunkBody(body: string, maxWords = MAX_CHUNK_WORDS): string[] {
  const sentences = body
    .split(/\n\s*\n/)
    .map(plainText)
    .filter((paragraph) => paragraph.length > 0)
    .flatMap((paragraph) => (wordCount(paragraph) <= maxWords ? [paragraph] : paragraph.split(/(?<=[.!?])\s+/)));
  const chunks: string[] = [];
  let current = '';
  // Words of `current`: joined by a line break, the words of two texts are those of each (counting
  // the joined text again for every sentence was 3 % of the CPU of a 10,000-article sync).
  let currentWords = 0;
  for (const sentence of sentences) {
    const words = wordCount(sentence);
    if (current !== '' && currentWords + words > maxWords) {
      chunks.push(current);
      current = sentence;
      currentWords = words;
    } else {
      current = current === '' ? sentence : `${current}\n${sentence}`;
      currentWords += words;
    }
  }
  if (current !== '') chunks.push(current);
  return chunks;
}

const SPACE = /\s/;

/**
 * Runs of non-space characters (`\s` as in `text.split(/\s+/).filter(Boolean)`, which this
 * counts without building the arrays: counting was 0.5 s of a 10,000-article sync's chunking).
 * ASCII spaces are tab, line feed, vertical tab, form feed, carriage return and space; any other
 * character is asked of the regex itself.
 */
function wordCount(text: string): number {
  let words = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const space = code < 128 ? code === 32 || (code >= 9 && code <= 13) : SPACE.test(text[i]!);
    if (space) inWord = false;
    else if (!inWord) {
      inWord = true;
      words++;
    }
  }
  return words;
}

/** The first passages of `articlePassages`: the title and the alternative questions (what the classifier learns from). */
export function headPassages(article: Pick<Article, 'title' | 'questions'>): Passage[] {
  return [{ kind: 'title', text: article.title }, ...article.questions.map((text) => ({ kind: 'question' as const, text }))];
}

/** Title, alternative questions and body chunks (prefixed with the title for context). */
export function articlePassages(article: Pick<Article, 'title' | 'questions' | 'body'>): Passage[] {
  return [
    ...headPassages(article),
    ...chunkBody(article.body).map((chunk) => ({ kind: 'body' as const, text: `${article.title}. ${chunk}` })),
  ];
}

/**
 * One passage's kind and text, hashed (16 bytes of SHA-256 as base64: 22 characters per passage in
 * the index manifest): under one model and fingerprint, what decides its vector, so an edited
 * article's unchanged passages keep theirs.
 */
export function passageKey(passage: Passage): string {
  return createHash('sha256').update(`${passage.kind}\u0000${passage.text}`).digest('base64').slice(0, 22);
}

/** Hash of exactly what gets embedded: an article is re-embedded only when this changes. */
export function passagesHash(passages: readonly Passage[]): string {
  const hash = createHash('sha256');
  for (const passage of passages) hash.update(`${passage.kind}\u0000${passage.text}\u0001`);
  return hash.digest('hex');
}

/**
 * What `articlePassages` makes of a fixed article that uses every markdown construct `plainText`
 * strips, long paragraphs and sentences (`chunkBody`'s splits): it changes when chunking does, and
 * with it every `articleSourceHash`. Bump the leading number for a change of the passages this
 * article does not show.
 */
const PASSAGES_FORMAT = passagesHash(
  articlePassages({
    title: 'Format probe',
    questions: ['How are passages made?'],
    body: [
      '# Heading\n\nSome *emphasis*, `code`, a [link](https://example.com) and ![an image](x.png).',
      '- a list item\n1. a numbered one\n> a quote\n\n```\nfenced code\n```',
      Array.from({ length: 40 }, (_, i) => `Sentence number ${i} has a few words in it.`).join(' '),
      `${'word '.repeat(120)}end.`,
    ].join('\n\n'),
  }),
).slice(0, 16);

/**
 * A hash of the article's title, questions and body under the current chunking (`PASSAGES_FORMAT`):
 * equal hashes give equal passages. Hashing the source takes microseconds; chunking it to compare
 * `passagesHash` was ~0.9 s of every start at 10,000 articles. Not a replacement for
 * `passagesHash`, which says whether an edit changed what gets embedded (a markdown-only edit does not).
 */
export function articleSourceHash(article: Pick<Article, 'title' | 'questions' | 'body'>): string {
  const hash = createHash('sha256').update(`${PASSAGES_FORMAT}\u0000${article.title}\u0000`);
  for (const question of article.questions) hash.update(`${question}\u0000`);
  return hash.update(`\u0001${article.body}`).digest('base64').slice(0, 22);
}
