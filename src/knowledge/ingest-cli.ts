import path from 'node:path';
import { performance } from 'node:perf_hooks';
import cliProgress from 'cli-progress';
import { loadConfig, loadDotEnv } from '../config.js';
import { describeThresholds } from '../search/answer-decision.js';
import { hnswIndexFactory } from '../search/hnsw-index.js';
import { EmbeddingWorkerPool, indexingWorkers } from '../search/embedding-workers.js';
import { configuredModel } from '../search/create-embedder.js';
import { KnowledgeSearch } from '../search/knowledge-search.js';
import { loadOutOfScope } from '../search/out-of-scope.js';
import { loadOrCalibrate } from '../search/self-calibration.js';
import { KnowledgeIndex } from './knowledge-index.js';
import { loadTierClassifier } from './knowledge-service.js';
import { loadArticles, missingTranslationLines, missingTranslations, PARSED_ARTICLES_FILE, readParsedArticles, requireValidArticles, writeParsedArticles } from './load-articles.js';

/**
 * `npm run ingest`: validates every article (any bad one fails the run with its file name) and
 * brings the persisted index up to date, embedding only what changed.
 */
async function main(): Promise<void> {
  loadDotEnv();
  const config = loadConfig();
  const indexDir = path.join(config.dataDir, 'knowledge-index');
  // The saved parses: only files whose bytes changed are parsed (and validated) again.
  const parsed = await readParsedArticles(indexDir);
  const articles = requireValidArticles(await loadArticles(path.join(config.knowledgeDir, 'articles'), parsed));
  const workers = indexingWorkers();
  process.stdout.write(`Loading embedding model ${config.embedding.modelId} (${workers} worker thread${workers === 1 ? '' : 's'})…\n`);
  // Its own process with nothing else to serve: one model per core, each with one onnxruntime
  // thread, fed from one queue (two intra-op threads of one session scale badly: bench/results/2026-12-06-10k.md).
  const embedder = await EmbeddingWorkerPool.create({ model: configuredModel(config), workers });
  // ETA over the last 200 updates: the first groups include the model's warm-up.
  const bar = new cliProgress.SingleBar(
    // Also when the output is a log (container, CI), not a terminal: one line every 10 s.
    { format: 'Embedding {bar} {value}/{total} articles | elapsed {duration_formatted} | ETA {eta_formatted}', etaBuffer: 200, hideCursor: true, noTTYOutput: true, notTTYSchedule: 10_000 },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const { index, report } = await KnowledgeIndex.sync({
    articles,
    embedder,
    indexFactory: hnswIndexFactory,
    indexDir,
    bodyVectors: config.knowledgeBodyVectors,
    onProgress: (done, total) => {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    },
  });
  if (started) bar.stop();
  // For the server's next start too; like the rest of what only spares work, a failure is a warning.
  const notSaved = [...(report.notSaved ?? [])];
  await writeParsedArticles(indexDir, parsed).catch((error: unknown) => notSaved.push(`${PARSED_ARTICLES_FILE}: ${(error as Error).message}`));
  process.stdout.write(
    [
      `Articles: ${articles.length} (${report.embeddedArticles.length} embedded, ${report.unchangedArticles} unchanged, ${report.removedArticles.length} removed)`,
      `Passages in index: ${report.passages}`,
      report.rebuiltBecause === undefined ? 'Index updated in place.' : `Index rebuilt: ${report.rebuiltBecause}.`,
      ...(report.graphRebuilt ? ['Search graph rebuilt from the stored vectors, without the model.'] : []),
      ...(report.labelsCompacted !== undefined ? [`Passage labels renumbered: ${report.labelsCompacted.from} given out, ${report.labelsCompacted.to} in use (the file of stored vectors shrinks to match).`] : []),
      ...(report.projectionRefitted !== undefined ? [`Search projection fitted again: ${report.projectionRefitted.to} titles and questions, ${report.projectionRefitted.from} at the last fit.`] : []),
      `Article classifier: ${report.classifierTrained ? 'trained' : 'unchanged'}.`,
      `Keyword index: ${report.keywords === 'saved' ? 'read back as saved' : 'built'}.`,
      ...notSaved.map((reason) => `Warning, not saved (the next start redoes it): ${reason}`),
    ].join('\n') + '\n',
  );
  // One article id in several languages is one article: list ids that lack a language others have.
  process.stdout.write(`${missingTranslationLines(missingTranslations(articles)).join('\n')}\n`);
  // Calibrate `auto` thresholds now, so the bot starts with them at once (cached beside the index).
  const fixed = config.fixedThresholds;
  if (fixed.answer === undefined || fixed.suggest === undefined || fixed.closeMargin === undefined) {
    const search = new KnowledgeSearch(embedder, index, articles, { thresholds: { fallback: config.thresholds, byLanguage: {} }, defaultLanguage: config.languages.default });
    const { calibration, calibrated } = await loadOrCalibrate(search, indexDir, { outOfScope: await loadOutOfScope(config.knowledgeDir), maxWrongRate: config.maxWrongAnswerRate, fixed });
    process.stdout.write(`Answer thresholds (auto, ${calibrated ? 'calibrated now' : 'unchanged'}; target ≤ ${(config.maxWrongAnswerRate * 100).toFixed(1)}% wrong):\n`);
    for (const [language, c] of [['all', calibration.pooled] as const, ...Object.entries(calibration.byLanguage)]) {
      process.stdout.write(
        `  ${language}: ${describeThresholds(c.thresholds)} — on ${c.inScope} held-out questions ${(c.rates.right * 100).toFixed(1)}% answered right, ${(c.rates.wrongInScope * 100).toFixed(1)}% wrong; ${(c.rates.outOfScopeRecognised * 100).toFixed(1)}% of ${c.outOfScope} off-topic recognised${c.metTarget ? '' : ' (TARGET NOT MET)'}\n`,
      );
    }
  }
  // The tier examples' vectors and the tier head, where the server looks for them at start.
  const tierStarted = performance.now();
  await loadTierClassifier(embedder, config);
  process.stdout.write(`Tier classifier: examples embedded and head trained (${((performance.now() - tierStarted) / 1000).toFixed(1)} s; the server reuses both).\n`);
  await embedder.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`ingest failed: ${(error as Error).message}\n`);
  process.exit(1);
});
