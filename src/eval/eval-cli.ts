import { readFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { loadConfig, loadDotEnv } from '../config.js';
import { KnowledgeIndex } from '../knowledge/knowledge-index.js';
import { loadArticles, requireValidArticles } from '../knowledge/load-articles.js';
import type { Embedder } from '../search/embedder.js';
import { HashingTestEmbedder } from '../search/hashing-test-embedder.js';
import { hnswIndexFactory } from '../search/hnsw-index.js';
import { KnowledgeSearch } from '../search/knowledge-search.js';
import { TransformersEmbedder } from '../search/transformers-embedder.js';
import { tierSchema, type Tier } from '../tickets/ticket.js';
import { TierClassifier } from '../tiers/tier-classifier.js';
import { loadTierExamples } from '../tiers/tier-examples.js';
import { loadTierRules } from '../tiers/tier-rules.js';
import { TIERS } from '../tiers/tier-scoring.js';
import { calibrateAnswerThreshold, decisionOutcome, retrievalMetrics, tierConfusion, type RetrievalCase } from './metrics.js';

const devSetSchema = z.object({ items: z.array(z.object({ question: z.string().min(1), article: z.string().min(1) })).min(1) });
const tierSetSchema = z.object({ items: z.array(z.object({ request: z.string().min(1), tier: tierSchema })).min(1) });

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(cells[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}

async function readYaml<T>(file: string, schema: z.ZodType<T>): Promise<T> {
  const parsed = schema.safeParse(YAML.parse(await readFile(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/**
 * `npm run eval`: retrieval quality and answer/abstain outcomes on the labelled dev set, a
 * threshold calibration table, and tier accuracy with a confusion matrix on the tier set.
 * `-- --stand-in` uses the hashing stand-in embedder (plumbing only; its numbers say nothing
 * about the product's quality).
 */
async function main(): Promise<void> {
  loadDotEnv();
  const config = loadConfig();
  const standIn = process.argv.includes('--stand-in');
  const embedder: Embedder = standIn
    ? new HashingTestEmbedder()
    : await TransformersEmbedder.create({ modelId: config.embedding.modelId, modelDir: config.embedding.modelDir, batchSize: config.embedding.batchSize, cacheDir: path.join(config.dataDir, 'models') });
  const out: string[] = [`# tierdesk evaluation — embedder ${embedder.modelId}${standIn ? ' (STAND-IN: not a quality measure)' : ''}`];

  const articles = requireValidArticles(await loadArticles(path.join(config.knowledgeDir, 'articles')));
  const { index } = await KnowledgeIndex.sync({ articles, embedder, indexFactory: hnswIndexFactory, indexDir: path.join(config.dataDir, standIn ? 'eval-stand-in-index' : 'knowledge-index') });
  const search = new KnowledgeSearch(embedder, index, articles, config.thresholds);
  const dev = await readYaml(path.join(config.knowledgeDir, 'eval', 'dev-set.yaml'), devSetSchema);
  const cases: RetrievalCase[] = [];
  for (const item of dev.items) cases.push({ question: item.question, expected: item.article, ranked: await search.rank(item.question) });

  const retrieval = retrievalMetrics(cases);
  out.push('', `## Retrieval (${retrieval.inScope} in-scope questions, ${retrieval.outOfScope} out of scope)`, '');
  out.push(table(['top-1', 'top-3', 'MRR'], [[pct(retrieval.top1), pct(retrieval.top3), retrieval.mrr.toFixed(3)]]));

  const outcome = decisionOutcome(cases, config.thresholds);
  const n = cases.length;
  out.push('', `## What customers get at the configured thresholds (answer ${config.thresholds.answer}, suggest ${config.thresholds.suggest}, margin ${config.thresholds.closeMargin})`, '');
  out.push(
    table(
      ['answered right', 'answered WRONG', 'did-you-mean (right in it)', 'did-you-mean (not in it)', 'missed (ticket)', 'abstained correctly'],
      [[outcome.correct, outcome.wrong, outcome.askedWithRight, outcome.askedWithoutRight, outcome.missed, outcome.abstainedCorrectly].map((c) => `${c} (${pct(c / n)})`)],
    ),
  );

  const calibration = calibrateAnswerThreshold(cases, config.thresholds);
  out.push('', '## Answer-threshold calibration (suggest = answer − configured gap)', '');
  out.push(
    table(
      ['answer threshold', 'right', 'wrong', 'did-you-mean', 'missed', 'abstained correctly'],
      calibration.rows
        .filter((r) => Math.round(r.answer * 100) % 5 === 0)
        .map((r) => [r.answer.toFixed(2), r.outcome.correct, r.outcome.wrong, r.outcome.askedWithRight + r.outcome.askedWithoutRight, r.outcome.missed, r.outcome.abstainedCorrectly]),
    ),
  );
  out.push('', calibration.recommended === undefined ? 'No threshold keeps wrong answers at or below 5%.' : `Recommended ANSWER_THRESHOLD (lowest with ≤ 5% wrong answers): ${calibration.recommended.toFixed(2)}`);

  const tierSet = await readYaml(path.join(config.knowledgeDir, 'eval', 'tier-set.yaml'), tierSetSchema);
  const examples = await loadTierExamples(path.join(config.knowledgeDir, 'tiers'));
  const rules = await loadTierRules(config.tiers.rulesFile);
  const classifier = await TierClassifier.create(embedder, examples, rules, config.tiers);
  const modelResults: { expected: Tier; predicted: Tier | 'abstain' }[] = [];
  const ruledResults: { expected: Tier; predicted: Tier | 'abstain' }[] = [];
  for (const item of tierSet.items) {
    const decision = await classifier.score(item.request);
    modelResults.push({ expected: item.tier, predicted: decision.kind === 'tier' ? decision.tier : 'abstain' });
    const routed = await classifier.classify(item.request);
    ruledResults.push({ expected: item.tier, predicted: routed.kind === 'tier' ? routed.classification.tier : 'abstain' });
  }
  for (const [label, results] of [['model only', modelResults], ['model + operator rules', ruledResults]] as const) {
    const tiers = tierConfusion(results);
    out.push('', `## Tier classification, ${label} (${results.length} requests; threshold ${config.tiers.threshold}, margin ${config.tiers.margin})`, '');
    out.push(table(['accuracy', 'abstained', 'accuracy when it decided'], [[pct(tiers.accuracy), `${tiers.abstained} (${pct(tiers.abstained / results.length)})`, pct(tiers.accuracyWhenDecided)]]));
    out.push('', table(['expected \\ predicted', ...TIERS, 'abstain'], TIERS.map((t) => [t, ...TIERS.map((p) => tiers.confusion[t][p]), tiers.confusion[t].abstain])));
  }
  process.stdout.write(out.join('\n') + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`eval failed: ${(error as Error).message}\n`);
  process.exit(1);
});
