import { describe, expect, it } from 'vitest';
import { keywordTerms } from '../src/search/lexical-index.js';
import { narrowed, widened } from '../src/search/narrow-counts.js';
import { TermCoverage } from '../src/search/term-coverage.js';

const coverage = new TermCoverage([
  { articleId: 'install', text: 'Install the server on Windows or Linux' },
  { articleId: 'install', text: 'installation requirements' },
  { articleId: 'password', text: 'Reset your password from the sign-in page' },
  { articleId: 'password', text: 'Esqueci minha senha' },
]);

describe('keyword coverage', () => {
  it('counts the keywords no article contains (stop words ignored)', () => {
    const known = coverage.query('how do I install the server');
    expect(known.unknownCount).toBe(0);
    expect(known.unknownShare).toBe(0);
    const slack = coverage.query('does it integrate with Slack');
    expect(slack.terms).toEqual(['integrate', 'slack']);
    expect(slack.unknownCount).toBe(2);
    expect(slack.unknownShare).toBe(1);
  });

  it('matches inflections and prefixes, folds accents and case', () => {
    // "passwords" → "password", "instal" → "installation", "SENHA" and accents folded.
    const q = coverage.query('Passwords instal SÉNHA');
    expect(q.unknownCount).toBe(0);
    expect(coverage.coverage(q, 'password')).toBeGreaterThan(coverage.coverage(q, 'install'));
    expect(coverage.coverage(coverage.query('linux server'), 'install')).toBe(1);
    expect(coverage.coverage(coverage.query('linux server'), 'password')).toBe(0);
  });

  it('weighs rare words more than common ones', () => {
    // "linux" occurs in one passage; both words are in 'install', "reset" only in 'password'.
    const q = coverage.query('linux reset');
    expect(coverage.coverage(q, 'install') + coverage.coverage(q, 'password')).toBeCloseTo(1);
  });

  it('leaves out excluded passages and articles (leave-one-out calibration)', () => {
    const withoutArticle = coverage.query('linux server', { articles: new Set(['install']) });
    expect(withoutArticle.unknownCount).toBe(2);
    const withoutPassage = coverage.query('esqueci senha', { passages: [{ articleId: 'password', text: 'Esqueci minha senha' }] });
    expect(withoutPassage.unknownCount).toBe(2);
    expect(coverage.coverage(withoutPassage, 'password')).toBe(0);
    // The same words without the exclusion are known.
    expect(coverage.coverage(coverage.query('esqueci senha'), 'password')).toBe(1);
  });

  it('gives the same results for every question asked with one set of removed articles, and for another set', () => {
    const removed = new Set(['install']);
    const ask = (text: string, articles: ReadonlySet<string>) => {
      const q = coverage.query(text, { articles });
      return { weights: q.weights, unknown: q.unknownCount, password: coverage.coverage(q, 'password'), install: coverage.coverage(q, 'install') };
    };
    // Asked in turn, as calibration asks a fold's questions with the same set.
    for (const text of ['linux server', 'reset password', 'linux server', 'install senha']) expect(ask(text, removed)).toEqual(ask(text, new Set(removed)));
    expect(ask('reset password', new Set(['password']))).toEqual({ weights: ask('reset password', new Set(['password'])).weights, unknown: 2, password: 0, install: 0 });
    expect(ask('reset password', removed).unknown).toBe(0);
  });
});

describe('remembered term matches', () => {
  const passages = [
    { articleId: 'install', text: 'Install the server on Windows or Linux; installation requirements and installer logs' },
    { articleId: 'password', text: 'Reset your password from the sign-in page; passwords expire' },
    { articleId: 'password', text: 'Esqueci minha senha, redefinir senhas' },
    { articleId: 'backup', text: 'Backups of the server database, restoring a backup' },
  ];
  const questions = ['instal server', 'installing linux', 'password', 'passwords reset', 'senh', 'backup restore', 'server install', 'slack', 'pass', 'instal server'];

  it('gives the same results as a cold instance, with at most `expansionCache` terms kept', () => {
    const warm = new TermCoverage(passages, { expansionCache: 2 });
    for (const round of [1, 2]) {
      for (const text of questions) {
        const cold = new TermCoverage(passages);
        const exclusion = round === 2 ? { passages: [passages[2]!] } : undefined;
        const a = warm.query(text, exclusion);
        const b = cold.query(text, exclusion);
        expect([a.terms, a.weights, a.unknownShare, a.unknownCount]).toEqual([b.terms, b.weights, b.unknownShare, b.unknownCount]);
        for (const articleId of ['install', 'password', 'backup', 'missing']) expect(warm.coverage(a, articleId)).toBe(cold.coverage(b, articleId));
        expect(warm.cachedTerms).toBeLessThanOrEqual(2);
      }
    }
  });

  it('matches a term to itself, its known prefixes and the known words it starts', () => {
    const terms = new TermCoverage(passages);
    const words = (term: string) => {
      const { words: exact, from, to } = terms.matchesOf(term);
      return { exact, run: to - from };
    };
    expect(words('passwords')).toEqual({ exact: ['passwords', 'password'], run: 0 });
    expect(words('instal')).toEqual({ exact: [], run: 3 }); // install, installation, installer
    expect(words('pas')).toEqual({ exact: [], run: 0 }); // under four letters: itself only
  });

  it('gives the same answers built from passages whose keywords are given as from their texts', () => {
    const passages = [
      { articleId: 'install', text: 'Install the server on Windows or Linux' },
      { articleId: 'install', text: 'installation requirements, Installation!' },
      { articleId: 'password', text: 'Reset your password from the sign-in page' },
      { articleId: 'password', text: 'Esqueci minha senha' },
    ];
    const fromTexts = new TermCoverage(passages);
    const given = new TermCoverage(passages.map((p) => ({ ...p, keywords: keywordTerms(p.text) })));
    for (const question of ['how do I instal the server', 'senha esqueci', 'does it integrate with Slack', 'passwords']) {
      const a = fromTexts.query(question);
      const b = given.query(question);
      expect(b).toEqual(a);
      for (const article of ['install', 'password']) expect(given.coverage(b, article)).toBe(fromTexts.coverage(a, article));
    }
  });
});


describe('counts held narrow (narrow-counts.ts)', () => {
  /** An article whose `n` passages all have "printer": its count for the word is n. */
  const printerArticle = (articleId: string, n: number) => Array.from({ length: n }, (_, i) => ({ articleId, text: `printer page ${i}` }));

  it('gives the same coverage with counts of one, two and four bytes, built, saved and read, and revised', () => {
    for (const n of [3, 300, 70_000]) {
      const passages = [...printerArticle('big', n), { articleId: 'small', text: 'printer toner' }];
      const built = new TermCoverage(passages);
      const read = TermCoverage.fromJSON(JSON.parse(JSON.stringify(built.toJSON())));
      const revised = built.revise(new Set(['small']), [{ articleId: 'small', text: 'printer drum' }]);
      // "printer" is in every passage: the same weight for both articles, whatever the count.
      const query = built.query('printer page');
      for (const coverage of [built, read]) {
        expect(coverage.coverage(query, 'big'), `n = ${n}`).toBe(1);
        expect(coverage.coverage(query, 'small'), `n = ${n}`).toBeLessThan(1);
      }
      expect(revised.coverage(revised.query('printer page'), 'big')).toBe(1);
      // Saved as uint32 whatever the array in memory: the file is the same as before.
      const saved = built.toJSON();
      expect(Buffer.from(saved.articleCounts, 'base64').byteLength).toBe(Buffer.from(saved.articleWords, 'base64').byteLength);
    }
  });
});

describe('narrowed counts', () => {
  it('picks the narrowest array that holds the values, and keeps them', () => {
    for (const [largest, type] of [
      [255, Uint8Array],
      [256, Uint16Array],
      [65_535, Uint16Array],
      [65_536, Uint32Array],
    ] as const) {
      const counts = Uint32Array.from([0, 1, largest]);
      const narrow = narrowed(counts);
      expect(narrow).toBeInstanceOf(type);
      expect([...narrow]).toEqual([0, 1, largest]);
    }
    const wider = widened(narrowed(Uint32Array.from([1, 2])), 4, 1000);
    expect(wider).toBeInstanceOf(Uint16Array);
    expect([...wider]).toEqual([1, 2, 0, 0]);
  });
});
