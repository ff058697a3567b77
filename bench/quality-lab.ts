/**
 * Answer-quality lab: dumps what the retrievers found (calibration cases and dev-set questions) once, then trains the
 * answer model and calibrates thresholds for feature variants in seconds, with the same code as self-calibration.
 * How the per-language mean feature was chosen (bench/results/2026-12-06-quality.md).
 *
 *   DATA_DIR=… MODEL_DIR=../shared/models npx tsx bench/quality-lab.ts dump [--knowledge dir] [--out bench/.cache/x.json]
 *   LAB_AUG=1 npx tsx bench/quality-lab.ts run --in bench/.cache/x.json[,bench/.cache/y.json]
 *
 * Dump options (environment): LAB_CLS=body|passage adds body or title/question passage vectors to the classifier's
 * examples; LAB_TRANS=1 also hides a held-out question's translations (per other language, the article's most
 * similar question). Run options: LAB_MAXWRONG (default 0.03). Variants live in bench/quality-variants.ts; each line
 * prints the dev-set figures, how many threshold triples on the dev set itself would meet the bar ("feas", an
 * oracle), and a 5-fold cross-validation of the answer model on the held-out article questions.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { loadConfig } from '../src/config.js';
import { KnowledgeIndex } from '../src/knowledge/knowledge-index.js';
import { loadArticles, requireValidArticles } from '../src/knowledge/load-articles.js';
import { hnswIndexFactory } from '../src/search/hnsw-index.js';
import { KnowledgeSearch, type QuestionEvidence } from '../src/search/knowledge-search.js';
import { loadOutOfScope } from '../src/search/out-of-scope.js';
import { buildEvidenceCases, calibrateLanguages, type EvidenceCase } from '../src/search/self-calibration.js';
import { TransformersEmbedder } from '../src/search/transformers-embedder.js';
import { configuredModel } from '../src/search/create-embedder.js';
import { ArticleClassifier } from '../src/search/article-classifier.js';
import { answerFeatures } from '../src/search/answer-features.js';
import { AnswerModel } from '../src/search/answer-model.js';
import { decisionOutcome, retrievalMetrics, type RetrievalCase } from '../src/eval/metrics.js';
import type { CalibrationCase } from '../src/search/threshold-calibration.js';
import { OFFER_RATIO, type ScoredArticle } from '../src/search/answer-decision.js';
import { evenlySpaced } from '../src/evenly-spaced.js';

const option = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

interface DevCase {
  language: string;
  question: string;
  expected: string;
  evidence: QuestionEvidence;
}
interface Dump {
  calibration: EvidenceCase[];
  dev: DevCase[];
}

async function dump(): Promise<void> {
  const config = loadConfig();
  const knowledgeDir = path.resolve(option('--knowledge') ?? config.knowledgeDir);
  const embedder = await TransformersEmbedder.create(configuredModel(config));
  const articles = requireValidArticles(await loadArticles(path.join(knowledgeDir, 'articles')));
  const indexDir = path.join(config.dataDir, `lab-index-${path.basename(knowledgeDir)}`);
  const { index } = await KnowledgeIndex.sync({ articles, embedder, indexFactory: hnswIndexFactory, indexDir, bodyVectors: config.knowledgeBodyVectors });
  const search = new KnowledgeSearch(embedder, index, articles, { thresholds: { fallback: config.thresholds, byLanguage: {} }, defaultLanguage: config.languages.default });
  const variant = process.env['LAB_CLS'] ?? 'base';
  const all = await index.titleAndQuestionVectors();
  const extra: { label: number; articleId: string; vector: Float32Array }[] = [];
  for (const [label, owner] of index.labels) {
    const wantBody = variant.includes('body') && owner.kind === 'body';
    const wantPassage = variant.includes('passage') && owner.kind !== 'body';
    if (!wantBody && !wantPassage) continue;
    const v = index.passageVector(label);
    if (v !== undefined) extra.push({ label, articleId: owner.articleId, vector: v });
  }
  const examplesWithout = (excluded: ReadonlySet<number>) => [...all, ...extra].flatMap((p) => (excluded.has(p.label) ? [] : [{ label: p.articleId, vector: p.vector }]));
  const aug = augmenter(index, all);
  const calibration = await labCases(search, await loadOutOfScope(knowledgeDir), all, examplesWithout, aug);
  const fullClassifier = ArticleClassifier.train(examplesWithout(new Set()));
  const dev: DevCase[] = [];
  const evalDir = path.join(knowledgeDir, 'eval');
  for (const e of await readdir(evalDir, { withFileTypes: true })) {
    const file = path.join(evalDir, e.name, 'dev-set.yaml');
    if (!e.isDirectory() || !existsSync(file)) continue;
    const items = (YAML.parse(await readFile(file, 'utf8')) as { items: { question: string; article: string }[] }).items;
    const vectors = await search.embedQuestions(items.map((i) => i.question));
    items.forEach((item, i) => dev.push({ language: e.name, question: item.question, expected: item.article, evidence: aug(search.evidence({ text: item.question, vector: vectors[i]!, language: e.name, classifier: fullClassifier }), vectors[i]!, e.name, new Set()) }));
  }
  await writeFile(option('--out') ?? 'bench/.cache/lab.json', JSON.stringify({ calibration, dev } satisfies Dump));
}

export type FeatureFn = (e: QuestionEvidence) => number[][];

export function experiment(data: Dump, features: FeatureFn = (e) => answerFeatures(e.articles, e.query), label = 'base'): string {
  const rows: number[][] = [];
  const labels: boolean[] = [];
  for (const c of data.calibration) {
    features(c.evidence).forEach((row, i) => {
      rows.push(row);
      labels.push(c.evidence.articles[i]!.articleId === c.expected);
    });
  }
  const model = AnswerModel.train(rows, labels);
  const score = (e: QuestionEvidence): ScoredArticle[] =>
    features(e)
      .map((row, i) => ({ articleId: e.articles[i]!.articleId, score: model.probability(row) }))
      .sort((a, b) => b.score - a.score || a.articleId.localeCompare(b.articleId));
  // LAB_XFIT=1: threshold cases scored by answer models trained without them (5 folds).
  const foldOf = new Map(data.calibration.map((c, k) => [c, k % 5]));
  const foldModels = process.env['LAB_XFIT'] ? [0, 1, 2, 3, 4].map((fold) => {
    const r: number[][] = [];
    const l: boolean[] = [];
    data.calibration.forEach((c, k) => { if (k % 5 !== fold) features(c.evidence).forEach((row, i) => { r.push(row); l.push(c.evidence.articles[i]!.articleId === c.expected); }); });
    return AnswerModel.train(r, l);
  }) : undefined;
  const xfit = foldModels === undefined ? undefined : (c: EvidenceCase): ScoredArticle[] =>
    features(c.evidence)
      .map((row, i) => ({ articleId: c.evidence.articles[i]!.articleId, score: foldModels[foldOf.get(c)!]!.probability(row) }))
      .sort((a, b) => b.score - a.score || a.articleId.localeCompare(b.articleId));
  // Threshold cases as thresholdCases() builds them.
  const byLanguage: Record<string, CalibrationCase[]> = {};
  const languages = [...new Set(data.calibration.map((c) => c.language))];
  for (const language of languages) {
    const of = data.calibration.filter((c) => c.language === language);
    const removed = of.filter((c) => c.kind === 'article-removed');
    const oos = of.filter((c) => c.kind === 'out-of-scope').length || data.calibration.filter((c) => c.kind === 'out-of-scope').length / languages.length;
    const limit = Math.round(oos);
    const sample = new Set(evenlySpaced(removed, limit));
    byLanguage[language] = of.filter((c) => c.kind !== 'article-removed' || sample.has(c)).map((c) => ({ expected: c.expected, ranked: xfit === undefined ? score(c.evidence) : xfit(c) }));
  }
  const cal = calibrateLanguages(byLanguage, { maxWrongRate: Number(process.env['LAB_MAXWRONG'] ?? 0.03), offerRatio: OFFER_RATIO });
  // 5-fold CV of the answer model on the calibration cases: top-1 of held-out questions, per language.
  const cv: Record<string, [number, number]> = {};
  for (let fold = 0; fold < 5; fold++) {
    const rowsF: number[][] = [];
    const labelsF: boolean[] = [];
    data.calibration.forEach((c, k) => {
      if (k % 5 === fold) return;
      features(c.evidence).forEach((row, i) => {
        rowsF.push(row);
        labelsF.push(c.evidence.articles[i]!.articleId === c.expected);
      });
    });
    const m = AnswerModel.train(rowsF, labelsF);
    data.calibration.forEach((c, k) => {
      if (k % 5 !== fold || c.kind !== 'held-out') return;
      const f = features(c.evidence);
      let best = -1;
      let bestId = '';
      f.forEach((row, i) => {
        const p = m.probability(row);
        if (p > best) [best, bestId] = [p, c.evidence.articles[i]!.articleId];
      });
      const slot = (cv[c.language] ??= [0, 0]);
      slot[0] += bestId === c.expected ? 1 : 0;
      slot[1]++;
    });
  }
  const cvLine = Object.entries(cv).sort().map(([l, [h, n]]) => `${l} ${((h / n) * 100).toFixed(1)}`).join(' ');
  const lines: string[] = [];
  for (const language of [...new Set(data.dev.map((d) => d.language))].sort()) {
    const cases: RetrievalCase[] = data.dev.filter((d) => d.language === language).map((d) => ({ question: d.question, expected: d.expected, ranked: score(d.evidence) }));
    const r = retrievalMetrics(cases);
    const t = cal.byLanguage[language]?.thresholds ?? cal.pooled.thresholds;
    const o = decisionOutcome(cases, t);
    const helped = (o.correct + o.askedWithRight) / r.inScope;
    const oosRec = o.abstainedCorrectly / Math.max(r.outOfScope, 1);
    let feasible = 0;
    for (let a = 0.2; a <= 0.96; a += 0.02) for (let s2 = 0.02; s2 <= a; s2 += 0.02) for (const m of [0, 0.01]) {
      const f = decisionOutcome(cases, { answer: a, suggest: s2, closeMargin: m, offerRatio: OFFER_RATIO });
      if ((f.correct + f.askedWithRight) / r.inScope >= 0.75 && f.abstainedCorrectly / Math.max(r.outOfScope, 1) >= 0.8 && f.wrong / cases.length <= 0.03) feasible++;
    }
    const ok = r.top1 >= 0.9 && r.mrr >= 0.94 && o.wrong / cases.length <= 0.03 && helped >= 0.75 && oosRec >= 0.8;
    lines.push(
      `${label.padEnd(28)} ${language} top1 ${(r.top1 * 100).toFixed(1)} mrr ${r.mrr.toFixed(3)} wrong ${((o.wrong / cases.length) * 100).toFixed(1)} helped ${(helped * 100).toFixed(1)} oos ${(oosRec * 100).toFixed(1)} feas ${feasible} a/s ${t.answer.toFixed(3)}/${t.suggest.toFixed(3)} ${ok ? 'OK' : ''}`,
    );
  }
  lines.push(`${label.padEnd(28)} CV held-out top1: ${cvLine}`);
  return lines.join('\n');
}

async function run(): Promise<void> {
  const files = (option('--in') ?? 'bench/.cache/lab.json').split(',');
  for (const file of files) {
    const data = JSON.parse(await readFile(file, 'utf8')) as Dump;
    console.log(`# ${file}`);
    const variants = (await import('./quality-variants.js')).variants as Record<string, FeatureFn>;
    for (const [name, fn] of Object.entries(variants)) console.log(experiment(data, fn, name));
  }
}

if (process.argv[2] === 'dump') await dump();
else await run();

async function labCases(
  search: KnowledgeSearch,
  outOfScope: Record<string, string[]>,
  all: { label: number; articleId: string; vector: Float32Array }[],
  examplesWithout: (excluded: ReadonlySet<number>) => { label: string; vector: Float32Array }[],
  aug: Aug,
): Promise<EvidenceCase[]> {
  const { index } = search;
  const vectorOf = new Map(all.map((p) => [p.label, p.vector]));
  const questions = [...index.labels]
    .filter(([label, owner]) => owner.kind === 'question' && vectorOf.has(label))
    .map(([label, owner]) => ({ label, ...owner, text: index.texts.get(label) ?? '' }))
    .filter((q) => q.text !== '')
    .sort((a, b) => a.label - b.label);
  const cases: EvidenceCase[] = [];
  const full = ArticleClassifier.train(examplesWithout(new Set()));
  const FOLDS = 5;
  // A held-out question's translations: per other language, the article's most similar title/question passage.
  const translations = (label: number): number[] => {
    if (!process.env['LAB_TRANS'] && !process.env['LAB_SIB']) return [];
    const owner = index.labels.get(label)!;
    const v = vectorOf.get(label)!;
    const best = new Map<string, [number, number]>();
    for (const other of index.articleLabels(owner.articleId)) {
      const o = index.labels.get(other)!;
      if (other === label || o.kind === 'body') continue;
      if (o.language === owner.language ? !process.env['LAB_SIB'] : !process.env['LAB_TRANS']) continue;
      const ov = vectorOf.get(other);
      if (ov === undefined) continue;
      let sim = 0;
      for (let d = 0; d < v.length; d++) sim += v[d]! * ov[d]!;
      if (sim > (best.get(o.language)?.[0] ?? -2)) best.set(o.language, [sim, other]);
    }
    return [...best.values()].map(([, l]) => l);
  };
  for (let fold = 0; fold < FOLDS; fold++) {
    const heldOut = questions.filter((_, i) => i % FOLDS === fold);
    const foldExcluded = new Set(heldOut.flatMap((q) => [q.label, ...translations(q.label)]));
    const classifier = ArticleClassifier.train(examplesWithout(foldExcluded));
    for (const q of heldOut) {
      const exclude = new Set([q.label, ...translations(q.label)]);
      cases.push({ language: q.language, kind: 'held-out', expected: q.articleId, evidence: aug(search.evidence({ text: q.text, vector: vectorOf.get(q.label)!, language: q.language, exclude, classifier }), vectorOf.get(q.label)!, q.language, exclude) });
    }
  }
  const articleIds = [...new Set(questions.map((q) => q.articleId))].sort();
  for (let fold = 0; fold < FOLDS; fold++) {
    const removed = new Set(articleIds.filter((_, i) => i % FOLDS === fold));
    const removedLabels = new Set([...index.labels].filter(([, owner]) => removed.has(owner.articleId)).map(([label]) => label));
    const classifier = ArticleClassifier.train(examplesWithout(removedLabels));
    for (const q of questions.filter((q) => removed.has(q.articleId))) cases.push({ language: q.language, kind: 'article-removed', expected: 'none', evidence: aug(search.evidence({ text: q.text, vector: vectorOf.get(q.label)!, language: q.language, excludeArticles: removed, classifier }), vectorOf.get(q.label)!, q.language, new Set()) });
  }
  for (const [language, texts] of Object.entries(outOfScope)) {
    const v = await search.embedQuestions(texts);
    texts.forEach((text, i) => cases.push({ language, kind: 'out-of-scope', expected: 'none', evidence: aug(search.evidence({ text, vector: v[i]!, language, classifier: full }), v[i]!, language, new Set()) }));
  }
  return cases;
}

type Aug = (e: QuestionEvidence, q: Float32Array, language: string, exclude: ReadonlySet<number>) => QuestionEvidence;
function augmenter(index: KnowledgeIndex, all: { label: number; articleId: string; vector: Float32Array }[]): Aug {
  const queryVec = new Map(all.map((p) => [p.label, p.vector]));
  const dotp = (a: Float32Array, b: Float32Array) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!; return s; };
  return (e, q, language, exclude) => {
    for (const a of e.articles) {
      const x = a as unknown as Record<string, number>;
      const D = q.length;
      const cp = new Float64Array(D), cq = new Float64Array(D);
      let bestQQ = -1, sameLang = -1, sameLangQ = -1; const perLang = new Map<string, number>();
      const bodies: number[] = [];
      for (const label of index.articleLabels(a.articleId)) {
        if (exclude.has(label)) continue;
        const owner = index.labels.get(label)!; const pv = index.passageVector(label);
        if (pv === undefined) continue;
        const sp = dotp(q, pv);
        perLang.set(owner.language, Math.max(perLang.get(owner.language) ?? -1, sp));
        if (owner.language === language) sameLang = Math.max(sameLang, sp);
        if (owner.kind === 'body') { bodies.push(sp); continue; }
        for (let d = 0; d < D; d++) cp[d]! += pv[d]!;
        const qv = queryVec.get(label);
        if (qv !== undefined) { const sq = dotp(q, qv); bestQQ = Math.max(bestQQ, sq); if (owner.language === language) sameLangQ = Math.max(sameLangQ, sq); for (let d = 0; d < D; d++) cq[d]! += qv[d]!; }
      }
      const cos = (c: Float64Array) => { let n = 0, s = 0; for (let d = 0; d < D; d++) { n += c[d]! * c[d]!; s += c[d]! * q[d]!; } return n > 0 ? s / Math.sqrt(n) : 0; };
      bodies.sort((m, n) => n - m);
      x['centroidP'] = cos(cp); x['centroidQ'] = cos(cq); x['bestQQ'] = bestQQ; x['sameLang'] = sameLang; x['sameLangQ'] = sameLangQ;
      x['langMean'] = [...perLang.values()].reduce((m, n) => m + n, 0) / Math.max(perLang.size, 1);
      x['bodyMean2'] = bodies.length === 0 ? 0 : (bodies[0]! + (bodies[1] ?? bodies[0]!)) / 2;
    }
    return e;
  };
}
