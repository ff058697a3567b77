/**
 * Answer quality on public intent sets, the way issue 9 measured it: every intent becomes an FAQ
 * article (its name as the title, 10 of its training utterances as alternative questions), and
 * customers' questions are utterances the knowledge base never saw. Two sets:
 *
 * - `clinc`: CLINC150 (github.com/clinc/oos-eval, `data/data_full.json`, CC BY 3.0): 150 intents
 *   of a general assistant, with out-of-scope questions.
 * - `banking`: BANKING77 (github.com/PolyAI-LDN/task-specific-datasets, `banking_data/`,
 *   CC BY 4.0): 77 intents of a card bank, no out-of-scope questions.
 *
 * The data is not shipped: pass a clone of each repository. `--split dev` takes questions from
 * the training utterances that did not become article questions (and CLINC's `oos_val`): use it
 * while working. `--split test` takes them from the sets' own test split (and `oos_test`): report
 * it, do not tune on it. Then `npm run eval`'s CLI runs on the folder written (auto thresholds,
 * nothing tuned for the set).
 *
 *   MODEL_DIR=../shared/models npx tsx bench/public-sets.ts --set clinc --data <clone of clinc/oos-eval> [--split dev|test] [--per-intent N] [--misses]
 *   MODEL_DIR=../shared/models npx tsx bench/public-sets.ts --set banking --data <clone of PolyAI-LDN/task-specific-datasets> [...]
 *
 * Writes the knowledge folder to bench/.cache/public-<set>-<split>-<N>/ and prints the eval.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import YAML from 'yaml';
import { z } from 'zod';

const root = path.resolve(import.meta.dirname, '..');
/** Alternative questions per article, as the sets had. */
const QUESTIONS_PER_ARTICLE = 10;

const optionsSchema = z.object({
  set: z.enum(['clinc', 'banking']),
  data: z.string().min(1, 'pass --data <clone of the set’s repository>'),
  split: z.enum(['dev', 'test']).default('dev'),
  perIntent: z.coerce.number().int().positive().default(5),
  outOfScope: z.coerce.number().int().nonnegative().default(150),
});
type Options = z.infer<typeof optionsSchema>;
export type Split = Options['split'];

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Utterances grouped by intent, in file order. */
export type ByIntent = Map<string, string[]>;

export interface PublicSet {
  train: ByIntent;
  /** Held-out in-scope questions of the chosen split, by intent. */
  questions: ByIntent;
  outOfScope: string[];
}

function group(rows: readonly (readonly [string, string])[]): ByIntent {
  const byIntent: ByIntent = new Map();
  for (const [text, intent] of rows) byIntent.set(intent, [...(byIntent.get(intent) ?? []), text.trim()]);
  return byIntent;
}

const clincSchema = z.object({
  train: z.array(z.tuple([z.string(), z.string()])),
  test: z.array(z.tuple([z.string(), z.string()])),
  oos_val: z.array(z.tuple([z.string(), z.string()])),
  oos_test: z.array(z.tuple([z.string(), z.string()])),
});

/** CLINC150 from a clone of clinc/oos-eval (`data/data_full.json`). */
export function readClinc(dir: string, split: Split): PublicSet {
  const data = clincSchema.parse(JSON.parse(readFileSync(path.join(dir, 'data', 'data_full.json'), 'utf8')));
  const train = group(data.train);
  return split === 'test'
    ? { train, questions: group(data.test), outOfScope: data.oos_test.map(([text]) => text) }
    : { train, questions: heldOutTrain(train), outOfScope: data.oos_val.map(([text]) => text) };
}

/** A CSV of `text,category` rows; quoted fields may hold commas, doubled quotes and line breaks. */
export function readCsv(file: string): [string, string][] {
  const text = readFileSync(file, 'utf8');
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') field += text[++i];
      else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      if (record.some((f) => f !== '')) records.push(record);
      record = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || record.length > 0) records.push([...record, field]);
  return records.slice(1).map((row) => {
    if (row.length !== 2) throw new Error(`${file}: expected text,category, got ${JSON.stringify(row)}`);
    return [row[0]!, row[1]!];
  });
}

/** BANKING77 from a clone of PolyAI-LDN/task-specific-datasets (`banking_data/train.csv`, `test.csv`). */
export function readBanking(dir: string, split: Split): PublicSet {
  const train = group(readCsv(path.join(dir, 'banking_data', 'train.csv')));
  return split === 'test'
    ? { train, questions: group(readCsv(path.join(dir, 'banking_data', 'test.csv'))), outOfScope: [] }
    : { train, questions: heldOutTrain(train), outOfScope: [] };
}

/** The dev split: training utterances that do not become article questions. */
function heldOutTrain(train: ByIntent): ByIntent {
  return new Map([...train].map(([intent, texts]) => [intent, texts.slice(QUESTIONS_PER_ARTICLE)]));
}

/** Every `step`-th item, so a subset spreads over the whole list. */
function spread<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  const step = items.length / count;
  return Array.from({ length: count }, (_, i) => items[Math.floor(i * step)]!);
}

function articleId(intent: string): string {
  return intent.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** "card_arrival" → "Card arrival" ("w2" → "Topic: w2": titles have at least 3 letters). */
function title(intent: string): string {
  const words = intent.replace(/[_?]+/g, ' ').trim();
  return words.length < 3 ? `Topic: ${words}` : words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * Writes the set as a knowledge folder (articles/en/<intent>.md, eval/en/dev-set.yaml with
 * `perIntent` questions per intent and `outOfScope` out-of-scope ones, both evenly spread).
 */
export function writeKnowledge(set: PublicSet, options: Pick<Options, 'set' | 'split' | 'perIntent' | 'outOfScope'>, dir: string): { articles: number; inScope: number; outOfScope: number } {
  rmSync(dir, { recursive: true, force: true });
  const articlesDir = path.join(dir, 'articles', 'en');
  const evalDir = path.join(dir, 'eval', 'en');
  mkdirSync(articlesDir, { recursive: true });
  mkdirSync(evalDir, { recursive: true });
  const items: { question: string; article: string }[] = [];
  for (const [intent, texts] of set.train) {
    const id = articleId(intent);
    const questions = [...new Set(texts)].slice(0, QUESTIONS_PER_ARTICLE);
    const front = YAML.stringify({ id, title: title(intent), language: 'en', questions });
    writeFileSync(path.join(articlesDir, `${id}.md`), `---\n${front}---\n${title(intent)}.\n`);
    // A question word for word among the article's own would measure nothing: not asked.
    const asked = (set.questions.get(intent) ?? []).filter((question) => !questions.includes(question));
    for (const question of spread(asked, options.perIntent)) items.push({ question, article: id });
  }
  const outOfScope = spread(set.outOfScope, options.outOfScope);
  for (const question of outOfScope) items.push({ question, article: 'none' });
  const header = `# ${options.set} ${options.split} split, ${options.perIntent} questions per intent: written by bench/public-sets.ts\n`;
  writeFileSync(path.join(evalDir, 'dev-set.yaml'), header + YAML.stringify({ items }));
  return { articles: set.train.size, inScope: items.length - outOfScope.length, outOfScope: outOfScope.length };
}

function main(): void {
  const options = optionsSchema.parse({ set: option('set'), data: option('data') ?? '', split: option('split'), perIntent: option('per-intent'), outOfScope: option('out-of-scope') });
  const set = options.set === 'clinc' ? readClinc(options.data, options.split) : readBanking(options.data, options.split);
  const dir = path.join(root, 'bench', '.cache', `public-${options.set}-${options.split}-${options.perIntent}`);
  const written = writeKnowledge(set, options, dir);
  process.stdout.write(`${options.set} (${options.split}): ${written.articles} articles, ${written.inScope} in-scope and ${written.outOfScope} out-of-scope questions → ${dir}\n`);
  const evalArgs = ['tsx', 'src/eval/eval-cli.ts', '--knowledge', dir, ...(process.argv.includes('--misses') ? ['--misses'] : [])];
  const run = spawnSync('npx', evalArgs, { cwd: root, stdio: 'inherit', env: { ...process.env, DATA_DIR: path.join(dir, '.data') } });
  process.exitCode = run.status ?? 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
