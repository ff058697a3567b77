import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dot, dotEach } from '../src/search/embedder.js';
import { HashingTestEmbedder } from '../src/search/hashing-test-embedder.js';
import { TierClassifier } from '../src/tiers/tier-classifier.js';
import { loadTierExamples } from '../src/tiers/tier-examples.js';
import { loadTierRules, parseTierRules, TierRulesError } from '../src/tiers/tier-rules.js';
import { decideTier, scoreTiers } from '../src/tiers/tier-scoring.js';
import { sampleKnowledgeDir } from './support/test-app.js';

const unit = (...values: number[]) => {
  const v = Float32Array.from(values);
  const n = Math.hypot(...values);
  return v.map((x) => x / n);
};

describe('tier scoring (pure)', () => {
  const examples = [
    { tier: 'L1' as const, text: 'a', vector: unit(1, 0, 0) },
    { tier: 'L1' as const, text: 'b', vector: unit(0.9, 0.1, 0) },
    { tier: 'L3' as const, text: 'c', vector: unit(0, 1, 0) },
    { tier: 'L3' as const, text: 'd', vector: unit(0, 0, 1) },
  ];

  it('scores a tier by its nearest examples, so one sub-topic of a tier is enough', () => {
    const scores = scoreTiers(unit(0, 0, 1), examples);
    expect(scores.L3).toBeCloseTo(0.5, 5); // mean of its two examples: 0 and 1 (fewer than three exist)
    expect(scores.L1).toBeCloseTo((0 + 0) / 2, 5);
    expect(scores.L2).toBe(-1); // no examples
  });

  it('gives bit for bit the scores of dot products sorted per tier (the plain version)', () => {
    // Seeded pseudo-random vectors (odd dimension, odd counts per tier, repeated examples for ties).
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
    const vector = () => Float32Array.from({ length: 37 }, random);
    const tiers = ['L1', 'L1', 'L2', 'L3', 'L3', 'L3', 'L4'] as const;
    const many = Array.from({ length: 61 }, (_, i) => ({ tier: tiers[i % tiers.length]!, text: `${i}`, vector: vector() }));
    many.push({ ...many[3]! }, { ...many[10]! }); // exact ties
    const plain = (query: Float32Array, list: typeof many) => {
      const similarities: Record<string, number[]> = { L1: [], L2: [], L3: [], L4: [] };
      for (const e of list) similarities[e.tier]!.push(dot(query, e.vector));
      return Object.fromEntries(
        ['L1', 'L2', 'L3', 'L4'].map((tier) => {
          const top = similarities[tier]!.sort((a, b) => b - a).slice(0, 3);
          return [tier, top.length === 0 ? -1 : top.reduce((sum, s) => sum + s, 0) / top.length];
        }),
      );
    };
    for (let q = 0; q < 20; q++) {
      const query = vector();
      expect(scoreTiers(query, many)).toEqual(plain(query, many));
      expect(scoreTiers(query, many.slice(0, 5))).toEqual(plain(query, many.slice(0, 5)));
      const each = dotEach(query, many.map((e) => e.vector));
      many.forEach((e, i) => expect(each[i]).toBe(dot(query, e.vector)));
    }
  });

  it('decides the best tier with score and margin', () => {
    const decision = decideTier({ L1: 0.8, L2: 0.3, L3: 0.5, L4: 0.1 }, { threshold: 0.4, margin: 0.1 });
    expect(decision).toMatchObject({ kind: 'tier', tier: 'L1', score: 0.8 });
    expect(decision.margin).toBeCloseTo(0.3, 10);
  });

  it('abstains when the best tier is weak or not clearly ahead', () => {
    expect(decideTier({ L1: 0.3, L2: 0.2, L3: 0.1, L4: 0 }, { threshold: 0.4, margin: 0.05 }).kind).toBe('abstain');
    expect(decideTier({ L1: 0.71, L2: 0.7, L3: 0.1, L4: 0 }, { threshold: 0.4, margin: 0.05 })).toMatchObject({ kind: 'abstain', best: 'L1' });
  });
});

describe('operator rules', () => {
  it('match keywords as whole words and patterns case-insensitively, in file order', () => {
    const rules = parseTierRules(
      'rules:\n  - tier: L4\n    keywords: [NAS, Synology]\n  - tier: L3\n    pattern: "regex|regular expression"\n',
      'rules.yaml',
    );
    expect(rules.find((r) => r.matches('our synology box is full'))?.tier).toBe('L4');
    expect(rules.find((r) => r.matches('the NAS is down'))?.tier).toBe('L4');
    expect(rules.find((r) => r.matches('a nasty bug'))).toBeUndefined();
    expect(rules.find((r) => r.matches('Need a REGEX for invoice numbers'))?.tier).toBe('L3');
  });

  it('refuses a bad rules file with the file and rule named', () => {
    expect(() => parseTierRules('rules:\n  - tier: L9\n    keywords: [x]\n', 'ops/rules.yaml')).toThrow(/ops\/rules\.yaml: rules\.0\.tier/);
    expect(() => parseTierRules('rules:\n  - tier: L3\n    name: broken\n    pattern: "(unclosed"\n', 'r.yaml')).toThrow(TierRulesError);
    expect(() => parseTierRules('rules:\n  - tier: L3\n', 'r.yaml')).toThrow(/needs keywords or a pattern/);
  });

  it('treats a missing rules file as no rules and loads the bundled one', async () => {
    expect(await loadTierRules('/nonexistent/rules.yaml')).toEqual([]);
    const bundled = await loadTierRules(path.join(sampleKnowledgeDir, 'tiers', 'rules.yaml'));
    expect(bundled.length).toBeGreaterThan(0);
  });
});

describe('tier classifier on the hashing stand-in embedder (plumbing, not accuracy)', () => {
  it('has at least 30 examples per tier in the bundled knowledge', async () => {
    const examples = await loadTierExamples(path.join(sampleKnowledgeDir, 'tiers'));
    for (const tier of ['L1', 'L2', 'L3', 'L4']) expect(examples.filter((e) => e.tier === tier).length).toBeGreaterThanOrEqual(30);
  });

  it('classifies a request that repeats an example, lets a rule override the model, and abstains on gibberish', async () => {
    const examples = await loadTierExamples(path.join(sampleKnowledgeDir, 'tiers'));
    const rules = parseTierRules('rules:\n  - tier: L4\n    keywords: [invoice]\n', 'rules.yaml');
    const embedder = new HashingTestEmbedder();
    const modelOnly = await TierClassifier.create(embedder, examples, [], { threshold: 0.3, margin: 0.02 });
    const l1Example = examples.find((e) => e.tier === 'L1')!.text;
    expect(await modelOnly.classify(l1Example)).toMatchObject({ kind: 'tier', classification: { tier: 'L1', source: 'model' } });

    const withRule = await TierClassifier.create(embedder, examples, rules, { threshold: 0.3, margin: 0.02 });
    expect(await withRule.classify('a question about my invoice')).toMatchObject({ kind: 'tier', classification: { tier: 'L4', source: 'rule' } });

    const routing = await modelOnly.classify('zebra quantum lasagna');
    expect(routing.kind).toBe('ask');
  });
});
