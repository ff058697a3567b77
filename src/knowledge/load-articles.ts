import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import matter from 'gray-matter';
import { articleFrontMatterSchema, articleKey, articleLanguage, type Article } from './article.js';

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
  return { ...result.data, body, file };
}

/**
 * Files read per event-loop turn. Reading synchronously: `fs.promises.readFile` makes four
 * thread-pool round trips per file (open, stat, read, close), and 10,000 article files took
 * ~0.9 s that way against ~70 ms read synchronously. In slices, a server reloading its articles
 * still answers between them (a slice of small files is a few milliseconds).
 */
const FILES_PER_TURN = 256;

/**
 * What the last load parsed, by file: a hot reload parses only the files whose bytes changed
 * (parsing and validating 10,000 articles is ~0.3 s of a reload that changes ten), and gives the
 * unchanged ones back as the same `Article` objects (the knowledge index remembers what it
 * derived from them: `digestOf` in knowledge-index.ts). Holds a digest per file, not its text.
 */
export class ParsedArticles {
  private byFile = new Map<string, { digest: string; article: Article }>();

  /** `parseArticle(source, file)`, or the article the last load parsed from the same bytes. */
  parse(source: string, file: string, seen: Map<string, { digest: string; article: Article }>): Article {
    const digest = createHash('sha1').update(source).digest('base64');
    const last = this.byFile.get(file);
    const article = last !== undefined && last.digest === digest ? last.article : parseArticle(source, file);
    seen.set(file, { digest, article });
    return article;
  }

  /** Keeps what this load parsed (files gone or broken since are forgotten). */
  replace(seen: Map<string, { digest: string; article: Article }>): void {
    this.byFile = seen;
  }
}

/**
 * Loads every article under `articlesDir`. A bad file is reported in `problems` (file + reason)
 * and skipped, so one typo never takes the rest of the knowledge base down. With `parsed`, files
 * unchanged since its last load are not parsed again.
 */
export async function loadArticles(articlesDir: string, parsed?: ParsedArticles): Promise<LoadedArticles> {
  const articles: Article[] = [];
  const problems: ArticleProblem[] = [];
  const seenFiles = new Map<string, { digest: string; article: Article }>();
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
