import path from 'node:path';
import cliProgress from 'cli-progress';
import { loadConfig, loadDotEnv } from '../config.js';
import { hnswIndexFactory } from '../search/hnsw-index.js';
import { TransformersEmbedder } from '../search/transformers-embedder.js';
import { KnowledgeIndex } from './knowledge-index.js';
import { loadArticles, requireValidArticles } from './load-articles.js';

/**
 * `npm run ingest`: validates every article (any bad one fails the run with its file name) and
 * brings the persisted index up to date, embedding only what changed.
 */
async function main(): Promise<void> {
  loadDotEnv();
  const config = loadConfig();
  const articles = requireValidArticles(await loadArticles(path.join(config.knowledgeDir, 'articles')));
  process.stdout.write(`Loading embedding model ${config.embedding.modelId}…\n`);
  const embedder = await TransformersEmbedder.create({
    modelId: config.embedding.modelId,
    modelDir: config.embedding.modelDir,
    batchSize: config.embedding.batchSize,
    cacheDir: path.join(config.dataDir, 'models'),
  });
  const bar = new cliProgress.SingleBar({ format: 'Embedding {bar} {value}/{total} articles', hideCursor: true }, cliProgress.Presets.shades_classic);
  let started = false;
  const { report } = await KnowledgeIndex.sync({
    articles,
    embedder,
    indexFactory: hnswIndexFactory,
    indexDir: path.join(config.dataDir, 'knowledge-index'),
    onProgress: (done, total) => {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    },
  });
  if (started) bar.stop();
  process.stdout.write(
    [
      `Articles: ${articles.length} (${report.embeddedArticles.length} embedded, ${report.unchangedArticles} unchanged, ${report.removedArticles.length} removed)`,
      `Passages in index: ${report.passages}`,
      report.rebuiltBecause === undefined ? 'Index updated in place.' : `Index rebuilt: ${report.rebuiltBecause}.`,
    ].join('\n') + '\n',
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`ingest failed: ${(error as Error).message}\n`);
  process.exit(1);
});
