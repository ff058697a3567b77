import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { articlePassages, articleSourceHash, chunkBody } from '../src/knowledge/article.js';
import { KnowledgeLoadError, loadArticles, requireValidArticles } from '../src/knowledge/load-articles.js';
import { sampleKnowledgeDir, tempDir } from './support/test-app.js';

const good = (id: string, title = `About ${id}`) => `---
id: ${id}
title: ${title}
language: en
tags: [test]
questions:
  - how does ${id} work
---
Body of ${id}. It explains things.
`;

function articlesFolder(files: Record<string, string>): string {
  const dir = path.join(tempDir(), 'articles');
  mkdirSync(path.join(dir, 'en'), { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name.includes('/') ? name : path.join('en', name));
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  return dir;
}

describe('loading knowledge articles', () => {
  it('loads the bundled sample knowledge base: at least 40 valid articles, including the level-0 examples', async () => {
    const { articles, problems } = await loadArticles(path.join(sampleKnowledgeDir, 'articles'));
    expect(problems).toEqual([]);
    expect(articles.length).toBeGreaterThanOrEqual(40);
    expect(articles.map((a) => a.id)).toEqual(expect.arrayContaining(['request-new-password', 'create-new-user', 'supported-databases']));
  });

  it('reports a bad article with its file name and reason, and still loads the others', async () => {
    const dir = articlesFolder({
      'alpha.md': good('alpha'),
      'broken.md': good('broken').replace('language: en', 'language: English'),
      'beta.md': good('beta'),
    });
    const { articles, problems } = await loadArticles(dir);
    expect(articles.map((a) => a.id)).toEqual(['alpha', 'beta']);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.file).toBe(path.join('en', 'broken.md'));
    expect(problems[0]!.reason).toMatch(/language/);
    expect(() => requireValidArticles({ articles, problems })).toThrow(KnowledgeLoadError);
    expect(() => requireValidArticles({ articles, problems })).toThrow(/en\/broken\.md: language/);
  });

  it('names invalid YAML, a missing front matter, an empty body, a wrong id and a duplicate id', async () => {
    const dir = articlesFolder({
      'a-yaml.md': '---\nid: a-yaml\ntitle: [unclosed\n---\nbody\n',
      'b-none.md': 'just text, no front matter\n',
      'c-empty.md': good('c-empty').replace(/---\nBody[\s\S]*$/, '---\n'),
      'd-wrong.md': good('something-else'),
      'more/alpha.md': good('alpha'),
      'alpha.md': good('alpha'),
    });
    const { problems } = await loadArticles(dir);
    const byFile = Object.fromEntries(problems.map((p) => [path.basename(p.file), p.reason]));
    expect(byFile['a-yaml.md']).toMatch(/YAML/);
    expect(byFile['b-none.md']).toMatch(/missing front matter/);
    expect(byFile['c-empty.md']).toMatch(/no body/);
    expect(byFile['d-wrong.md']).toMatch(/does not match the file name/);
    expect(problems.find((p) => p.file === path.join('more', 'alpha.md'))?.reason).toMatch(/duplicate id "alpha" in language "en" \(already used by en\/alpha\.md\)/);
  });

  it('indexes the title, every alternative question and body chunks that carry the title', () => {
    const passages = articlePassages({ title: 'Reset', questions: ['q1', 'q2'], body: 'First paragraph.\n\nSecond paragraph.' });
    expect(passages.map((p) => p.kind)).toEqual(['title', 'question', 'question', 'body']);
    expect(passages[3]!.text).toBe('Reset. First paragraph.\nSecond paragraph.');
  });

  it('splits long bodies into chunks of bounded length along sentences', () => {
    const sentence = 'This sentence has exactly eight words in it. ';
    const chunks = chunkBody(sentence.repeat(40), 90);
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) expect(chunk.split(/\s+/).length).toBeLessThanOrEqual(90);
    expect(chunks.join(' ').split(/\s+/).length).toBe(320);
  });

  it('fills each chunk greedily, whatever the spacing between words and paragraphs', () => {
    const words = (text: string) => text.split(/\s+/).filter(Boolean).length;
    const body = ['One  two\tthree.', '', '  Four five six seven.', '', '', 'Eight nine. Ten eleven twelve thirteen fourteen.', '', 'Fifteen.'].join('\n');
    const chunks = chunkBody(body, 6);
    expect(chunks).toEqual(['One two three.', 'Four five six seven.\nEight nine.', 'Ten eleven twelve thirteen fourteen.\nFifteen.']);
    // Unicode spaces separate words as \s does (no-break, ideographic, line separator); a zero-width space does not.
    expect(chunkBody('a\u00a0b\u3000c. d\u2028e f. g\u200bh i.', 3)).toEqual(['a\u00a0b\u3000c.', 'd\u2028e f.', 'g\u200bh i.']);
    expect(chunkBody('a\u200bb c. d.', 3)).toEqual(['a\u200bb c. d.']); // three words: one paragraph, one chunk
    // A chunk ends only where its next line would not fit.
    for (let i = 0; i + 1 < chunks.length; i++) expect(words(chunks[i]!) + words(chunks[i + 1]!.split('\n')[0]!)).toBeGreaterThan(6);
  });
});

describe("an article's source hash", () => {
  const base = { title: 'Reset a password', questions: ['forgot my password', 'locked out'], body: 'Click **forgot password**.' };

  it('is the same for the same title, questions and body, and differs when any of them changes', () => {
    expect(articleSourceHash({ ...base, questions: [...base.questions] })).toBe(articleSourceHash(base));
    const variants = [
      { ...base, title: 'Reset your password' },
      { ...base, questions: ['forgot my password'] },
      { ...base, questions: ['forgot my passwordlocked out'] },
      { ...base, questions: ['forgot my', 'password locked out'] },
      { ...base, body: 'Click forgot password.' },
      { ...base, title: `${base.title} forgot my password`, questions: ['locked out'] },
    ];
    const hashes = new Set([base, ...variants].map(articleSourceHash));
    expect(hashes.size).toBe(variants.length + 1);
  });
});
