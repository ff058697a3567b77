/**
 * Retrieval alone, in-process, on the real model: what `KnowledgeSearch.evidence` and its parts
 * cost per question (CPU), and a fingerprint of every result so two versions of the code can be
 * compared for identical answers before their timings are.
 *
 *   DATA_DIR=<dir> MODEL_DIR=/work/shared/models npx tsx bench/retrieval-micro.ts [--rounds 15] [--dump out.json] [--eval-dir knowledge/eval] [--every 3]
 *
 * `DATA_DIR` keeps the sample index between runs (built on the first). Questions: the dev sets of
 * every language, as typed and with a greeting and a closing (the bench's distinct questions),
 * embedded once; every round ranks all of them. Also ranks a sample with passages and articles
 * hidden (calibration's leave-one-out path) for the fingerprint. CPU = process.cpuUsage of the
 * loop (user + system) / questions; medians over rounds. Alternate old/new code runs when comparing.
 */
import { createHash } from 'node:crypto';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { loadConfig, loadDotEnv } from '../src/config.js';
import { KnowledgeIndex } from '../src/knowledge/knowledge-index.js';
import { loadArticles, requireValidArticles } from '../src/knowledge/load-articles.js';
import { configuredModel } from '../src/search/create-embedder.js';
import { hnswIndexFactory } from '../src/search/hnsw-index.js';
import { dotAt } from '../src/search/embedder.js';
import { KnowledgeSearch } from '../src/search/knowledge-search.js';
import { loadOutOfScope } from '../src/search/out-of-scope.js';
import { loadOrCalibrate } from '../src/search/self-calibration.js';
import { TransformersEmbedder } from '../src/search/transformers-embedder.js';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

loadDotEnv();
const config = loadConfig();
const rounds = Number(option('--rounds') ?? 15);
const embedder = await TransformersEmbedder.create(configuredModel(config));
const articles = requireValidArticles(await loadArticles(path.join(config.knowledgeDir, 'articles')));
const indexDir = path.join(config.dataDir, 'knowledge-index');
const { index } = await KnowledgeIndex.sync({ articles, embedder, indexFactory: hnswIndexFactory, indexDir, bodyVectors: config.knowledgeBodyVectors });
const search = new KnowledgeSearch(embedder, index, articles, { thresholds: { fallback: config.thresholds, byLanguage: {} }, defaultLanguage: config.languages.default });
// Applies the answer model and thresholds to `search` (cached beside the index after the first run).
await loadOrCalibrate(search, indexDir, {
  outOfScope: await loadOutOfScope(config.knowledgeDir),
  maxWrongRate: config.maxWrongAnswerRate,
  fixed: config.fixedThresholds,
});

// --eval-dir: another knowledge base's dev sets (the generated 10,000 articles have none).
const evalDir = option('--eval-dir') ?? path.join(config.knowledgeDir, 'eval');
const questions: { text: string; language: string; article: string | null }[] = [];
for (const language of readdirSync(evalDir).filter((d) => /^[a-z]{2,3}$/.test(d)).sort()) {
  const dev = YAML.parse(readFileSync(path.join(evalDir, language, 'dev-set.yaml'), 'utf8')) as { items: { question: string; article?: string | null }[] };
  for (const item of dev.items) {
    questions.push({ text: item.question, language, article: item.article === undefined || item.article === 'none' ? null : item.article });
    questions.push({ text: `Hi, ${item.question} Thanks.`, language, article: item.article === undefined || item.article === 'none' ? null : item.article });
  }
}
// --every K: every K-th question only (the 10,000-article base takes ~40 ms a question).
const every = Number(option('--every') ?? 1);
questions.splice(0, questions.length, ...questions.filter((_, i) => i % every === 0));
const vectors = await embedder.embed(
  questions.map((q) => q.text),
  'query',
);
const inputs = questions.map((q, i) => ({ text: q.text, vector: vectors[i]!, language: q.language }));

// Fingerprint: every ranking, plus the leave-one-out path (a passage hidden, an article removed).
const labels = [...index.texts.keys()].sort((a, b) => a - b);
const results: unknown[] = inputs.map((input) => search.rankVector(input));
for (let i = 0; i < inputs.length; i += 7) {
  const label = labels[(i * 13) % labels.length]!;
  const owner = index.labels.get(label)!;
  results.push(search.evidence({ ...inputs[i]!, exclude: new Set([label]) }));
  results.push(search.evidence({ ...inputs[i]!, excludeArticles: new Set([owner.articleId]) }));
}
const json = JSON.stringify(results);
// Top-1 of the ranking against the dev sets' expected article (in-scope questions only): what a change of candidates costs in answers.
const inScope = inputs.flatMap((_, i) => (questions[i]!.article === null ? [] : [i]));
const top1 = inScope.filter((i) => (results[i] as { articleId: string }[])[0]?.articleId === questions[i]!.article).length;
console.log(`ranked first as expected: ${top1} of ${inScope.length} in-scope questions (${((100 * top1) / Math.max(1, inScope.length)).toFixed(1)} %)`);
const dump = option('--dump');
if (dump !== undefined) writeFileSync(dump, json);

const candidates = inputs.map((input) => search.evidence(input).articles.map((a) => a.articleId));
const rows = candidates.map((ids) => ids.reduce((n, id) => n + index.articleBlock(id).labels.length, 0));
console.log(`candidate articles per question: median ${median(candidates.map((c) => c.length))}, passage rows scored: median ${median(rows)}`);
const parts: Record<string, () => void> = {
  'dense rows of candidates (dotAt)': () => {
    let sink = 0;
    inputs.forEach((input, q) => {
      for (const id of candidates[q]!) {
        const block = index.articleBlock(id);
        for (let row = 0; row < block.labels.length; row++) sink += dotAt(input.vector, block.vectors, row * input.vector.length);
      }
    });
    if (sink === 42) console.log('');
  },
  'classifier.predict': () => {
    for (const input of inputs) index.classifier.predict(input.vector);
  },
  'rankVector (evidence + score)': () => {
    for (const input of inputs) search.rankVector(input);
  },
  'lexical.search': () => {
    for (const input of inputs) index.lexical.search(input.text, 24);
  },
  'terms.query': () => {
    for (const input of inputs) index.terms.query(input.text);
  },
  'vector search (HNSW)': () => {
    for (const input of inputs) index.search(input.vector, 24);
  },
};
// Garbage: young-generation collections while each part ran (run with NODE_OPTIONS=--max-semi-space-size=1
// for ~1 MB per collection), summed over rounds, per question.
let scavenges = 0;
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++;
});
observer.observe({ entryTypes: ['gc'] });
const collections: Record<string, number> = Object.fromEntries(Object.keys(parts).map((k) => [k, 0]));
const samples: Record<string, number[]> = Object.fromEntries(Object.keys(parts).map((k) => [k, []]));
for (let r = 0; r < rounds; r++) {
  for (const [name, run] of Object.entries(parts)) {
    // GC entries arrive after a timer turn of the event loop: let them in before and after each part.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const before = scavenges;
    const t = cpuMs();
    run();
    samples[name]!.push((cpuMs() - t) / inputs.length);
    await new Promise((resolve) => setTimeout(resolve, 50));
    collections[name]! += scavenges - before;
  }
}
observer.disconnect();
console.log(`questions ${inputs.length}, rounds ${rounds}, results sha256 ${createHash('sha256').update(json).digest('hex').slice(0, 16)}`);
for (const [name, xs] of Object.entries(samples)) {
  console.log(`${name.padEnd(32)} CPU ms/question median ${median(xs).toFixed(3)}  min ${Math.min(...xs).toFixed(3)}  young GCs/100 questions ${((collections[name]! / (rounds * inputs.length)) * 100).toFixed(1)}`);
}
