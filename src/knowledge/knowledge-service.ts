import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Thresholds } from '../search/answer-decision.js';
import type { Embedder } from '../search/embedder.js';
import { KnowledgeSearch, type LanguageThresholds } from '../search/knowledge-search.js';
import { loadOutOfScope } from '../search/out-of-scope.js';
import { StoredEmbeddings } from '../search/stored-embeddings.js';
import { applyCalibration, calibrateAndSave, savedCalibration, thresholdsFrom, type SelfCalibration, type SelfCalibrationOptions } from '../search/self-calibration.js';
import type { VectorIndexFactory } from '../search/vector-index.js';
import type { Logger } from '../logger.js';
import { TierClassifier } from '../tiers/tier-classifier.js';
import { loadTierExamples } from '../tiers/tier-examples.js';
import { loadTierRules } from '../tiers/tier-rules.js';
import type { TierThresholds } from '../tiers/tier-scoring.js';
import { KnowledgeIndex, type BodyVectors, type SyncReport } from './knowledge-index.js';
import { articleKey, type Article } from './article.js';
import { loadArticles, missingTranslations, PARSED_ARTICLES_FILE, readParsedArticles, writeParsedArticles, type ArticleProblem, type LoadedArticles, type MissingTranslation, type ParsedArticles } from './load-articles.js';

export type KnowledgeState =
  | { state: 'loading' }
  | {
      state: 'ready';
      search: KnowledgeSearch;
      classifier: TierClassifier;
      report: SyncReport;
      problems: ArticleProblem[];
      /** Article ids lacking a language that other articles have. */
      missingTranslations: MissingTranslation[];
      /** The self-calibration in use (undefined when every threshold is a fixed number). */
      calibration: SelfCalibration | undefined;
    }
  | { state: 'failed'; error: string; attempts: number; retryAt: string | undefined };

export interface KnowledgeServiceOptions {
  knowledgeDir: string;
  dataDir: string;
  /** Thresholds used where no calibration applies (all fixed, or before one exists). */
  thresholds: Thresholds;
  /**
   * Thresholds the operator fixed (config.fixedThresholds); when not all three are, the rest are
   * calibrated per language. Left out, `thresholds` are used as they are.
   */
  fixedThresholds?: Partial<Thresholds>;
  /** Self-calibration target (MAX_WRONG_ANSWER_RATE). */
  maxWrongAnswerRate?: number;
  /** Language assumed for questions that come without one (DEFAULT_LANGUAGE). */
  defaultLanguage?: string;
  tiers: TierThresholds & { rulesFile: string };
  /** Loading the model can take a while (or fail offline); it happens in the background. */
  createEmbedder: () => Promise<Embedder>;
  indexFactory: VectorIndexFactory;
  /** Which article body chunks get vectors (KNOWLEDGE_BODY_VECTORS); default `all`. */
  bodyVectors?: BodyVectors;
  logger: Logger;
  /**
   * After a failed load, try again after `initialMs`, doubling up to `maxMs`: a model copied into
   * MODEL_DIR or a network that comes back is picked up without a restart. `initialMs: 0` disables.
   */
  retry?: { initialMs: number; maxMs: number };
  /**
   * With `auto` thresholds: when hot reloads have changed `changedShare` of the articles (default
   * `RECALIBRATE_CHANGED_SHARE`) since the calibration in use was made, the answer model and
   * thresholds are calibrated again in the background once reloads have been quiet for `quietMs`
   * (default `RECALIBRATE_AFTER_RELOAD_MS`). A reload meanwhile starts the wait again and ends a
   * calibration in progress.
   */
  recalibrateAfterReload?: { quietMs?: number; changedShare?: number };
  /**
   * Called once each time a load, a hot reload or a background calibration succeeds: the app
   * passes a full GC and glibc's trim of the C heap when it loads the real model
   * (src/runtime/collect-garbage.ts), so the model file's bytes do not stay in RSS, nor the
   * replaced index after a reload (at 10,000 articles the server measured 1.2–1.3 GB after two
   * reloads without it; in-process, each reload's garbage is ~320 MB and a full GC returns it
   * all), nor the buffers an index build or a calibration freed among live ones.
   */
  afterLoad?: () => void;
}

/**
 * The tier classifier of a knowledge folder: its examples embedded with `embedder`, their vectors
 * kept in `<dataDir>/embeddings` (stored-embeddings.ts) and its trained head beside them, one
 * file per model. `npm run ingest` calls it too, so the first start after an ingest finds both
 * and does not spend the model's time on the examples (~10–13 s on 2 cores).
 *
 * The store wraps only this call's embedder: it writes the texts of the bulk calls made through
 * it, so nothing else may share it. When the server's one embedder was wrapped, a start that
 * calibrated wrote the file with the off-topic questions it had just embedded and without the
 * tier examples (found in memory, not embedded, so not "used"): the next start spent 10 s
 * embedding them again before /ready (10,000 articles: /ready 11.7 s instead of 2.5). And the
 * gap report's bulk call would have written customers' questions to that file.
 */
export async function loadTierClassifier(
  embedder: Embedder,
  options: Pick<KnowledgeServiceOptions, 'knowledgeDir' | 'dataDir' | 'tiers'>,
): Promise<TierClassifier> {
  return TierClassifier.create(
    new StoredEmbeddings(embedder, path.join(options.dataDir, 'embeddings')),
    await loadTierExamples(path.join(options.knowledgeDir, 'tiers')),
    await loadTierRules(options.tiers.rulesFile),
    options.tiers,
    { headFile: path.join(options.dataDir, 'embeddings', `tier-head-${createHash('sha256').update(embedder.modelId).digest('hex').slice(0, 16)}.json`) },
  );
}

/** A calibration's thresholds, as the log shows them. */
function calibrationLog(calibration: SelfCalibration): Record<string, unknown> {
  const { fallback, byLanguage } = thresholdsFrom(calibration);
  return { pooled: fallback, byLanguage };
}

const DEFAULT_RETRY = { initialMs: 60_000, maxMs: 30 * 60_000 };

/**
 * A hot reload answers at once with the calibration it had, made for the passages before it. The
 * answer model's features (classifier probabilities over all articles, the best other article)
 * and the thresholds chosen on its scores drift as articles are added, edited or removed, and a
 * server that is never restarted (articles published from the agent workspace, a synced folder)
 * would keep its first calibration for ever. So it calibrates again in the background once the
 * reloads have been quiet this long: a burst of saves costs one calibration, not one per file.
 */
export const RECALIBRATE_AFTER_RELOAD_MS = 5_000;
/**
 * ...and once the reloads since the last calibration changed this share of the articles (article
 * versions: one article in three languages is three). A few edits barely move thresholds that are
 * statistics over the whole knowledge base, while a calibration is not free: for the sample
 * knowledge base (144 versions: from 3 changed) ~10 s of CPU; at 10,000 articles (from 203) ~130 s
 * in the background while serving, and the process's RSS went from ~430 to 855 MB during it, 615 MB
 * 3 s after it and 470 MB after the next load round (`bench/ten-k-server.ts` with a calibration
 * after its 10-file reload, `bench/results/2026-12-07-round22.md`; measured before the keyword
 * coverage stopped recounting removed articles per question, which took ~200 MB off the peak).
 */
export const RECALIBRATE_CHANGED_SHARE = 0.02;

/**
 * Owns the lifecycle of everything that needs the embedding model: the model itself, the
 * articles, the persisted index and the tier classifier. It loads in the background, so the
 * server answers /health at once and the bot can say "still loading" (or "unavailable", with the
 * reason in the log and /health) instead of failing to start.
 */
export class KnowledgeService {
  private current: KnowledgeState = { state: 'loading' };
  /**
   * The first load attempt, and the one in progress. Promises of nothing: one that resolved with
   * the state kept that state's index (at 10,000 articles ~190 MB, most of it the HNSW graph)
   * alive for the process's life after the first hot reload replaced it.
   */
  private readonly firstLoad: Promise<void>;
  private attempts = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void>;
  private stopped = false;
  /** What the last successful load used, so a hot reload re-indexes articles without reloading the model. */
  private loaded:
    | {
        embedder: Embedder;
        articles: Article[];
        thresholds: LanguageThresholds;
        calibration: SelfCalibration | undefined;
        /** Set when thresholds are calibrated (`auto`): what a calibration after a reload uses. */
        calibrationOptions: SelfCalibrationOptions | undefined;
      }
    | undefined;
  /** A calibration running in the background (see `recalibrateInBackground`); `stop` aborts it. */
  private recalibrating: Promise<void> | undefined;
  /** Ends the background calibration in progress when a newer one replaces it. */
  private recalibrationRun: AbortController | undefined;
  /** The wait after a hot reload before calibrating again (`recalibrateAfterReload.quietMs`), and what ends it early. */
  private recalibrationTimer: NodeJS.Timeout | undefined;
  private endRecalibrationWait: (() => void) | undefined;
  /** Settles when the last reload's wait and the calibration it started have ended. */
  private afterReload: Promise<void> = Promise.resolve();
  /** Article versions hot reloads embedded or removed since the calibration in use was started. */
  private readonly changedSinceCalibration = new Set<string>();
  private readonly stopping = new AbortController();
  /**
   * The article files as last parsed: a reload parses only files that changed, and the first load
   * starts from the parses saved beside the index (`PARSED_ARTICLES_FILE`).
   */
  private parsed: ParsedArticles | undefined;
  /** Reloads run one after the other (a burst of saves must not race on the index folder). */
  private reloading: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: KnowledgeServiceOptions) {
    this.inFlight = this.load();
    this.firstLoad = this.inFlight;
  }

  /** Settles when the first load attempt has ended, either way (never rejects), with the state then current. */
  get ready(): Promise<KnowledgeState> {
    return this.firstLoad.then(() => this.current);
  }

  get status(): KnowledgeState {
    return this.current;
  }

  /** Cancels a scheduled retry and a background calibration, and waits for a load in progress (for shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.recalibrationTimer);
    this.endRecalibrationWait?.();
    this.stopping.abort(new Error('the knowledge service stopped'));
    await this.inFlight;
    await this.recalibrating;
  }

  /** Settles when a background calibration started at load has ended (undefined when none runs). */
  get recalibration(): Promise<void> | undefined {
    return this.recalibrating;
  }

  /**
   * Calibrates `search` (the passages loaded at start) while the bot answers with the last
   * calibration, then saves the new one and puts it to use in the search serving by then (a hot
   * reload may have replaced `search`) and in later reloads. A failure keeps the last one.
   */
  private recalibrateInBackground(search: KnowledgeSearch, indexDir: string, options: SelfCalibrationOptions): void {
    const { logger } = this.options;
    this.recalibrationRun?.abort(new Error('a newer calibration replaced it'));
    const run = new AbortController();
    this.recalibrationRun = run;
    this.recalibrating = calibrateAndSave(search, indexDir, { ...options, background: true, signal: AbortSignal.any([this.stopping.signal, run.signal]) }).then(
      (calibration) => {
        if (this.stopped || run.signal.aborted) return;
        this.useCalibration(calibration);
        logger.info('answer thresholds recalibrated', calibrationLog(calibration));
        this.options.afterLoad?.();
      },
      (error: unknown) => {
        if (!this.stopped && !run.signal.aborted) this.notRecalibrated(error);
      },
    );
  }

  private notRecalibrated(error: unknown): void {
    this.options.logger.error('answer thresholds not recalibrated, the last calibration stays', { error: (error as Error).message });
  }

  /** Puts `calibration` to use in the search serving now (a hot reload may have replaced the one it was made for) and in later reloads. */
  private useCalibration(calibration: SelfCalibration): void {
    if (this.loaded === undefined || this.current.state !== 'ready') return;
    this.loaded = { ...this.loaded, calibration, thresholds: thresholdsFrom(calibration) };
    applyCalibration(this.current.search, calibration);
    this.current = { ...this.current, calibration };
  }

  /** After hot reloads that changed enough: calibrates the passages then in use once reloads have been quiet (`RECALIBRATE_AFTER_RELOAD_MS`). */
  private recalibrateAfterReload(): void {
    clearTimeout(this.recalibrationTimer);
    this.endRecalibrationWait?.();
    this.afterReload = new Promise<void>((resolve) => {
      this.endRecalibrationWait = resolve;
      this.recalibrationTimer = setTimeout(() => {
        this.changedSinceCalibration.clear();
        this.endRecalibrationWait = undefined;
        void this.recalibrateCurrent()
          .then(() => this.recalibrating)
          .catch((error: unknown) => this.notRecalibrated(error))
          .finally(resolve);
      }, this.options.recalibrateAfterReload?.quietMs ?? RECALIBRATE_AFTER_RELOAD_MS);
      this.recalibrationTimer.unref();
    });
  }

  /** Settles once no calibration after a hot reload is waiting or running (tests and benches wait for it). */
  async calibrationSettled(): Promise<void> {
    for (;;) {
      const pending = this.afterReload;
      await pending;
      await this.recalibrating;
      if (pending === this.afterReload) return;
    }
  }

  private async recalibrateCurrent(): Promise<void> {
    const options = this.loaded?.calibrationOptions;
    if (this.stopped || options === undefined || this.current.state !== 'ready') return;
    const { search } = this.current;
    // A reload that changed nothing the calibration depends on (or changed it back) needs none.
    const saved = await savedCalibration(search, this.indexDir, options);
    if (saved?.current === true) this.useCalibration(saved.calibration);
    else this.recalibrateInBackground(search, this.indexDir, options);
  }

  private scheduleRetry(): string | undefined {
    const retry = this.options.retry ?? DEFAULT_RETRY;
    if (this.stopped || retry.initialMs <= 0) return undefined;
    const delay = Math.min(retry.initialMs * 2 ** (this.attempts - 1), retry.maxMs);
    this.retryTimer = setTimeout(() => {
      this.inFlight = this.load();
    }, delay);
    this.retryTimer.unref();
    return new Date(Date.now() + delay).toISOString();
  }

  private async load(): Promise<void> {
    const { logger } = this.options;
    this.attempts++;
    try {
      // The articles are read while the model loads (in its own thread with the default embedder).
      const [embedder, { articles, problems }] = await Promise.all([this.options.createEmbedder(), this.loadArticleFiles()]);
      for (const problem of problems) logger.error('knowledge article skipped', { file: problem.file, reason: problem.reason });
      const { indexDir } = this;
      const { index, report } = await KnowledgeIndex.sync({ articles, embedder, indexFactory: this.options.indexFactory, indexDir, bodyVectors: this.options.bodyVectors ?? 'all' });
      const missing = missingTranslations(articles);
      if (missing.length > 0) logger.info('knowledge translations missing', { articles: missing.length, examples: missing.slice(0, 5).map((m) => `${m.articleId}: ${m.missing.join(', ')}`) });
      // Without `fixedThresholds` the given thresholds are all fixed (embedders and tests that do not calibrate).
      const fixed = this.options.fixedThresholds ?? this.options.thresholds;
      let thresholds: LanguageThresholds = { fallback: { ...this.options.thresholds, ...fixed }, byLanguage: {} };
      const search = new KnowledgeSearch(embedder, index, articles, {
        thresholds,
        ...(this.options.defaultLanguage === undefined ? {} : { defaultLanguage: this.options.defaultLanguage }),
      });
      let calibration: SelfCalibration | undefined;
      let recalibrate: SelfCalibrationOptions | undefined;
      let calibrationOptions: SelfCalibrationOptions | undefined;
      if (fixed.answer === undefined || fixed.suggest === undefined || fixed.closeMargin === undefined) {
        calibrationOptions = {
          outOfScope: await loadOutOfScope(this.options.knowledgeDir),
          maxWrongRate: this.options.maxWrongAnswerRate ?? 0.03,
          fixed,
        };
        // Made for other passages (articles changed while the bot was stopped): answer with it now
        // and make the new one in the background. Calibrating first would hold /ready for as long
        // (~20 s for the sample knowledge base, minutes at 10,000 articles); a hot reload does
        // the same (`recalibrateAfterReload`).
        const saved = await savedCalibration(search, indexDir, calibrationOptions);
        if (saved !== undefined && !saved.current) recalibrate = calibrationOptions;
        calibration = saved?.calibration ?? (await calibrateAndSave(search, indexDir, calibrationOptions));
        applyCalibration(search, calibration);
        thresholds = thresholdsFrom(calibration);
        logger.info(recalibrate === undefined ? 'answer thresholds calibrated' : 'answer thresholds from the last calibration, recalibrating in the background', calibrationLog(calibration));
      }
      this.warnNotSaved(report.notSaved);
      logger.info('knowledge ready', {
        articles: articles.length,
        passages: report.passages,
        embedded: report.embeddedArticles.length,
        rebuiltBecause: report.rebuiltBecause,
        ...indexUpkeep(report),
      });
      const classifier = await loadTierClassifier(embedder, this.options);
      this.loaded = { embedder, articles, thresholds, calibration, calibrationOptions };
      this.changedSinceCalibration.clear();
      this.current = {
        state: 'ready',
        search,
        classifier,
        report,
        problems,
        missingTranslations: missing,
        calibration,
      };
      this.options.afterLoad?.();
      this.saveParsedArticles();
      if (recalibrate !== undefined) this.recalibrateInBackground(search, indexDir, recalibrate);
    } catch (error) {
      const retryAt = this.scheduleRetry();
      logger.error('knowledge unavailable', { error: (error as Error).message, attempts: this.attempts, retryAt });
      this.current = { state: 'failed', error: (error as Error).message, attempts: this.attempts, retryAt };
    }
  }

  /**
   * Hot reload: re-reads the articles and re-indexes only what changed (new, changed, deleted
   * files) with the model already loaded; the current search keeps answering until the new one
   * is swapped in. A file that does not validate (say, half-written) keeps its previous version,
   * so it is never served broken nor dropped. The answer model and thresholds stay as calibrated at
   * start-up (or by the background calibration it started).
   */
  reloadArticles(): Promise<KnowledgeState> {
    const run = this.reloading.then(() => this.swapArticles());
    // Not the state itself (a later reload would otherwise find this one's index still held).
    this.reloading = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Where the index, its calibration and everything else that spares a start work are kept. */
  private get indexDir(): string {
    return path.join(this.options.dataDir, 'knowledge-index');
  }

  /** The article files, parsed where their bytes changed since the last load or the saved parses. */
  private async loadArticleFiles(): Promise<LoadedArticles> {
    this.parsed ??= await readParsedArticles(this.indexDir);
    return loadArticles(path.join(this.options.knowledgeDir, 'articles'), this.parsed);
  }

  /**
   * Saves the parses for the next start when they changed, after the knowledge is ready (it only
   * spares the next start work, so a failure is a warning, never a failed load).
   */
  private saveParsedArticles(): void {
    // writeParsedArticles writes only parses that changed since read or last saved.
    if (this.parsed === undefined) return;
    writeParsedArticles(this.indexDir, this.parsed).catch((error: unknown) =>
      this.warnNotSaved([`${PARSED_ARTICLES_FILE}: ${(error as Error).message}`]),
    );
  }

  /** What could not be saved that only spares the next start work (see `SyncReport.notSaved`): said in the log, once per load or reload. */
  private warnNotSaved(notSaved: readonly string[] | undefined): void {
    if (notSaved !== undefined) this.options.logger.warn('knowledge index: some of what spares the next start work was not saved', { notSaved });
  }

  private async swapArticles(): Promise<KnowledgeState> {
    const previous = this.current;
    const loaded = this.loaded;
    const attempt = this.attempts;
    if (previous.state !== 'ready' || loaded === undefined || this.stopped) return previous;
    const { articles: fresh, problems } = await this.loadArticleFiles();
    const broken = new Set(problems.map((p) => p.file));
    const freshKeys = new Set(fresh.map(articleKey));
    const kept = loaded.articles.filter((a) => broken.has(a.file) && !freshKeys.has(articleKey(a)));
    const articles = [...fresh, ...kept];
    for (const problem of problems) this.options.logger.error('knowledge article skipped on reload', { file: problem.file, reason: problem.reason, keptPrevious: kept.some((a) => a.file === problem.file) });
    const { indexDir } = this;
    const { index, report } = await KnowledgeIndex.sync({
      articles,
      embedder: loaded.embedder,
      indexFactory: this.options.indexFactory,
      indexDir,
      bodyVectors: this.options.bodyVectors ?? 'all',
      previous: { index: previous.search.index, articles: loaded.articles },
    });
    const search = new KnowledgeSearch(loaded.embedder, index, articles, {
      thresholds: loaded.thresholds,
      ...(this.options.defaultLanguage === undefined ? {} : { defaultLanguage: this.options.defaultLanguage }),
    });
    // Another load began meanwhile: its state stands.
    if (this.attempts !== attempt || this.current.state !== 'ready' || this.loaded === undefined) return this.current;
    // The answer model and the thresholds calibrated on its scores go together (the latest: a
    // background calibration may have ended while this re-indexed).
    const latest = this.loaded;
    if (latest.calibration !== undefined) applyCalibration(search, latest.calibration);
    this.loaded = { ...latest, articles };
    this.current = { ...this.current, search, report, problems, missingTranslations: missingTranslations(articles) };
    this.warnNotSaved(report.notSaved);
    this.options.logger.info('knowledge reloaded', {
      articles: articles.length,
      embedded: report.embeddedArticles,
      removed: report.removedArticles,
      ...indexUpkeep(report),
    });
    this.options.afterLoad?.();
    this.saveParsedArticles();
    for (const key of [...report.embeddedArticles, ...report.removedArticles]) this.changedSinceCalibration.add(key);
    const share = this.options.recalibrateAfterReload?.changedShare ?? RECALIBRATE_CHANGED_SHARE;
    const changed = this.changedSinceCalibration.size;
    if (latest.calibrationOptions !== undefined && changed > 0 && changed >= share * articles.length) this.recalibrateAfterReload();
    return this.current;
  }
}

/** What a sync did to the saved index beyond embedding (a graph rebuilt, labels renumbered, a projection fitted again), for the log. */
function indexUpkeep(report: SyncReport): Record<string, unknown> {
  return {
    ...(report.graphRebuilt ? { graphRebuilt: true } : {}),
    ...(report.labelsCompacted !== undefined ? { labelsCompacted: report.labelsCompacted } : {}),
    ...(report.projectionRefitted !== undefined ? { projectionRefitted: report.projectionRefitted } : {}),
  };
}
