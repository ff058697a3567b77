import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { loadConfig, loadDotEnv } from '../config.js';
import { KnowledgeIndex } from '../knowledge/knowledge-index.js';
import { loadArticles, requireValidArticles } from '../knowledge/load-articles.js';
import { decideAnswer, describeThresholds, type Thresholds } from '../search/answer-decision.js';
import type { Embedder } from '../search/embedder.js';
import { HashingTestEmbedder } from '../search/hashing-test-embedder.js';
import { hnswIndexFactory } from '../search/hnsw-index.js';
import { KnowledgeSearch } from '../search/knowledge-search.js';
import { loadOutOfScope } from '../search/out-of-scope.js';
import { DEFAULT_FUSION, type FusionWeights } from '../search/rank-fusion.js';
import { ANSWER_FEATURES } from '../search/answer-features.js';
import { loadOrCalibrate, thresholdsFrom } from '../search/self-calibration.js';
import { TransformersEmbedder } from '../search/transformers-embedder.js';
import { configuredModel } from '../search/create-embedder.js';
import { tierSchema, type Tier } from '../tickets/ticket.js';
import { TierClassifier } from '../tiers/tier-classifier.js';
import { loadTierExamples } from '../tiers/tier-examples.js';
import { loadTierRules } from '../tiers/tier-rules.js';
import { TIERS } from '../tiers/tier-scoring.js';
import { decisionOutcome, retrievalMetrics, tierConfusion, type RetrievalCase } from './metrics.js';
import { markdownTable } from '../markdown-table.js';

const devSetSchema = z.object({ items: z.array(z.object({ question: z.string().min(1), article: z.string().min(1) })).min(1) });
const tierSetSchema = z.object({ items: z.array(z.object({ request: z.string().min(1), tier: tierSchema })).min(1) });

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

async function readYaml<T>(file: string, schema: z.ZodType<T>): Promise<T> {
  const parsed = schema.safeParse(YAML.parse(await readFile(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** One line per in-scope question whose first-ranked article is not the expected one (`--misses`), so a team sees what to fix. */
function missLines(cases: RetrievalCase[]): string[] {
  return cases.flatMap((c) => {
    const first = c.ranked[0];
    if (c.expected === 'none' || first?.articleId === c.expected) return [];
    const rank = c.ranked.findIndex((r) => r.articleId === c.expected);
    const got = first === undefined ? 'nothing' : `${first.articleId} (${first.score.toFixed(3)})`;
    return [`- "${c.question}": expected ${c.expected}${rank > 0 ? ` at rank ${rank + 1} (${c.ranked[rank]!.score.toFixed(3)})` : ''}, first ${got}`];
  });
}

/** Out-of-scope questions the bot did not abstain on: what it answered or offered, with the top score. */
function outOfScopeMissLines(cases: RetrievalCase[], thresholds: Thresholds): string[] {
  return cases.flatMap((c) => {
    if (c.expected !== 'none') return [];
    const decision = decideAnswer(c.ranked, thresholds);
    if (decision.kind === 'not-confident') return [];
    const shown = decision.kind === 'answer' ? `answered ${decision.article.articleId}` : `offered ${decision.candidates.map((a) => a.articleId).join(', ')}`;
    return [`- "${c.question}": ${shown} (top ${c.ranked[0]!.score.toFixed(3)})`];
  });
}

/** `--name value` from argv. */
function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/**
 * `npm run eval`: per language (every `<knowledge>/eval/<lang>/`), retrieval quality, what
 * customers get at the configured (or self-calibrated) thresholds, the calibration chosen, and
 * tier accuracy with a confusion matrix.
 *
 * Options: `-- --knowledge <dir>` evaluates another knowledge base (articles/<lang>/,
 * eval/<lang>/, optional tiers/ and out-of-scope/); `-- --fusion <classifier>,<lexical>` tries
 * other fusion weights (`0,0` = dense only); `-- --stand-in` uses the hashing stand-in embedder
 * (plumbing only; its numbers say nothing about the product's quality).
 */
async function main(): Promise<void> {
  loadDotEnv();
  const config = loadConfig();
  const standIn = process.argv.includes('--stand-in');
  const knowledgeDir = path.resolve(option('--knowledge') ?? config.knowledgeDir);
  const showMisses = process.argv.includes('--misses');
  const fusionOption = option('--fusion');
  const fusion: FusionWeights = fusionOption === undefined ? DEFAULT_FUSION : (([c, l]) => ({ classifier: Number(c), lexical: Number(l) }))(fusionOption.split(','));
  const embedder: Embedder = standIn
    ? new HashingTestEmbedder()
    : await TransformersEmbedder.create(configuredModel(config));
  const out: string[] = [`# tierdesk evaluation — ${knowledgeDir} — embedder ${embedder.modelId} (${embedder.fingerprint.file})${standIn ? ' (STAND-IN: not a quality measure)' : ''}`];

  const articles = requireValidArticles(await loadArticles(path.join(knowledgeDir, 'articles')));
  const sameKnowledge = knowledgeDir === path.resolve(config.knowledgeDir);
  const indexDir = path.join(config.dataDir, standIn ? 'eval-stand-in-index' : sameKnowledge ? 'knowledge-index' : `eval-index-${path.basename(knowledgeDir)}`);
  const started = Date.now();
  const { index, report } = await KnowledgeIndex.sync({ articles, embedder, indexFactory: hnswIndexFactory, indexDir, bodyVectors: config.knowledgeBodyVectors });
  const search = new KnowledgeSearch(embedder, index, articles, { thresholds: { fallback: config.thresholds, byLanguage: {} }, defaultLanguage: config.languages.default, fusion });
  out.push('', `Articles: ${search.articleCount} ids in ${search.languages.join(', ')}; passages ${report.passages}; classifier ${report.classifierTrained ? 'trained' : 'reused'}; fusion classifier ${fusion.classifier}, lexical ${fusion.lexical} (${((Date.now() - started) / 1000).toFixed(1)} s)`);

  const calibrationStarted = Date.now();
  const { calibration, calibrated } = await loadOrCalibrate(search, indexDir, {
    outOfScope: await loadOutOfScope(knowledgeDir),
    maxWrongRate: config.maxWrongAnswerRate,
    fixed: config.fixedThresholds,
  });
  search.setThresholds(thresholdsFrom(calibration));
  out.push('', `## Self-calibration (target: at most ${pct(config.maxWrongAnswerRate)} wrong answers; ${calibrated ? `ran in ${((Date.now() - calibrationStarted) / 1000).toFixed(1)} s` : 'cached'})`, '');
  out.push(
    markdownTable(
      ['language', 'thresholds', 'held-out questions', 'out-of-scope', 'right', 'wrong (in / out of scope)', 'right article offered', 'OOS recognised', 'met target'],
      [['(pooled)', calibration.pooled] as const, ...Object.entries(calibration.byLanguage)].map(([language, c]) => [
        language,
        describeThresholds(c.thresholds),
        c.inScope,
        c.outOfScope,
        pct(c.rates.right),
        `${pct(c.rates.wrongInScope)} / ${pct(c.rates.wrongOutOfScope)}`,
        pct(c.rates.helped),
        pct(c.rates.outOfScopeRecognised),
        c.metTarget ? 'yes' : 'NO',
      ]),
    ),
  );

  if (calibration.model === undefined) out.push('', 'Scores: fixed fusion of similarity, classifier and keyword rank (no answer model: too few alternative questions, or a threshold fixed by the operator).');
  else {
    out.push('', `Scores: the answer model's probability that an article is the right one (logistic regression, trained on this knowledge base's held-out questions, questions of removed articles and off-topic ones). Weights per standardised feature:`, '');
    out.push(markdownTable(['feature', 'weight'], ANSWER_FEATURES.map((name, i) => [name, (calibration.model!.weights[i] ?? 0).toFixed(2)])));
  }

  const evalDir = path.join(knowledgeDir, 'eval');
  const languages = existsSync(evalDir)
    ? (await readdir(evalDir, { withFileTypes: true })).filter((e) => e.isDirectory() && /^[a-z]{2,3}$/.test(e.name)).map((e) => e.name).sort()
    : [];
  const summary: (string | number)[][] = [];
  const tiersDir = path.join(knowledgeDir, 'tiers');
  const classifier = existsSync(tiersDir)
    ? await TierClassifier.create(embedder, await loadTierExamples(tiersDir), await loadTierRules(sameKnowledge ? config.tiers.rulesFile : path.join(tiersDir, 'rules.yaml')), config.tiers)
    : undefined;

  for (const language of languages) {
    const thresholds = search.thresholdsFor(language);
    const row: (string | number)[] = [language];
    const devFile = path.join(evalDir, language, 'dev-set.yaml');
    if (existsSync(devFile)) {
      const dev = await readYaml(devFile, devSetSchema);
      const vectors = await search.embedQuestions(dev.items.map((item) => item.question));
      const cases: RetrievalCase[] = dev.items.map((item, i) => ({
        question: item.question,
        expected: item.article,
        ranked: search.rankVector({ text: item.question, vector: vectors[i]!, language }),
      }));
      const retrieval = retrievalMetrics(cases);
      if (showMisses) {
        out.push('', `## ${language}: questions whose first article is not the expected one`, '', ...missLines(cases));
        out.push('', `## ${language}: out-of-scope questions not recognised (${describeThresholds(thresholds)})`, '', ...outOfScopeMissLines(cases, thresholds));
      }
      const outcome = decisionOutcome(cases, thresholds);
      const n = cases.length;
      const inScope = retrieval.inScope;
      const oos = retrieval.outOfScope;
      out.push('', `## ${language}: retrieval (${inScope} in-scope questions, ${oos} out of scope)`, '');
      out.push(markdownTable(['top-1', 'top-3', 'MRR'], [[pct(retrieval.top1), pct(retrieval.top3), retrieval.mrr.toFixed(3)]]));
      out.push('', `## ${language}: what customers get (${describeThresholds(thresholds)})`, '');
      out.push(
        markdownTable(
          ['answered right', 'answered WRONG', 'did-you-mean (right in it)', 'did-you-mean (not in it)', 'missed (ticket)', 'abstained correctly'],
          [[outcome.correct, outcome.wrong, outcome.askedWithRight, outcome.askedWithoutRight, outcome.missed, outcome.abstainedCorrectly].map((c) => `${c} (${pct(c / n)})`)],
        ),
      );
      const helped = (outcome.correct + outcome.askedWithRight) / Math.max(inScope, 1);
      const recognised = outcome.abstainedCorrectly / Math.max(oos, 1);
      out.push('', `Right article directly or in did-you-mean: ${pct(helped)} of in-scope; out-of-scope recognised: ${oos === 0 ? 'n/a' : pct(recognised)}; wrong answers: ${pct(outcome.wrong / n)} of all questions.`);
      row.push(n, pct(retrieval.top1), pct(retrieval.top3), retrieval.mrr.toFixed(3), pct(outcome.wrong / n), pct(helped), oos === 0 ? 'n/a' : pct(recognised));
    } else row.push('—', '—', '—', '—', '—', '—', '—');

    const tierFile = path.join(evalDir, language, 'tier-set.yaml');
    if (classifier !== undefined && existsSync(tierFile)) {
      const tierSet = await readYaml(tierFile, tierSetSchema);
      const modelResults: { expected: Tier; predicted: Tier | 'abstain' }[] = [];
      const ruledResults: { expected: Tier; predicted: Tier | 'abstain' }[] = [];
      for (const item of tierSet.items) {
        const decision = await classifier.score(item.request);
        modelResults.push({ expected: item.tier, predicted: decision.kind === 'tier' ? decision.tier : 'abstain' });
        const routed = await classifier.classify(item.request, language);
        ruledResults.push({ expected: item.tier, predicted: routed.kind === 'tier' ? routed.classification.tier : 'abstain' });
      }
      for (const [label, results] of [['model only', modelResults], ['model + operator rules', ruledResults]] as const) {
        const tiers = tierConfusion(results);
        out.push('', `## ${language}: tier classification, ${label} (${results.length} requests; threshold ${config.tiers.threshold}, margin ${config.tiers.margin})`, '');
        out.push(markdownTable(['accuracy', 'abstained', 'accuracy when it decided'], [[pct(tiers.accuracy), `${tiers.abstained} (${pct(tiers.abstained / results.length)})`, pct(tiers.accuracyWhenDecided)]]));
        out.push('', markdownTable(['expected \\ predicted', ...TIERS, 'abstain'], TIERS.map((t) => [t, ...TIERS.map((p) => tiers.confusion[t][p]), tiers.confusion[t].abstain])));
      }
      row.push(pct(tierConfusion(ruledResults).accuracy));
    } else row.push('—');
    summary.push(row);
  }
  out.push('', '## Summary per language', '');
  out.push(markdownTable(['language', 'questions', 'top-1', 'top-3', 'MRR', 'answered wrong', 'right article directly or offered', 'OOS recognised', 'tier accuracy (with rules)'], summary));
  process.stdout.write(out.join('\n') + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`eval failed: ${(error as Error).stack ?? (error as Error).message}\n`);
  process.exit(1);
});
