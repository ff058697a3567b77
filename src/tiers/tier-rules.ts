import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { informativeWords } from '../language/conversation-language.js';
import { eldDetector, type LanguageDetector } from '../language/language-detector.js';
import { tierSchema, type Tier } from '../tickets/ticket.js';

/**
 * An operator rule: if a request contains any keyword (whole words, case-insensitive) or
 * matches the regular expression, it goes to `tier`, whatever the model says.
 */
const ruleSchema = z
  .object({
    name: z.string().min(1).optional(),
    tier: tierSchema,
    keywords: z.array(z.string().trim().min(1)).default([]),
    pattern: z.string().min(1).optional(),
  })
  .refine((rule) => rule.keywords.length > 0 || rule.pattern !== undefined, 'a rule needs keywords or a pattern');

const rulesFileSchema = z.object({ rules: z.array(ruleSchema).default([]) });

/** A rule ready to test against text. */
export interface TierRule {
  name: string;
  tier: Tier;
  /** Set for rules from `<lang>/rules.yaml`: they apply only to requests in that language. */
  language?: string;
  matches(text: string): boolean;
}

/** Raised for a rules file that cannot be used; names the file and the rule. */
export class TierRulesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TierRulesError';
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Validates rules (from YAML text) and compiles them; `source` names the file in errors. */
export function parseTierRules(yamlText: string, source: string, language?: string): TierRule[] {
  let data: unknown;
  try {
    data = YAML.parse(yamlText) ?? {};
  } catch (error) {
    throw new TierRulesError(`${source}: not valid YAML (${(error as Error).message.split('\n')[0]})`);
  }
  const parsed = rulesFileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new TierRulesError(`${source}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data.rules.map((rule, i) => {
    const name = rule.name ?? `rule ${i + 1}`;
    const tests: RegExp[] = rule.keywords.map((keyword) => new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(keyword)}(?![\\p{L}\\p{N}])`, 'iu'));
    if (rule.pattern !== undefined) {
      try {
        tests.push(new RegExp(rule.pattern, 'iu'));
      } catch (error) {
        throw new TierRulesError(`${source}: rules.${i} (${name}): invalid pattern: ${(error as Error).message}`);
      }
    }
    const matches = (text: string) => tests.some((test) => test.test(text));
    return language === undefined ? { name, tier: rule.tier, matches } : { name, tier: rule.tier, language, matches };
  });
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw error;
  }
}

/**
 * Loads the operator's rules: the global file (every language) and, next to it, one
 * `<lang>/rules.yaml` per language (e.g. knowledge/tiers/pt/rules.yaml) whose rules apply only
 * to requests in that language. Language rules come first, so a language can refine a global
 * rule. Missing files mean no rules.
 */
export async function loadTierRules(file: string): Promise<TierRule[]> {
  const languageRules: TierRule[] = [];
  const dir = path.dirname(file);
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries.filter((e) => e.isDirectory() && /^[a-z]{2,3}$/.test(e.name)).sort((a, b) => a.name.localeCompare(b.name))) {
    const languageFile = path.join(dir, entry.name, path.basename(file));
    const text = await readIfExists(languageFile);
    if (text !== undefined) languageRules.push(...parseTierRules(text, languageFile, entry.name));
  }
  const text = await readIfExists(file);
  return [...languageRules, ...(text === undefined ? [] : parseTierRules(text, file))];
}

let sharedDetector: { languages: string; detector: LanguageDetector } | undefined;

/**
 * The request's language, for language rules: the detector's best guess among the rules'
 * languages and English, or undefined when the text has too few words to tell.
 */
function requestLanguage(text: string, rules: readonly TierRule[]): string | undefined {
  if (informativeWords(text).length < 2) return undefined;
  const languages = [...new Set(['en', ...rules.flatMap((rule) => (rule.language === undefined ? [] : [rule.language]))])].sort();
  if (sharedDetector?.languages !== languages.join(',')) sharedDetector = { languages: languages.join(','), detector: eldDetector(languages) };
  return sharedDetector.detector.detect(text)[0]?.language;
}

/**
 * The first rule that matches, if any (rules are checked in order). A language rule is skipped
 * for a request in another language; `language` (the conversation's) wins over detecting it from
 * the text, and a request too short to tell is tried against every rule.
 */
export function matchRule(text: string, rules: readonly TierRule[], language?: string): TierRule | undefined {
  let requestIn: string | undefined | null = language ?? null;
  return rules.find((rule) => {
    if (rule.language !== undefined) {
      if (requestIn === null) requestIn = requestLanguage(text, rules);
      if (requestIn !== undefined && requestIn !== rule.language) return false;
    }
    return rule.matches(text);
  });
}
