import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { tierSchema, type Tier } from '../tickets/ticket.js';

const tierFileSchema = z.object({
  tier: tierSchema,
  name: z.string().min(1),
  description: z.string().default(''),
  examples: z.array(z.string().trim().min(3)).min(1),
});

export type TierFile = z.infer<typeof tierFileSchema>;

/** Reads every `<lang>/L*.yaml` under the tiers folder; a bad file fails with its name. */
export async function loadTierExamples(tiersDir: string): Promise<{ tier: Tier; text: string }[]> {
  const entries = await readdir(tiersDir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && /^L[1-4]\.ya?ml$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
  const examples: { tier: Tier; text: string }[] = [];
  for (const file of files) {
    let data: unknown;
    try {
      data = YAML.parse(await readFile(file, 'utf8'));
    } catch (error) {
      throw new Error(`${path.relative(tiersDir, file)}: not valid YAML (${(error as Error).message.split('\n')[0]})`);
    }
    const parsed = tierFileSchema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new Error(`${path.relative(tiersDir, file)}: ${issue.path.join('.')}: ${issue.message}`);
    }
    for (const text of parsed.data.examples) examples.push({ tier: parsed.data.tier, text });
  }
  return examples;
}
