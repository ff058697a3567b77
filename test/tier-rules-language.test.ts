import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTierExamples } from '../src/tiers/tier-examples.js';
import { loadTierRules, matchRule } from '../src/tiers/tier-rules.js';
import { sampleKnowledgeDir, tempDir } from './support/test-app.js';

describe('tier rules per language', () => {
  it('applies <lang>/rules.yaml only to requests in that language, and global rules to all', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'rules.yaml'), 'rules:\n  - name: storage\n    tier: L4\n    keywords: [Synology]\n');
    mkdirSync(path.join(dir, 'pt'));
    writeFileSync(path.join(dir, 'pt', 'rules.yaml'), 'rules:\n  - name: pt urgent\n    tier: L3\n    keywords: [urgente]\n');
    mkdirSync(path.join(dir, 'pl'));
    writeFileSync(path.join(dir, 'pl', 'rules.yaml'), 'rules:\n  - name: pl sprzet\n    tier: L4\n    keywords: [drukarka]\n');
    const rules = await loadTierRules(path.join(dir, 'rules.yaml'));
    expect(rules.map((r) => [r.name, r.language])).toEqual([['pl sprzet', 'pl'], ['pt urgent', 'pt'], ['storage', undefined]]);

    expect(matchRule('O sistema parou, é urgente, ninguém consegue trabalhar', rules)?.name).toBe('pt urgent');
    // The same word in an English request is not the Portuguese rule's business.
    expect(matchRule('We have an urgente label on our folders and it shows in the wrong colour', rules)).toBeUndefined();
    expect(matchRule('Nasza drukarka sieciowa nie skanuje do programu', rules)?.name).toBe('pl sprzet');
    expect(matchRule('O Synology não aparece mais na rede', rules)?.name).toBe('storage');
    expect(matchRule('our Synology is gone from the network', rules)?.name).toBe('storage');
    // The conversation's language, when given, decides instead of detection.
    expect(matchRule('urgente', rules, 'pt')?.name).toBe('pt urgent');
    expect(matchRule('urgente', rules, 'en')).toBeUndefined();
  });

  it('loads the shipped rules and examples of every language', async () => {
    const rules = await loadTierRules(path.join(sampleKnowledgeDir, 'tiers', 'rules.yaml'));
    const languages = new Set(rules.map((r) => r.language ?? 'all'));
    expect([...languages].sort()).toEqual(['all', 'pl', 'pt']);
    expect(matchRule('Program jest blokowany przez mój antywirus, proszę oddzwońcie', rules)?.tier).toBe('L2');
    const examples = await loadTierExamples(path.join(sampleKnowledgeDir, 'tiers'));
    expect(examples.length).toBeGreaterThan(3 * 4 * 20);
  });
});
