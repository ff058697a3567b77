import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import matter from 'gray-matter';
import { z } from 'zod';
import { writeFileAtomically } from '../storage/atomic-file.js';
import { articleFrom, articleFrontMatterSchema, articleKey, articleLanguage, type Article, type ArticleFrontMatter } from './article.js';

/** One article that could not be loaded, with a reason an author can act on. */
export interface ArticleProblem {
  file: string;
  reason: string;
}

export interface LoadedArticles {
  articles: Article[];
  problems: ArticleProblem[];
}

/** Raised by `requireValidArticles` when any article is invalid; lists every bad file. */
export class KnowledgeLoadError extends Error {
  constructor(readonly problems: readonly ArticleProblem[]) {
    super(`Invalid knowledge articles:\n${problems.map((p) => `  ${p.file}: ${p.reason}`).join('\n')}`);
    this.name = 'KnowledgeLoadError';
  }
}

/** All `*.md` files below `dir`, sorted for a stable order. */
async function markdownFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.md') && entry.name.toLowerCase() !== 'readme.md')
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

/** Parses and validates one article file. Throws an Error whose message is the reason. */
export function parseArticle(source: string, file: string): Article {
  let parsed: matter.GrayMatterFile<string>;
  try {
    // gray-matter caches by content; pass a fresh options object to bypass the cache for bad input.
    parsed = matter(source, {});
  } catch (error) {
    throw new Error(`front matter is not valid YAML (${(error as Error).message.split('\n')[0]})`);
  }
  if (Object.keys(parsed.data).length === 0) throw new Error('missing front matter (--- block with id, title, language)');
  const result = articleFrontMatterSchema.safeParse(parsed.data);
  if (!result.success) {
    throw new Error(result.error.issues.map((issue) => `${issue.path.join('.') || 'front matter'}: ${issue.message}`).join('; '));
  }
  const body = parsed.content.trim();
  if (body.length === 0) throw new Error('the article has no body text');
  const expectedId = path.basename(file, '.md');
  if (result.data.id !== expectedId) throw new Error(`id "${result.data.id}" does not match the file name "${expectedId}.md"`);
  return articleFrom(result.data, body, file);
}

/**
 * Files read per event-loop turn. Reading synchronously: `fs.promises.readFile` makes four
 * thread-pool round trips per file (open, stat, read, close), and 10,000 article files took
 * ~0.9 s that way against ~70 ms read synchronously. In slices, a server reloading its articles
 * still answers between them (a slice of small files is a few milliseconds).
 */
const FILES_PER_TURN = 256;

/** What `ParsedArticles` keeps per file: its digest, the article, and where the body sits in the file. */
interface ParsedFile {
  digest: string;
  article: Article;
  /** Offset of `article.body` in the file's text (−1 if it is not a plain slice of it). */
  bodyAt: number;
}

/**
 * Articles read back from a saved `ParsedArticles` (`fromJSON`): the front matter as parsed, the
 * body as a range of the file's text (the file is read anyway to hash it, so the body need not be
 * stored twice). Turned into an `Article` when the file's digest still matches.
 */
interface SavedFile {
  digest: string;
  frontMatter: ArticleFrontMatter;
  bodyAt: number;
  bodyLength: number;
  /** Only when the body is not a slice of the file (`bodyAt` −1). */
  body?: string;
}

/**
 * A fixed article's parse, hashed: saved parses carry it, and a change to parsing (front-matter
 * defaults, trimming, the body's extent) changes it, so parses saved by older code are not used.
 */
const PARSE_FORMAT = createHash('sha1')
  .update(JSON.stringify(parseArticle('---\nid: format-probe\ntitle: "  Format probe "\nlanguage: pt-BR\nquestions:\n  - " How is it parsed? "\n---\n\n# Body\n\nText.\n\n', 'pt/format-probe.md')))
  .digest('base64')
  .slice(0, 16);

/** A saved `ParsedArticles` (`toJSON`). Front matter is stored as parsed and validated: checked for shape only. */
export const parsedArticlesJsonSchema = z.object({
  format: z.string(),
  files: z.array(
    z.tuple([
      z.string(),
      z.string(),
      z.object({ id: z.string(), title: z.string(), language: z.string(), tags: z.array(z.string()), questions: z.array(z.string()), link: z.string().optional() }),
      z.number().int(),
      z.number().int().nonnegative(),
      z.string().optional(),
    ]),
  ),
});

export type ParsedArticlesJson = z.infer<typeof parsedArticlesJsonSchema>;

/**
 * What the last load parsed, by file: a hot reload parses only the files whose bytes changed
 * (parsing and validating 10,000 articles is ~0.3 s of a reload that changes ten), and gives the
 * unchanged ones back as the same `Article` objects (the knowledge index remembers what it
 * derived from them: `digestOf` in knowledge-index.ts). Holds a digest per file, not its text.
 *
 * Saved beside the index (`toJSON`/`fromJSON`, knowledge-service.ts), it spares a cold start the
 * parsing too: at 10,000 articles, front matter (YAML) and validation were ~0.35 s of ~0.6 s of
 * reading the articles (bench/results/2026-12-06-round12.md).
 */
export class ParsedArticles {
  private byFile = new Map<string, ParsedFile>();
  private saved = new Map<string, SavedFile>();
  /** Whether the last load parsed or dropped a file: what `toJSON` would write differs from what was read. */
  private changed = true;

  /** `parseArticle(source, file)`, or the article the last load (or the saved parses) made from the same bytes. */
  parse(source: string, file: string, seen: Map<string, ParsedFile>): Article {
    const digest = createHash('sha1').update(source).digest('base64');
    const last = this.byFile.get(file);
    if (last !== undefined && last.digest === digest) {
      seen.set(file, last);
      return last.article;
    }
    const saved = this.saved.get(file);
    if (saved !== undefined && saved.digest === digest) {
      const body = saved.bodyAt < 0 ? saved.body! : source.slice(saved.bodyAt, saved.bodyAt + saved.bodyLength);
      const parsed = { digest, article: articleFrom(saved.frontMatter, body, file), bodyAt: saved.bodyAt };
      seen.set(file, parsed);
      return parsed.article;
    }
    const article = parseArticle(source, file);
    const at = source.indexOf(article.body);
    seen.set(file, { digest, article, bodyAt: at });
    this.changed = true;
    return article;
  }

  /** Keeps what this load parsed (files gone or broken since are forgotten). */
  replace(seen: Map<string, ParsedFile>): void {
    // A file gone or broken since (only the first load has saved parses; later ones, the last load's).
    if (seen.size !== this.byFile.size + this.saved.size) this.changed = true;
    this.byFile = seen;
    this.saved = new Map();
  }

  /** True when the parses differ from those last saved or read (`markSaved`), so they are worth writing. */
  get unsaved(): boolean {
    return this.changed;
  }

  markSaved(): void {
    this.changed = false;
  }

  toJSON(): ParsedArticlesJson {
    return {
      format: PARSE_FORMAT,
      files: [...this.byFile].map(([file, { digest, article, bodyAt }]) => {
        const { body, file: _file, ...frontMatter } = article;
        return bodyAt < 0 ? [file, digest, frontMatter, -1, body.length, body] : [file, digest, frontMatter, bodyAt, body.length];
      }),
    };
  }

  /** Parses saved by `toJSON`; those of another parse format are left out (every file is parsed again). */
  static fromJSON(json: ParsedArticlesJson): ParsedArticles {
    const parsed = new ParsedArticles();
    if (json.format !== PARSE_FORMAT) return parsed;
    for (const [file, digest, frontMatter, bodyAt, bodyLength, body] of json.files) {
      if (bodyAt < 0 && body === undefined) continue;
      parsed.saved.set(file, { digest, frontMatter: frontMatter as ArticleFrontMatter, bodyAt, bodyLength, ...(body === undefined ? {} : { body }) });
    }
    parsed.changed = false;
    return parsed;
  }
}

/** The article files' parses, in the index folder (`DATA_DIR/knowledge-index`): written by the server and `npm run ingest`. */
export const PARSED_ARTICLES_FILE = 'parsed-articles.json';

/**
 * The parses saved in `indexDir` by `writeParsedArticles`, or fresh (empty) ones when there are
 * none, they are unreadable or another version of the code wrote them: a cache, so it never fails a start.
 */
export async function readParsedArticles(indexDir: string): Promise<ParsedArticles> {
  try {
    const json = parsedArticlesJsonSchema.safeParse(JSON.parse(await readFile(path.join(indexDir, PARSED_ARTICLES_FILE), 'utf8')));
    return json.success ? ParsedArticles.fromJSON(json.data) : new ParsedArticles();
  } catch {
    return new ParsedArticles();
  }
}

/** Saves the parses in `indexDir` when they changed since read or last saved (atomically: a crash leaves the old file). */
export async function writeParsedArticles(indexDir: string, parsed: ParsedArticles): Promise<boolean> {
  if (!parsed.unsaved) return false;
  await writeFileAtomically(path.join(indexDir, PARSED_ARTICLES_FILE), JSON.stringify(parsed.toJSON()));
  parsed.markSaved();
  return true;
}

/**
 * Loads every article under `articlesDir`. A bad file is reported in `problems` (file + reason)
 * and skipped, so one typo never takes the rest of the knowledge base down. With `parsed`, files
 * unchanged since its last load are not parsed again.
 */
export async function loadArticles(articlesDir: string, parsed?: ParsedArticles): Promise<LoadedArticles> {
  const articles: Article[] = [];
  const problems: ArticleProblem[] = [];
  const seenFiles = new Map<string, ParsedFile>();
  // The same id in several languages is one article in several languages (feedback, gaps and
  // analytics group by id); the same id twice in one language is a mistake.
  const seen = new Map<string, string>();
  const files = await markdownFiles(articlesDir);
  for (let n = 0; n < files.length; n++) {
    if (n > 0 && n % FILES_PER_TURN === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const absolute = files[n]!;
    const file = path.relative(articlesDir, absolute);
    try {
      const source = readFileSync(absolute, 'utf8');
      const article = parsed === undefined ? parseArticle(source, file) : parsed.parse(source, file, seenFiles);
      const folder = path.dirname(file).split(path.sep)[0];
      if (folder !== undefined && folder !== '.' && /^[a-z]{2}$/.test(folder) && folder !== articleLanguage(article)) {
        throw new Error(`language "${article.language}" does not match its folder "${folder}/"`);
      }
      const key = articleKey(article);
      const previous = seen.get(key);
      if (previous !== undefined) throw new Error(`duplicate id "${article.id}" in language "${articleLanguage(article)}" (already used by ${previous})`);
      seen.set(key, file);
      articles.push(article);
    } catch (error) {
      problems.push({ file, reason: (error as Error).message });
    }
  }
  parsed?.replace(seenFiles);
  return { articles, problems };
}

/** One article id that exists in some languages but not in others (reported by `npm run ingest`). */
export interface MissingTranslation {
  articleId: string;
  missing: string[];
}

/**
 * Which article ids lack which language, over every language that has at least one article:
 * a translator's to-do list, so a customer is not answered in English where a translation was meant.
 */
export function missingTranslations(articles: readonly Article[]): MissingTranslation[] {
  const languages = [...new Set(articles.map(articleLanguage))].sort();
  const byId = new Map<string, Set<string>>();
  for (const article of articles) {
    const set = byId.get(article.id) ?? new Set<string>();
    set.add(articleLanguage(article));
    byId.set(article.id, set);
  }
  return [...byId]
    .map(([articleId, present]) => ({ articleId, missing: languages.filter((l) => !present.has(l)) }))
    .filter((m) => m.missing.length > 0)
    .sort((a, b) => a.articleId.localeCompare(b.articleId));
}

/** Strict variant for tooling (ingest, eval): any bad article is an error. */
export function requireValidArticles(loaded: LoadedArticles): Article[] {
  if (loaded.problems.length > 0) throw new KnowledgeLoadError(loaded.problems);
  return loaded.articles;
}

/**
 * `npm run ingest`'s lines for missing translations: the first `limit` ids, then how many more
 * (a 10,000-article base with one language more than the rest printed 10,000 lines).
 */
export function missingTranslationLines(missing: readonly MissingTranslation[], limit = 20): string[] {
  if (missing.length === 0) return ['Translations: every article exists in every language.'];
  const shown = missing.slice(0, limit).map((m) => `  ${m.articleId}: no ${m.missing.join(', ')}`);
  const more = missing.length - shown.length;
  return [`Missing translations (${missing.length} articles):`, ...shown, ...(more > 0 ? [`  … and ${more} more`] : [])];
}
