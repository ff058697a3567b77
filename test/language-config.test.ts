import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('language settings', () => {
  it('defaults to en, pt and pl with English as the fallback', () => {
    expect(loadConfig({}).languages).toEqual({ supported: ['en', 'pt', 'pl'], default: 'en' });
    expect(loadConfig({ LANGUAGES: ' pt, pl ,pt', DEFAULT_LANGUAGE: 'pt' }).languages).toEqual({ supported: ['pt', 'pl'], default: 'pt' });
  });

  it('refuses a default outside LANGUAGES and a language without texts, naming the variable', () => {
    expect(() => loadConfig({ LANGUAGES: 'en,pt', DEFAULT_LANGUAGE: 'pl' })).toThrow(ConfigError);
    expect(() => loadConfig({ LANGUAGES: 'en,pt', DEFAULT_LANGUAGE: 'pl' })).toThrow(/DEFAULT_LANGUAGE: "pl" is not one of LANGUAGES/);
    expect(() => loadConfig({ LANGUAGES: 'en,de' })).toThrow(/LANGUAGES: no texts for de \(add src\/i18n\/<code>\.ts/);
    expect(() => loadConfig({ LANGUAGES: 'english' })).toThrow(/LANGUAGES/);
  });
});
