import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { ConfigError, envSchema, loadConfig } from '../src/config.js';
import { ALL_MINILM_L6_V2, MULTILINGUAL_E5_SMALL } from '../src/search/model-registry.js';
import { repoRoot } from './support/test-app.js';

describe('configuration', () => {
  it('runs a fresh clone with embedded defaults: port 3978, ./data, ./knowledge, no channel auth', () => {
    const config = loadConfig({}, '/srv/tierdesk');
    expect(config.port).toBe(3978);
    expect(config.dataDir).toBe(path.resolve('/srv/tierdesk/data'));
    expect(config.knowledgeDir).toBe(path.resolve('/srv/tierdesk/knowledge'));
    expect(config.auth.appId).toBeUndefined();
    expect(config.embedding).toMatchObject({ modelId: 'intfloat/multilingual-e5-small', modelDir: undefined, quantized: undefined });
  });

  it("takes unset thresholds from the embedding model's measured defaults, and explicit ones as given", () => {
    const e5 = loadConfig({});
    expect(e5.thresholds).toEqual({
      answer: MULTILINGUAL_E5_SMALL.thresholds.answer,
      suggest: MULTILINGUAL_E5_SMALL.thresholds.suggest,
      closeMargin: MULTILINGUAL_E5_SMALL.thresholds.closeMargin,
    });
    expect(e5.tiers).toMatchObject({ threshold: MULTILINGUAL_E5_SMALL.thresholds.tierThreshold, margin: MULTILINGUAL_E5_SMALL.thresholds.tierMargin });
    const miniLm = loadConfig({ EMBEDDING_MODEL: 'Xenova/all-MiniLM-L6-v2', ANSWER_THRESHOLD: '0.6', EMBEDDING_QUANTIZED: 'false' });
    expect(miniLm.thresholds).toEqual({ answer: 0.6, suggest: ALL_MINILM_L6_V2.thresholds.suggest, closeMargin: ALL_MINILM_L6_V2.thresholds.closeMargin });
    expect(miniLm.embedding.quantized).toBe(false);
    expect(MULTILINGUAL_E5_SMALL.thresholds.answer).not.toBe(ALL_MINILM_L6_V2.thresholds.answer);
  });

  it('resolves a local model folder for offline use', () => {
    expect(loadConfig({ MODEL_DIR: '../shared/models' }, '/srv/tierdesk').embedding.modelDir).toBe(path.resolve('/srv/shared/models'));
  });

  it('names the bad variable in the error', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ ANSWER_THRESHOLD: 'high' })).toThrow(/ANSWER_THRESHOLD/);
    expect(() => loadConfig({ MICROSOFT_APP_TYPE: 'Personal' })).toThrow(/MICROSOFT_APP_TYPE/);
  });

  it('requires a password with an app id, and a tenant for single-tenant apps', () => {
    expect(() => loadConfig({ MICROSOFT_APP_ID: 'abc' })).toThrow(/MICROSOFT_APP_PASSWORD/);
    expect(() => loadConfig({ MICROSOFT_APP_ID: 'abc', MICROSOFT_APP_PASSWORD: 'x', MICROSOFT_APP_TYPE: 'SingleTenant' })).toThrow(
      /MICROSOFT_APP_TENANT_ID/,
    );
  });

  it('refuses a suggestion threshold above the answer threshold', () => {
    expect(() => loadConfig({ ANSWER_THRESHOLD: '0.5', SUGGEST_THRESHOLD: '0.6' })).toThrow(/SUGGEST_THRESHOLD/);
  });

  it('documents every setting in .env.example, and .env.example itself is a valid configuration', () => {
    const text = readFileSync(path.join(repoRoot, '.env.example'), 'utf8');
    const documented = Object.fromEntries(
      text
        .split('\n')
        .filter((line) => /^[A-Z0-9_]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    expect(Object.keys(documented).sort()).toEqual(Object.keys(envSchema.shape).sort());
    expect(() => loadConfig(documented)).not.toThrow();
  });
});
