import { describe, expect, it } from 'vitest';
import { decideLanguage, informativeWords } from '../src/language/conversation-language.js';
import { supportedLanguageOf } from '../src/language/language-codes.js';
import { eldDetector } from '../src/language/language-detector.js';

const detector = eldDetector(['en', 'pt', 'pl']);
const decide = (text: string, current: string | undefined, hint?: string) =>
  decideLanguage(text, detector.detect(text), { current, hint, fallback: 'en' });

describe('the conversation language', () => {
  it('follows a customer who clearly writes another language', () => {
    expect(decide('Como posso solicitar minha senha?', 'en')).toMatchObject({ language: 'pt', switched: true });
    expect(decide('Jak poprosić o nowe hasło?', 'en')).toMatchObject({ language: 'pl', switched: true });
    expect(decide('How do I request a new password?', 'pt')).toMatchObject({ language: 'en', switched: true });
  });

  it('never lets one-word or ambiguous messages flip it', () => {
    for (const text of ['ok', 'OK!', 'TD-1042', 'status TD-1042', 'DATEV', '42', '2', 'maria@example.com', '+48 22 123 45 67', 'https://example.com/a', 'sim', 'tak', 'no', 'obrigado', 'dzięki', '2026-12-01 10:00', 'Foldera']) {
      expect(decide(text, 'pt'), text).toEqual({ language: 'pt', reason: 'kept', switched: false });
      expect(decide(text, 'pl'), text).toEqual({ language: 'pl', reason: 'kept', switched: false });
    }
  });

  it('starts in the locale language, else the default, when the first message says nothing', () => {
    expect(decide('ok', undefined, 'pl')).toEqual({ language: 'pl', reason: 'locale', switched: false });
    expect(decide('TD-1042', undefined, undefined)).toEqual({ language: 'en', reason: 'default', switched: false });
    expect(decide('', undefined, 'pt')).toEqual({ language: 'pt', reason: 'locale', switched: false });
  });

  it('starts in the language of a clear first message even against the locale', () => {
    expect(decide('Program jest blokowany przez mój antywirus', undefined, 'en')).toMatchObject({ language: 'pl', reason: 'detected', switched: false });
    expect(decide('Quais bancos de dados são suportados?', undefined, 'en')).toMatchObject({ language: 'pt', reason: 'detected' });
  });

  it('keeps the language for a message in the same language', () => {
    expect(decide('Obrigado, isso resolveu o meu problema', 'pt')).toEqual({ language: 'pt', reason: 'kept', switched: false });
  });

  it('finds the words that carry language', () => {
    expect(informativeWords('status of TD-1042 please, mail me at a.b@example.com or +48 600 100 200')).toEqual(['status', 'of', 'please', 'mail', 'me', 'at', 'or']);
    expect(informativeWords('DATEV PDF 6.2')).toEqual([]);
  });

  it('reduces locales to the languages the desk speaks', () => {
    expect(supportedLanguageOf('pt-BR', ['en', 'pt', 'pl'])).toBe('pt');
    expect(supportedLanguageOf('pl_PL', ['en', 'pt', 'pl'])).toBe('pl');
    expect(supportedLanguageOf('de-DE', ['en', 'pt', 'pl'])).toBeUndefined();
    expect(supportedLanguageOf(undefined, ['en'])).toBeUndefined();
  });
});
