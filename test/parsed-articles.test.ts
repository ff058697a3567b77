import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadArticles, PARSED_ARTICLES_FILE, ParsedArticles, parsedArticlesJsonSchema, readParsedArticles, writeParsedArticles } from '../src/knowledge/load-articles.js';
import type { KnowledgeService } from '../src/knowledge/knowledge-service.js';
import { hashingKnowledge, until } from './support/hashing-knowledge.js';
import { sameShape } from './support/same-shape.js';
import { collectGarbage } from '../src/runtime/collect-garbage.js';
import { ownString } from '../src/knowledge/article.js';
import { sampleKnowledgeDir, tempDir } from './support/test-app.js';

const sampleArticles = path.join(sampleKnowledgeDir, 'articles');

/** A knowledge folder of its own (the tests edit its files). */
function knowledgeCopy(): string {
  const dir = tempDir('tierdesk-parsed-');
  cpSync(sampleKnowledgeDir, dir, { recursive: true });
  return dir;
}

describe('article parses saved between starts', () => {
  it('gives back the same articles as parsing the files, from the saved parses', async () => {
    const parsed = new ParsedArticles();
    const fresh = await loadArticles(sampleArticles, parsed);
    const saved = ParsedArticles.fromJSON(parsedArticlesJsonSchema.parse(JSON.parse(JSON.stringify(parsed.toJSON()))));
    expect(saved.unsaved).toBe(false);
    const again = await loadArticles(sampleArticles, saved);
    expect(again.articles).toEqual(fresh.articles);
    expect(again.articles.length).toBeGreaterThanOrEqual(40);
    // Nothing changed: nothing to write.
    expect(saved.unsaved).toBe(false);
  });

  it('gives every article without a link, parsed or from saved parses, one shape (memory: 10,000 articles are held)', async () => {
    const parsed = new ParsedArticles();
    const fresh = (await loadArticles(sampleArticles, parsed)).articles;
    const saved = ParsedArticles.fromJSON(parsedArticlesJsonSchema.parse(JSON.parse(JSON.stringify(parsed.toJSON()))));
    const again = (await loadArticles(sampleArticles, saved)).articles;
    const unlinked = [...fresh, ...again].filter((a) => a.link === undefined);
    expect(unlinked.length).toBeGreaterThan(fresh.length);
    for (const article of unlinked) expect(sameShape(article, unlinked[0]!)).toBe(true);
  });

  it('keeps no file text alive through an article: bodies and paths are strings of their own (memory: 10,000 articles are held)', async () => {
    const dir = tempDir('tierdesk-own-');
    mkdirSync(path.join(dir, 'en'));
    // Front matter with a 0.5 MB comment: held through a body cut from the file, 20 files are 10 MB.
    const padding = `# ${'x'.repeat(500_000)}\n`;
    for (let i = 0; i < 20; i++) {
      writeFileSync(path.join(dir, 'en', `a${i}.md`), `---\n${padding}id: a${i}\ntitle: Article ${i}\nlanguage: en\n---\nThe body of article ${i}, żółw and ümlaut, long enough to be cut.\n`);
    }
    const heapUsed = () => {
      collectGarbage();
      collectGarbage();
      return process.memoryUsage().heapUsed;
    };
    const before = heapUsed();
    const parsed = new ParsedArticles();
    const fresh = (await loadArticles(dir, parsed)).articles;
    const saved = ParsedArticles.fromJSON(parsedArticlesJsonSchema.parse(JSON.parse(JSON.stringify(parsed.toJSON()))));
    const again = (await loadArticles(dir, saved)).articles;
    const grown = heapUsed() - before;
    expect(fresh).toHaveLength(20);
    expect(again).toEqual(fresh);
    expect(fresh.find((a) => a.id === 'a3')!.body).toBe('The body of article 3, żółw and ümlaut, long enough to be cut.');
    expect(grown).toBeLessThan(3_000_000);
  });

  it('copies text exactly, whatever its characters', () => {
    for (const text of ['', 'plain ascii text of some length', 'Latin-1: ümlaut café ÿ', 'Polish: zażółć gęślą jaźń', 'emoji 🚲 and CJK 自行车', 'lone \ud800 surrogate']) {
      expect(ownString(text)).toBe(text);
    }
  });

  it('uses a saved parse only while the file has the same bytes', async () => {
    const dir = knowledgeCopy();
    const articles = path.join(dir, 'articles');
    const parsed = new ParsedArticles();
    await loadArticles(articles, parsed);
    const json = parsed.toJSON();
    // A saved title that is not the file's: shown only while the file is unchanged, which proves the saved parse is what is used.
    const entry = json.files.find(([file]) => file === path.join('en', 'change-password.md'))!;
    entry[2] = { ...entry[2], title: 'Saved title' };
    const saved = ParsedArticles.fromJSON(json);
    const first = await loadArticles(articles, saved);
    expect(first.articles.find((a) => a.file === entry[0])!.title).toBe('Saved title');
    expect(saved.unsaved).toBe(false);

    // The file edited: parsed again, and the parses are worth saving.
    const file = path.join(articles, entry[0]);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^title: .*$/m, 'title: Change your password (edited)'));
    const edited = ParsedArticles.fromJSON(json);
    const second = await loadArticles(articles, edited);
    expect(second.articles.find((a) => a.file === entry[0])!.title).toBe('Change your password (edited)');
    expect(edited.unsaved).toBe(true);
  });

  it('counts a removed file as a change, and ignores parses saved by another parse format', async () => {
    const parsed = new ParsedArticles();
    await loadArticles(sampleArticles, parsed);
    const json = parsed.toJSON();
    const withGone = ParsedArticles.fromJSON({ ...json, files: [...json.files, ['en/removed-since.md', 'x', json.files[0]![2], 0, 1]] });
    await loadArticles(sampleArticles, withGone);
    expect(withGone.unsaved).toBe(true);
    expect(withGone.toJSON().files.map(([file]) => file)).not.toContain('en/removed-since.md');

    const otherFormat = ParsedArticles.fromJSON({ ...json, format: 'older', files: json.files.map((f) => [f[0], f[1], { ...f[2], title: 'stale' }, f[3], f[4]]) });
    const loaded = await loadArticles(sampleArticles, otherFormat);
    expect(loaded.articles.some((a) => a.title === 'stale')).toBe(false);
  });

  it('keeps a body that is not a slice of its file (Windows line endings) whole', async () => {
    const dir = tempDir('tierdesk-crlf-');
    mkdirSync(path.join(dir, 'en'), { recursive: true });
    writeFileSync(path.join(dir, 'en', 'crlf.md'), '---\r\nid: crlf\r\ntitle: Line endings\r\nlanguage: en\r\n---\r\n\r\nFirst line.\r\n\r\nSecond line.\r\n');
    const parsed = new ParsedArticles();
    const fresh = await loadArticles(dir, parsed);
    const saved = ParsedArticles.fromJSON(parsedArticlesJsonSchema.parse(JSON.parse(JSON.stringify(parsed.toJSON()))));
    expect((await loadArticles(dir, saved)).articles).toEqual(fresh.articles);
  });

  it('reads a missing, damaged or malformed file as no saved parses, and writes only when they changed', async () => {
    const dir = tempDir('tierdesk-parsed-file-');
    const file = path.join(dir, PARSED_ARTICLES_FILE);
    expect((await readParsedArticles(dir)).unsaved).toBe(true);
    writeFileSync(file, '{"format": "x", "files": [');
    expect((await readParsedArticles(dir)).unsaved).toBe(true);
    writeFileSync(file, JSON.stringify({ format: 'x', files: [['a.md', 'digest', { id: 1 }, 0, 0]] }));
    expect((await readParsedArticles(dir)).unsaved).toBe(true);

    const parsed = new ParsedArticles();
    await loadArticles(sampleArticles, parsed);
    expect(await writeParsedArticles(dir, parsed)).toBe(true);
    expect(await writeParsedArticles(dir, parsed)).toBe(false);
    const back = await readParsedArticles(dir);
    expect(back.unsaved).toBe(false);
    expect((await loadArticles(sampleArticles, back)).articles).toEqual((await loadArticles(sampleArticles)).articles);
  });

  it('is saved by the knowledge service after its first load and used by the next start', async () => {
    const knowledgeDir = knowledgeCopy();
    const dataDir = tempDir('tierdesk-parsed-data-');
    const start = () => hashingKnowledge(knowledgeDir, dataDir);
    const file = path.join(dataDir, 'knowledge-index', PARSED_ARTICLES_FILE);
    const first = start();
    expect((await first.ready).state).toBe('ready');
    await until(() => existsSync(file));
    const saved = parsedArticlesJsonSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    const firstTitle = title(first);
    await first.stop();
    // A title only the saved parses have: the second start shows it, so it used them.
    const entry = saved.files.find(([name]) => name === path.join('en', 'change-password.md'))!;
    entry[2] = { ...entry[2], title: 'Saved title' };
    writeFileSync(file, JSON.stringify(saved));
    const second = start();
    expect((await second.ready).state).toBe('ready');
    expect(firstTitle).not.toBe('Saved title');
    expect(title(second)).toBe('Saved title');
    await second.stop();
  });
});

function title(knowledge: KnowledgeService): string | undefined {
  const state = knowledge.status;
  return state.state === 'ready' ? state.search.article('change-password', 'en')?.title : undefined;
}
