import { readFile } from 'node:fs/promises';
import YAML from 'yaml';
import { z } from 'zod';
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
export function parseTierRules(yamlText: string, source: string): TierRule[] {
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
    return { name, tier: rule.tier, matches: (text: string) => tests.some((test) => test.test(text)) };
  });
}

/** Loads the operator's rules file; a missing file means no rules. */
export async function loadTierRules(file: string): Promise<TierRule[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return parseTierRules(text, file);
}

/** The first rule that matches, if any (rules are checked in file order). */
export function matchRule(text: string, rules: readonly TierRule[]): TierRule | undefined {
  return rules.find((rule) => rule.matches(text));
}
