import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { evenlySpaced } from '../evenly-spaced.js';
import { runAll, runPausing, type Stepwise } from '../stepwise.js';
import { writeFileAtomically } from '../storage/atomic-file.js';
import path from 'node:path';
import { z } from 'zod';
import { OFFER_RATIO } from './answer-decision.js';
import { answerFeatures } from './answer-features.js';
import { AnswerModel, answerModelSchema } from './answer-model.js';
import type { ArticleClassifier } from './article-classifier.js';
import { ClassifierTrainer } from './classifier-training.js';
import type { KnowledgeSearch, LanguageThresholds, QuestionEvidence } from './knowledge-search.js';
import { calibrateThresholds, calibrationSchema, type Calibration, type CalibrationCase, type CalibrationOptions } from './threshold-calibration.js';

/** Folds for held-out training: each question is ranked by a classifier that never saw it. */
const FOLDS = 5;
/**
 * A language gets its own thresholds only when its held-out questions can show the wrong-answer
 * target as a few events, not one: at 3 % that is 100 questions (3 wrong answers). With fewer, one
 * question decides a threshold. Measured on an 8-article knowledge base (51 Portuguese questions):
 * its own calibration put the suggest threshold at 0.416, just above the help centre's "Como posso
 * solicitar minha senha?" (0.402, the right article 27× ahead of the next), which then got "not
 * confident"; the pooled calibration (143 questions of three languages) put it at 0.325.
 */
const WRONG_EVENTS_FOR_OWN_CALIBRATION = 3;
const MIN_LANGUAGE_QUESTIONS = 20;
/** Fewer held-out questions than this: too little to learn from, the fixed fusion scores instead. */
const MIN_MODEL_QUESTIONS = 30;
/**
 * Held-out questions calibration looks at, at most (evenly spread over the knowledge base). Enough
 * for thresholds and a 20-feature model; a 10,000-article knowledge base has 40,000 alternative
 * questions, and ranking all of them twice (held out, article removed) would take many minutes.
 */
const MAX_QUESTIONS = 3000;
/** Bump when case building, the answer model or the chooser changes, so cached calibrations are redone. */
const CALIBRATION_VERSION = 'answer-model-v4';

export interface SelfCalibrationOptions {
  /** Generic (and knowledge-base specific) out-of-scope questions per language. */
  outOfScope: Readonly<Record<string, readonly string[]>>;
  maxWrongRate: number;
  /** Thresholds the operator set to a number: kept, the others are calibrated. */
  fixed?: CalibrationOptions['fixed'];
  /** Ends a calibration running in the background (the server stopping): it rejects with the abort reason. */
  signal?: AbortSignal;
  /**
   * Runs beside customers' turns (the server's background calibrations): every classifier is
   * trained on a worker thread, whatever the size, at the lowest CPU priority
   * (runtime/thread-priority.ts). On this thread each training held the event
   * loop ~0.3 s on the sample knowledge base, ten times per calibration; under 100 concurrent
   * conversations the turns' p99 rose from ~2.3 to 4.6 s while it ran (`bench/reload-while-serving.ts
   * --concurrency 100`, `bench/results/2026-12-07-round22.md`).
   */
  background?: boolean;
}

/**
 * Questions ranked between two yields to the event loop. A server recalibrating in the background
 * keeps answering: one ranking is ~1–10 ms (10,000 articles), so customers wait at most ~0.1 s.
 */
const EVIDENCE_PER_YIELD = 16;

/** Lets timers and I/O run every `every` calls, and stops there when `signal` is aborted. */
function yielder(signal: AbortSignal | undefined, every = EVIDENCE_PER_YIELD): () => Promise<void> {
  let calls = 0;
  return async () => {
    if (++calls % every !== 0) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    signal?.throwIfAborted();
  };
}

/** Calibration per language plus the pooled one used for languages without enough questions, and the answer model. */
export const selfCalibrationSchema = z.object({
  pooled: calibrationSchema,
  byLanguage: z.record(z.string(), calibrationSchema),
  /** Absent for knowledge bases too small to learn from: the fixed fusion scores then. */
  model: answerModelSchema.optional(),
});

export type SelfCalibration = z.infer<typeof selfCalibrationSchema>;

/**
 * One labelled question and what the retrievers found for it:
 * - `held-out`: an alternative question, its own passage hidden and the classifier trained
 *   without it: must find its article;
 * - `article-removed`: a question of an article removed from the index (with its words and
 *   from the classifier): a near-topic question the knowledge base cannot answer;
 * - `out-of-scope`: a generic off-topic question (out-of-scope.ts).
 */
export interface EvidenceCase {
  language: string;
  kind: 'held-out' | 'article-removed' | 'out-of-scope';
  /** Article id, or 'none'. */
  expected: string;
  evidence: QuestionEvidence;
}

/**
 * Builds labelled cases from the knowledge base itself (no dev set needed). Why removed
 * articles: the generic off-topic questions are easy to refuse; what makes a bot answer wrongly
 * is the question *near* its topics that no article covers ("does it integrate with Slack" in a
 * desk that documents integrations). Removing each article in turn, its own questions become
 * exactly such questions, for any knowledge base.
 */
export async function buildEvidenceCases(
  search: KnowledgeSearch,
  outOfScope: SelfCalibrationOptions['outOfScope'],
  signal?: AbortSignal,
  background = false,
): Promise<EvidenceCase[]> {
  // One worker for the ten folds' trainings (when there is a worker), started while the vectors are read.
  const articles = new Set([...search.index.labels.values()].map((owner) => owner.articleId)).size;
  const trainer = ClassifierTrainer.session(articles, background || undefined, background);
  try {
    return await evidenceCases(search, outOfScope, trainer, signal);
  } finally {
    trainer.close();
  }
}

/** `buildEvidenceCases` with the trainer it closes after. */
async function evidenceCases(
  search: KnowledgeSearch,
  outOfScope: SelfCalibrationOptions['outOfScope'],
  trainer: ClassifierTrainer,
  signal: AbortSignal | undefined,
): Promise<EvidenceCase[]> {
  const { index } = search;
  const pause = yielder(signal);
  const all = await index.titleAndQuestionVectors();
  const vectorOf = new Map(all.map((p) => [p.label, p.vector]));
  const examplesWithout = (excluded: ReadonlySet<number>) => all.flatMap((p) => (excluded.has(p.label) ? [] : [{ label: p.articleId, vector: p.vector }]));
  // `ArticleClassifier.train` on every title and question but the fold's, on a worker thread for a
  // large knowledge base (classifier-training.ts) and for any size in the background, there at the
  // lowest CPU priority (runtime/thread-priority.ts). The first fold's sums of outer products serve
  // the others: each fold leaves out a tenth to a fifth of the examples, so adding back the first
  // fold's and removing its own costs a fraction of summing all (at 10,000 articles the sum over
  // 45,000 examples was most of a fold's training, and a 153 MB matrix). Same classifier up to rounding.
  let first: { gram: Float64Array; excluded: Float32Array[] } | undefined;
  const train = async (excluded: ReadonlySet<number>) => {
    signal?.throwIfAborted();
    const excludedVectors = [...excluded].flatMap((label) => vectorOf.get(label) ?? []);
    const examples = examplesWithout(excluded);
    if (first === undefined) {
      const trained = await trainer.train(examples, undefined);
      first = { gram: trained.gram, excluded: excludedVectors };
      return trained.classifier;
    }
    return (await trainer.train(examples, first.gram, { add: first.excluded, remove: excludedVectors })).classifier;
  };
  const questions = evenlySpaced(
    [...index.labels]
      .filter(([label, owner]) => owner.kind === 'question' && vectorOf.has(label))
      .map(([label, owner]) => ({ label, ...owner, text: index.texts.get(label) ?? '' }))
      .filter((q) => q.text !== '')
      .sort((a, b) => a.label - b.label),
    MAX_QUESTIONS,
  );
  const cases: EvidenceCase[] = [];

  // Ten folds, each a classifier trained without some passages and the questions it then ranks:
  // first each fifth of the questions held out, then each fifth of the articles removed.
  interface Fold {
    excluded: ReadonlySet<number>;
    rank: (classifier: ArticleClassifier) => Promise<void>;
  }
  const folds: Fold[] = [];
  for (let fold = 0; fold < FOLDS; fold++) {
    const heldOut = questions.filter((_, i) => i % FOLDS === fold);
    if (heldOut.length === 0) continue;
    folds.push({
      excluded: new Set(heldOut.map((q) => q.label)),
      rank: async (classifier) => {
        for (const q of heldOut) {
          await pause();
          const evidence = search.evidence({ text: q.text, vector: vectorOf.get(q.label)!, language: q.language, exclude: new Set([q.label]), classifier });
          cases.push({ language: q.language, kind: 'held-out', expected: q.articleId, evidence });
        }
      },
    });
  }
  const articleIds = [...new Set(questions.map((q) => q.articleId))].sort();
  if (articleIds.length > FOLDS) {
    for (let fold = 0; fold < FOLDS; fold++) {
      const removed = new Set(articleIds.filter((_, i) => i % FOLDS === fold));
      folds.push({
        excluded: new Set([...index.labels].filter(([, owner]) => removed.has(owner.articleId)).map(([label]) => label)),
        rank: async (classifier) => {
          for (const q of questions.filter((q) => removed.has(q.articleId))) {
            await pause();
            const evidence = search.evidence({ text: q.text, vector: vectorOf.get(q.label)!, language: q.language, excludeArticles: removed, classifier });
            cases.push({ language: q.language, kind: 'article-removed', expected: 'none', evidence });
          }
        },
      });
    }
  }
  // The next fold's classifier trains (on its worker thread) while this thread ranks the current
  // fold's questions: both cores work. At 10,000 articles the ten trainings and the ~6,000
  // rankings had taken turns, one core idle (136 s of calibration at 109 % CPU).
  let training = folds.length > 0 ? train(folds[0]!.excluded) : undefined;
  for (const [i, fold] of folds.entries()) {
    const classifier = await training!;
    training = i + 1 < folds.length ? train(folds[i + 1]!.excluded) : undefined;
    // A failed next training must not go unhandled while this fold ranks; it is awaited next turn.
    training?.catch(() => undefined);
    await fold.rank(classifier);
  }
  for (const [language, texts] of Object.entries(outOfScope)) {
    const oosVectors = await search.embedQuestions(texts);
    for (const [i, text] of texts.entries()) {
      await pause();
      cases.push({ language, kind: 'out-of-scope', expected: 'none', evidence: search.evidence({ text, vector: oosVectors[i]!, language }) });
    }
  }
  return cases;
}

/** Trains the answer model on every case: each candidate article is one example, right (the expected article) or not. */
export function trainAnswerModel(cases: readonly EvidenceCase[]): AnswerModel | undefined {
  return runAll(trainAnswerModelSteps(cases));
}

/** `trainAnswerModel`, yielding between its Newton steps (stepwise.ts). */
function* trainAnswerModelSteps(cases: readonly EvidenceCase[]): Stepwise<AnswerModel | undefined> {
  if (cases.filter((c) => c.kind === 'held-out').length < MIN_MODEL_QUESTIONS) return undefined;
  const rows: number[][] = [];
  const labels: boolean[] = [];
  for (const c of cases) {
    answerFeatures(c.evidence.articles, c.evidence.query).forEach((row, i) => {
      rows.push(row);
      labels.push(c.evidence.articles[i]!.articleId === c.expected);
    });
  }
  return yield* AnswerModel.trainSteps(rows, labels);
}

/**
 * The cases thresholds are chosen on, per language: the held-out questions, the generic
 * off-topic ones, and as many removed-article questions as off-topic ones (evenly spread), so
 * near-topic and off-topic questions weigh the same on the "must not answer" side whatever the
 * size of the knowledge base.
 */
export function thresholdCases(search: KnowledgeSearch, cases: readonly EvidenceCase[], model: AnswerModel | undefined): Record<string, CalibrationCase[]> {
  const byLanguage: Record<string, CalibrationCase[]> = {};
  const languages = [...new Set(cases.map((c) => c.language))];
  const offTopicCount = (language: string) => cases.filter((c) => c.kind === 'out-of-scope' && c.language === language).length || cases.filter((c) => c.kind === 'out-of-scope').length / Math.max(languages.length, 1);
  for (const language of languages) {
    const ofLanguage = cases.filter((c) => c.language === language);
    const removed = ofLanguage.filter((c) => c.kind === 'article-removed');
    const sample = new Set(evenlySpaced(removed, Math.round(offTopicCount(language))));
    byLanguage[language] = ofLanguage
      .filter((c) => c.kind !== 'article-removed' || sample.has(c))
      .map((c) => ({ expected: c.expected, ranked: search.score(c.evidence, model) }));
  }
  return byLanguage;
}

/** Calibrates per language (languages with too few questions get the pooled calibration). */
export function calibrateLanguages(casesByLanguage: Readonly<Record<string, CalibrationCase[]>>, options: CalibrationOptions): Omit<SelfCalibration, 'model'> {
  return runAll(calibrateLanguageSteps(casesByLanguage, options));
}

/** `calibrateLanguages`, yielding after each language's threshold search (stepwise.ts). */
function* calibrateLanguageSteps(casesByLanguage: Readonly<Record<string, CalibrationCase[]>>, options: CalibrationOptions): Stepwise<Omit<SelfCalibration, 'model'>> {
  const all = Object.values(casesByLanguage).flat();
  const pooled = calibrateThresholds(all, options);
  yield;
  const byLanguage: Record<string, Calibration> = {};
  for (const [language, languageCases] of Object.entries(casesByLanguage)) {
    const inScope = languageCases.filter((c) => c.expected !== 'none').length;
    if (inScope < Math.max(MIN_LANGUAGE_QUESTIONS, Math.ceil(WRONG_EVENTS_FOR_OWN_CALIBRATION / options.maxWrongRate))) continue;
    // Out-of-scope cases of other languages join when this language has none of its own.
    const withOos = languageCases.some((c) => c.expected === 'none') ? languageCases : [...languageCases, ...all.filter((c) => c.expected === 'none')];
    byLanguage[language] = calibrateThresholds(withOos, options);
    yield;
  }
  return { pooled, byLanguage };
}

/** Trains the answer model and chooses thresholds on its scores. */
export async function selfCalibrate(search: KnowledgeSearch, options: SelfCalibrationOptions): Promise<SelfCalibration> {
  const cases = await buildEvidenceCases(search, options.outOfScope, options.signal, options.background);
  // A threshold the operator fixed is a number on the similarity scale they know: keep that scale.
  const anyFixed = Object.values(options.fixed ?? {}).some((value) => value !== undefined);
  // Step by step, the event loop turning between steps: customers' turns wait ~20–130 ms at most
  // instead of ~0.5 s twice (sample knowledge base).
  const pause = yielder(options.signal, 1);
  const model = anyFixed ? undefined : await runPausing(trainAnswerModelSteps(cases), pause);
  const calibration = await runPausing(calibrateLanguageSteps(thresholdCases(search, cases, model), model === undefined ? options : { ...options, offerRatio: OFFER_RATIO }), pause);
  return model === undefined ? calibration : { ...calibration, model: model.toJSON() };
}

/** The thresholds search uses, from a calibration. */
export function thresholdsFrom(calibration: SelfCalibration): LanguageThresholds {
  return {
    fallback: calibration.pooled.thresholds,
    byLanguage: Object.fromEntries(Object.entries(calibration.byLanguage).map(([language, c]) => [language, c.thresholds])),
  };
}

/** Puts a calibration to use: its answer model (scores) and its thresholds (on those scores) go together. */
export function applyCalibration(search: KnowledgeSearch, calibration: SelfCalibration): void {
  search.setAnswerModel(calibration.model === undefined ? undefined : AnswerModel.fromJSON(calibration.model));
  search.setThresholds(thresholdsFrom(calibration));
}

/**
 * calibration.json beside the index. `settings`: the key without the passages' hash, so a server
 * restarted after articles changed can answer with the last calibration while it makes a new one
 * (absent in files written before it: those are calibrated again before use).
 */
const CALIBRATION_FILE = 'calibration.json';

const cacheSchema = z.object({ key: z.string(), settings: z.string().optional(), calibration: selfCalibrationSchema });

function cacheKeys(search: KnowledgeSearch, options: SelfCalibrationOptions): { key: string; settings: string } {
  const hash = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');
  const settings = [CALIBRATION_VERSION, search.fusion, search.crossLanguagePenalty, options.maxWrongRate, options.fixed ?? {}, options.outOfScope];
  const [version, ...rest] = settings;
  return { key: hash([version, search.index.contentHash, ...rest]), settings: hash(settings) };
}

/** A calibration saved beside the index: `current` when made for these passages, else for others under the same settings. */
export interface SavedCalibration {
  calibration: SelfCalibration;
  current: boolean;
}

/** The calibration saved beside the index, if it was made under the same settings (see `SavedCalibration`). */
export async function savedCalibration(search: KnowledgeSearch, indexDir: string, options: SelfCalibrationOptions): Promise<SavedCalibration | undefined> {
  const { key, settings } = cacheKeys(search, options);
  try {
    const cached = cacheSchema.safeParse(JSON.parse(await readFile(path.join(indexDir, CALIBRATION_FILE), 'utf8')));
    if (!cached.success) return undefined;
    if (cached.data.key === key) return { calibration: cached.data.calibration, current: true };
    if (cached.data.settings === settings) return { calibration: cached.data.calibration, current: false };
  } catch {
    // No or unreadable file: nothing saved.
  }
  return undefined;
}

/** Runs the calibration for `search`'s passages and saves it beside the index (it is not applied: see `applyCalibration`). */
export async function calibrateAndSave(search: KnowledgeSearch, indexDir: string, options: SelfCalibrationOptions): Promise<SelfCalibration> {
  const keys = cacheKeys(search, options);
  const calibration = await selfCalibrate(search, options);
  // A newer reload's calibration replaced this one while it ran: its file is the one to keep.
  options.signal?.throwIfAborted();
  await writeFileAtomically(path.join(indexDir, CALIBRATION_FILE), JSON.stringify({ ...keys, calibration }));
  return calibration;
}

/**
 * Loads the calibration saved beside the index when nothing it depends on changed (passages,
 * fusion, target, fixed thresholds, out-of-scope set), else runs it and saves it; either way it
 * is applied to `search` (answer model and thresholds). Returns whether it ran, for the ingest report.
 */
export async function loadOrCalibrate(
  search: KnowledgeSearch,
  indexDir: string,
  options: SelfCalibrationOptions,
): Promise<{ calibration: SelfCalibration; calibrated: boolean }> {
  const saved = await savedCalibration(search, indexDir, options);
  const calibration = saved?.current === true ? saved.calibration : await calibrateAndSave(search, indexDir, options);
  applyCalibration(search, calibration);
  return { calibration, calibrated: saved?.current !== true };
}
