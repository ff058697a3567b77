import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { eld } from 'eld/small';
import matter from 'gray-matter';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { textLanguages } from '../src/i18n/texts.js';
import { eldDetector } from '../src/language/language-detector.js';
import { projectRoot } from '../src/project-root.js';

const root = projectRoot();
const LANGUAGES = ['en', 'pt', 'pl'];

/** What the desk's detector returned when it used eld/small itself (the reference it must keep matching). */
function eldReference(languages: string[]): (text: string) => { language: string; score: number }[] {
  const instance = eld.newInstance();
  instance.setLanguageSubset([...languages]);
  return (text) =>
    Object.entries(instance.detect(text).getScores())
      .filter(([language]) => languages.includes(language))
      .map(([language, score]) => ({ language, score }))
      .sort((a, b) => b.score - a.score);
}

async function sampleTexts(): Promise<string[]> {
  const knowledge = path.join(root, 'knowledge');
  const messages = YAML.parse(await readFile(path.join(knowledge, 'eval', 'language-messages.yaml'), 'utf8')) as { messages: Record<string, string[]> };
  const texts = Object.values(messages.messages).flat();
  const entries = await readdir(path.join(knowledge, 'articles'), { recursive: true, withFileTypes: true });
  for (const entry of entries.filter((e) => e.isFile() && e.name.endsWith('.md'))) {
    const { data, content } = matter(await readFile(path.join(entry.parentPath, entry.name), 'utf8'));
    texts.push(String(data.title ?? ''), ...((data.questions as string[] | undefined) ?? []), content);
  }
  return texts;
}

describe('language detector (eld small, desk languages only)', () => {
  it('gives exactly the scores eld/small gives, on every evaluation message, article title, question and body', async () => {
    const texts = [
      ...(await sampleTexts()),
      '',
      '   ',
      '12345 678',
      'ok',
      'don’t know why it’s broken',
      'Olá 👋🏽 preciso de ajuda com a fatura 😀',
      'Zażółć gęślą jaźń — dzień dobry',
      'ЖЖЖ 中文 عربى',
      'word '.repeat(400),
      'ab',
      'abc',
    ];
    expect(texts.length).toBeGreaterThan(500);
    const ours = eldDetector(LANGUAGES);
    const reference = eldReference(LANGUAGES);
    const differing = texts.filter((text) => JSON.stringify(ours.detect(text)) !== JSON.stringify(reference(text)));
    expect(differing).toEqual([]);
  });

  it('restricted to fewer languages, scores only those', () => {
    const text = 'Não consigo entrar na minha conta';
    expect(eldDetector(['pt', 'en']).detect(text)).toEqual(eldReference(['pt', 'en'])(text));
    expect(eldDetector(['pl']).detect(text).map((g) => g.language)).not.toContain('pt');
  });

  it('knows every language the desk has texts for, and names the fix for one it does not', () => {
    expect(() => eldDetector([...textLanguages])).not.toThrow();
    expect(() => eldDetector(['en', 'de'])).toThrow(/eld-subset-cli/);
  });
});
