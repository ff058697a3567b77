import { describe, expect, it } from 'vitest';
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
});
