import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { readBanking, readClinc, readCsv, writeKnowledge } from '../bench/public-sets.js';
import { loadArticles, requireValidArticles } from '../src/knowledge/load-articles.js';
import { tempDir } from './support/test-app.js';

/** `count` utterances of an intent, numbered so the test can tell which ones went where. */
const utterances = (intent: string, count: number, from = 0) => Array.from({ length: count }, (_, i) => [`${intent} question number ${from + i}`, intent] as [string, string]);

function clincClone(): string {
  const dir = tempDir('tierdesk-clinc-');
  mkdirSync(path.join(dir, 'data'));
  const data = {
    train: [...utterances('transfer_money', 14), ...utterances('w2', 12)],
    val: [],
    test: [...utterances('transfer_money', 3, 100), ...utterances('w2', 3, 100)],
    oos_train: [],
    oos_val: [['what is the weather on mars', 'oos'], ['sing me a song', 'oos']],
    oos_test: [['who won the cup final', 'oos']],
  };
  writeFileSync(path.join(dir, 'data', 'data_full.json'), JSON.stringify(data));
  return dir;
}

describe('public intent sets as knowledge bases (bench/public-sets.ts)', () => {
  it('reads CSV rows whose quoted text holds commas, doubled quotes and line breaks', () => {
    const file = path.join(tempDir(), 'train.csv');
    writeFileSync(file, 'text,category\r\nplain text,card_arrival\n"with, a comma",card_arrival\n"say ""hi""\nover two lines",top_up_failed?\n\n');
    expect(readCsv(file)).toEqual([
      ['plain text', 'card_arrival'],
      ['with, a comma', 'card_arrival'],
      ['say "hi"\nover two lines', 'top_up_failed?'],
    ]);
  });

  it('turns each intent into a valid article with 10 questions, and asks only utterances the articles do not hold (dev split)', async () => {
    const dir = tempDir();
    const written = writeKnowledge(readClinc(clincClone(), 'dev'), { set: 'clinc', split: 'dev', perIntent: 2, outOfScope: 5 }, dir);
    expect(written).toEqual({ articles: 2, inScope: 4, outOfScope: 2 });

    const articles = requireValidArticles(await loadArticles(path.join(dir, 'articles')));
    const byId = new Map(articles.map((a) => [a.id, a]));
    expect([...byId.keys()].sort()).toEqual(['transfer-money', 'w2']);
    expect(byId.get('transfer-money')!.title).toBe('Transfer money');
    expect(byId.get('w2')!.title).toBe('Topic: w2');
    expect(byId.get('transfer-money')!.questions).toEqual(utterances('transfer_money', 10).map(([text]) => text));

    const dev = YAML.parse(readFileSync(path.join(dir, 'eval', 'en', 'dev-set.yaml'), 'utf8')) as { items: { question: string; article: string }[] };
    const asked = dev.items.filter((i) => i.article !== 'none');
    expect(asked.map((i) => i.article)).toEqual(['transfer-money', 'transfer-money', 'w2', 'w2']);
    for (const item of asked) expect(byId.get(item.article)!.questions).not.toContain(item.question);
    expect(asked.map((i) => i.question)).toEqual(['transfer_money question number 10', 'transfer_money question number 12', 'w2 question number 10', 'w2 question number 11']);
    expect(dev.items.filter((i) => i.article === 'none').map((i) => i.question)).toEqual(['what is the weather on mars', 'sing me a song']);
  });

  it('asks the set’s own test utterances in the test split', () => {
    const set = readClinc(clincClone(), 'test');
    expect(set.questions.get('w2')).toEqual(['w2 question number 100', 'w2 question number 101', 'w2 question number 102']);
    expect(set.outOfScope).toEqual(['who won the cup final']);

    const banking = tempDir('tierdesk-banking-');
    mkdirSync(path.join(banking, 'banking_data'));
    const csv = (rows: [string, string][]) => `text,category\n${rows.map(([text, intent]) => `"${text}",${intent}`).join('\n')}\n`;
    writeFileSync(path.join(banking, 'banking_data', 'train.csv'), csv(utterances('card_arrival', 11)));
    writeFileSync(path.join(banking, 'banking_data', 'test.csv'), csv(utterances('card_arrival', 2, 50)));
    expect(readBanking(banking, 'test')).toEqual({
      train: new Map([['card_arrival', utterances('card_arrival', 11).map(([text]) => text)]]),
      questions: new Map([['card_arrival', ['card_arrival question number 50', 'card_arrival question number 51']]]),
      outOfScope: [],
    });
    expect(readBanking(banking, 'dev').questions.get('card_arrival')).toEqual(['card_arrival question number 10']);
  });
});
