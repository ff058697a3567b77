import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig, loadDotEnv } from '../config.js';
import { KnowledgeIndex } from '../knowledge/knowledge-index.js';
import { loadArticles, requireValidArticles } from '../knowledge/load-articles.js';
import { hnswIndexFactory } from '../search/hnsw-index.js';
import { KnowledgeSearch } from '../search/knowledge-search.js';
import { TransformersEmbedder } from '../search/transformers-embedder.js';
import { configuredModel } from '../search/create-embedder.js';
import { openStores } from '../storage/stores.js';
import { buildGapReport, gapReportCsv } from './gap-report.js';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/**
 * `npm run gaps [-- --days 30] [-- --csv file]`: clusters the questions self-help did not resolve
 * into topics and prints them most frequent first, with the articles that were wrongly offered;
 * writes the same as CSV (default `<DATA_DIR>/gaps.csv`).
 */
async function main(): Promise<void> {
  loadDotEnv();
  const config = loadConfig();
  const days = Number(option('--days') ?? 30);
  if (!Number.isInteger(days) || days < 1) throw new Error('--days must be a whole number of days, at least 1');
  const csvFile = path.resolve(option('--csv') ?? path.join(config.dataDir, 'gaps.csv'));
  // The desk's own stores (DATABASE_URL: the PostgreSQL every instance shares, else DATA_DIR's SQLite file).
  const stores = openStores({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2, slaHours: config.sla.hours });
  await stores.ready();
  const embedder = await TransformersEmbedder.create(configuredModel(config));
  const articles = requireValidArticles(await loadArticles(path.join(config.knowledgeDir, 'articles')));
  const { index } = await KnowledgeIndex.sync({ articles, embedder, indexFactory: hnswIndexFactory, indexDir: path.join(config.dataDir, 'knowledge-index'), bodyVectors: config.knowledgeBodyVectors });
  const search = new KnowledgeSearch(embedder, index, articles, { thresholds: { fallback: config.thresholds, byLanguage: {} }, defaultLanguage: config.languages.default });
  const since = new Date(Date.now() - days * 86_400_000).toISOString();
  const report = await buildGapReport(
    { feedback: stores.feedback, unmatched: stores.unmatchedQuestions, tickets: stores.tickets },
    search,
    since,
  );
  await stores.close();
  const lines = [`# Content gaps since ${since.slice(0, 10)}: ${report.questions} unresolved questions in ${report.topics.length} topics (topic similarity ≥ ${report.topicThreshold.toFixed(3)})`, ''];
  lines.push('| # | count | topic | not helpful / none chosen / tickets | wrongly offered | examples |', '|---|---|---|---|---|---|');
  report.topics.forEach((t, i) => {
    const offered = t.offeredArticles.slice(0, 3).map((a) => `${a.articleId} (${a.count})`).join(', ') || '—';
    lines.push(`| ${i + 1} | ${t.count} | ${t.topic} | ${t.bySource['not-helpful']} / ${t.bySource['none-chosen']} / ${t.bySource.ticket} | ${offered} | ${t.examples.slice(0, 3).join(' · ') || '—'} |`);
  });
  await writeFile(csvFile, gapReportCsv(report));
  lines.push('', `CSV: ${csvFile}`);
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`gaps failed: ${(error as Error).message}\n`);
  process.exit(1);
});
