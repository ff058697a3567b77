/**
 * `npx tsx bench/model-eval.ts [--model ID] [--quantized true|false] [--roles query|passage]`:
 * compares embedding models and their settings on the product's own dev and tier sets with
 * plain vector search (exact dot products over every passage, best passage per article), so the
 * choice of model file, prefixes and passage roles is measured without the ranking features
 * layered on top in src/search. `npm run eval` stays the product's quality report.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import YAML from 'yaml';
import { articleLanguage, articlePassages, type Article } from '../src/knowledge/article.js';
import { loadArticles, requireValidArticles } from '../src/knowledge/load-articles.js';
import { rankArticles } from '../src/search/answer-decision.js';
import { dot, type EmbedderFingerprint } from '../src/search/embedder.js';
import { modelSpec } from '../src/search/model-registry.js';
import { TransformersEmbedder } from '../src/search/transformers-embedder.js';
import { calibrateAnswerThreshold, decisionOutcome, retrievalMetrics, tierConfusion, type RetrievalCase } from '../src/eval/metrics.js';
import { loadTierExamples } from '../src/tiers/tier-examples.js';
import { decideTier, scoreTiers } from '../src/tiers/tier-scoring.js';
import type { Tier } from '../src/tickets/ticket.js';
import { projectRoot } from '../src/project-root.js';

const repoRoot = projectRoot();

const option = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export interface ModelEvalResult {
  model: string;
  file: string;
  roles: string;
  top1: number;
  top3: number;
  mrr: number;
  recommendedAnswer: number | undefined;
  outcome: ReturnType<typeof decisionOutcome>;
  tierAccuracy: number;
  tierAbstained: number;
  tierThreshold: number;
  embedMsPerText: number;
}

export async function evaluateModel(options: {
  modelId: string;
  modelDir: string;
  quantized?: boolean | undefined;
  roles?: EmbedderFingerprint['passageRoles'] | undefined;
  language?: string;
}): Promise<ModelEvalResult> {
  const knowledgeDir = path.join(repoRoot, 'knowledge');
  const embedder = await TransformersEmbedder.create({ modelId: options.modelId, modelDir: options.modelDir, quantized: options.quantized });
  const roles = options.roles ?? embedder.fingerprint.passageRoles;
  const language = options.language ?? 'en';
  const articles = requireValidArticles(await loadArticles(path.join(knowledgeDir, 'articles'))).filter(
    (article: Article) => articleLanguage(article) === language,
  );
  const passages = articles.flatMap((article) => articlePassages(article).map((passage) => ({ ...passage, articleId: article.id })));
  const vectors: Float32Array[] = new Array<Float32Array>(passages.length);
  const started = performance.now();
  for (const role of ['query', 'passage'] as const) {
    const at = passages.flatMap((p, i) => (roles[p.kind] === role ? [i] : []));
    const embedded = await embedder.embed(at.map((i) => passages[i]!.text), role);
    at.forEach((i, j) => (vectors[i] = embedded[j]!));
  }
  const embedMsPerText = (performance.now() - started) / passages.length;

  const dev = YAML.parse(await readFile(path.join(knowledgeDir, 'eval', language, 'dev-set.yaml'), 'utf8')) as { items: { question: string; article: string }[] };
  const questionVectors = await embedder.embed(dev.items.map((item) => item.question), 'query');
  const cases: RetrievalCase[] = dev.items.map((item, q) => ({
    question: item.question,
    expected: item.article,
    ranked: rankArticles(passages.map((p, i) => ({ articleId: p.articleId, score: dot(questionVectors[q]!, vectors[i]!) }))),
  }));
  const metrics = retrievalMetrics(cases);
  const spec = modelSpec(options.modelId);
  const base = { answer: spec.thresholds.answer, suggest: spec.thresholds.suggest, closeMargin: spec.thresholds.closeMargin };
  const calibration = calibrateAnswerThreshold(cases, base, 0.03);
  if (process.argv.includes('--grid')) {
    for (const margin of [0, 0.002, 0.005, 0.01, 0.02, 0.03]) {
      for (let answer = spec.thresholds.answer - 0.06; answer <= spec.thresholds.answer + 0.04; answer += 0.01) {
        const o = decisionOutcome(cases, { answer, suggest: answer - (spec.thresholds.answer - spec.thresholds.suggest), closeMargin: margin });
        console.log(`grid margin ${margin} answer ${answer.toFixed(2)}: right ${o.correct} wrong ${o.wrong} dym ${o.askedWithRight}+${o.askedWithoutRight} missed ${o.missed} abstained ${o.abstainedCorrectly}`);
      }
    }
  }

  const examples = await loadTierExamples(path.join(knowledgeDir, 'tiers'));
  const exampleVectors = await embedder.embed(examples.map((e) => e.text), 'query');
  const tierExamples = examples.map((e, i) => ({ ...e, vector: exampleVectors[i]! }));
  const tierFile = path.join(knowledgeDir, 'eval', language, 'tier-set.yaml');
  const tierSet = existsSync(tierFile)
    ? (YAML.parse(await readFile(tierFile, 'utf8')) as { items: { request: string; tier: Tier }[] })
    : { items: [] };
  const requestVectors = await embedder.embed(tierSet.items.map((item) => item.request), 'query');
  const tierThresholds = { threshold: spec.thresholds.tierThreshold, margin: spec.thresholds.tierMargin };
  const tiers = tierConfusion(
    tierSet.items.map((item, i) => {
      const decision = decideTier(scoreTiers(requestVectors[i]!, tierExamples), tierThresholds);
      return { expected: item.tier, predicted: decision.kind === 'tier' ? decision.tier : ('abstain' as const) };
    }),
  );
  return {
    model: embedder.modelId,
    file: embedder.fingerprint.file,
    roles: `title=${roles.title}, question=${roles.question}`,
    top1: metrics.top1,
    top3: metrics.top3,
    mrr: metrics.mrr,
    recommendedAnswer: calibration.recommended,
    outcome: decisionOutcome(cases, base),
    tierAccuracy: tiers.accuracy,
    tierAbstained: tiers.abstained / Math.max(tierSet.items.length, 1),
    tierThreshold: tierThresholds.threshold,
    embedMsPerText,
  };
}

async function main(): Promise<void> {
  const modelDir = path.resolve(repoRoot, process.env.MODEL_DIR ?? '../shared/models');
  const models = option('model') !== undefined ? [option('model')!] : ['intfloat/multilingual-e5-small', 'Xenova/all-MiniLM-L6-v2'];
  const files = option('quantized') !== undefined ? [option('quantized') === 'true'] : [false, true];
  const language = option('language') ?? 'en';
  type Role = 'query' | 'passage';
  const roleChoices: [Role, Role][] =
    option('roles') !== undefined
      ? [option('roles')!.split(',') as [Role, Role]]
      : [['query', 'query'], ['passage', 'passage']];
  console.log(`Language ${language}: ${language} dev set against the ${language} articles (exact search)\n`);
  console.log('| model | file | titles/questions as | top-1 | top-3 | MRR | right | WRONG | did-you-mean | missed | abstained ok | answer thr. for ≤3% wrong | tier acc. | tier abstained |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const modelId of models) {
    for (const quantized of files) {
      const symmetric = modelSpec(modelId).queryPrefix === modelSpec(modelId).passagePrefix;
      for (const [title, question] of symmetric ? [['passage', 'passage'] as [Role, Role]] : roleChoices) {
        const role = `${title}/${question}`;
        const r = await evaluateModel({ modelId, modelDir, quantized, roles: { title, question, body: 'passage' }, language });
        const o = r.outcome;
        console.log(
          `| ${r.model} | ${r.file} | ${role} | ${pct(r.top1)} | ${pct(r.top3)} | ${r.mrr.toFixed(3)} | ${o.correct} | ${o.wrong} | ${o.askedWithRight + o.askedWithoutRight} | ${o.missed} | ${o.abstainedCorrectly} | ${r.recommendedAnswer?.toFixed(2) ?? '—'} | ${pct(r.tierAccuracy)} | ${pct(r.tierAbstained)} |`,
        );
      }
    }
  }
}

if (process.argv[1]?.endsWith('model-eval.ts')) await main();
