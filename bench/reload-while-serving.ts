/**
 * What customers wait while the server re-indexes: the built server on a copy of the sample
 * knowledge base (indexed and calibrated first by `npm run ingest`), conversations (one at a time,
 * or `--concurrency` at once, each turn a new one) asking distinct questions, while N new article
 * files are dropped into its knowledge folder. The
 * file watcher re-indexes them in the server, through the same model thread the customers'
 * questions need (in the server there is one). Prints each phase's turn latency and how long the
 * reload took.
 *
 *   MODEL_DIR=../shared/models npx tsx bench/reload-while-serving.ts [--articles 100] [--concurrency 1] [--batch-size N] [--no-build]
 *
 * `--batch-size`: the server's EMBEDDING_BATCH_SIZE (texts per model call of an index build).
 *
 * Writes bench/results/<date>-reload-while-serving[-c<concurrency>].md.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { benchTurn } from './bench-turn.js';
import { buildOnce, ingestBuilt, productLaunch, startServer } from './start-memory.js';
import { articleFile, generatedArticle } from './ten-k.js';
import { quantile } from './concurrent-load.js';
import { writeResults } from './results-file.js';
import { markdownTable } from '../src/markdown-table.js';

const root = path.resolve(import.meta.dirname, '..');
const option = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const articles = Number(option('articles') ?? 100);
const batchSize = option('batch-size');
const concurrency = Number(option('concurrency') ?? 1);
const modelDir = path.resolve(process.env.MODEL_DIR ?? path.join(root, '..', 'shared', 'models'));
const modelId = 'intfloat/multilingual-e5-small';
/** Turns asked before the files are written (the baseline): 60, or 3 per conversation. */
const BASELINE_TURNS = Math.max(60, 3 * concurrency);
/** How long turns go on after the reload is logged (calibration continues in the background). */
const AFTER_MS = 20_000;

const lines: string[] = [];
const say = (line = '') => {
  process.stdout.write(`${line}\n`);
  lines.push(line);
};
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '—');

/** Distinct questions: the sample's own topics, each made new by its number (no cache hit). */
function questions(): () => string {
  const topics = ['How do I reset my password?', 'Can I get a refund for my last invoice?', 'The app crashes when I upload a file', 'How do I add a user to my team?', 'Where can I download my invoices?'];
  let n = 0;
  return () => `${topics[n % topics.length]} (case ${n++})`;
}

async function main(): Promise<void> {
  const launch = productLaunch(root);
  const build = process.argv.includes('--no-build') ? undefined : buildOnce(root);
  const work = mkdtempSync(path.join(tmpdir(), 'tierdesk-reload-'));
  const knowledgeDir = path.join(work, 'knowledge');
  const dataDir = path.join(work, 'data');
  cpSync(path.join(root, 'knowledge'), knowledgeDir, { recursive: true });
  await ingestBuilt({ root, dataDir, modelId, modelDir, knowledgeDir });

  let log = '';
  let reloaded: (() => void) | undefined;
  const server = await startServer({
    root,
    launch,
    modelId,
    modelDir,
    trim: true,
    dataDir,
    env: { KNOWLEDGE_DIR: knowledgeDir, LOG_LEVEL: 'info', ...(batchSize === undefined ? {} : { EMBEDDING_BATCH_SIZE: batchSize }) },
    onStderr: (chunk) => {
      log += chunk;
      if (reloaded !== undefined && log.includes('"knowledge reloaded"')) reloaded();
    },
  });
  const next = questions();
  /** Turns of `concurrency` conversations, each asking again as soon as it is answered, while `more()`: their latencies. */
  const turns = async (more: (count: number) => boolean) => {
    const ms: number[] = [];
    const conversation = async () => {
      while (more(ms.length)) {
        const started = performance.now();
        await benchTurn(server.port, next(), 'customer');
        ms.push(performance.now() - started);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, conversation));
    return ms;
  };
  try {
    const baselineStart = performance.now();
    const baseline = await turns((count) => count < BASELINE_TURNS);
    const baselineSeconds = (performance.now() - baselineStart) / 1000;

    log = '';
    const dir = path.join(knowledgeDir, 'articles', 'en', 'added');
    mkdirSync(dir, { recursive: true });
    const writtenAt = performance.now();
    let reloading = true;
    // Seconds from the files written to "knowledge reloaded" in the log.
    const done = new Promise<void>((resolve) => (reloaded = resolve)).then(() => {
      reloading = false;
      return (performance.now() - writtenAt) / 1000;
    });
    for (let n = 0; n < articles; n++) writeFileSync(path.join(dir, `gen-${n}.md`), articleFile(generatedArticle(n)));
    const during = await turns(() => reloading);
    const reloadSeconds = await done;
    const afterStart = performance.now();
    const after = await turns(() => performance.now() - afterStart < AFTER_MS);
    const afterSeconds = (performance.now() - afterStart) / 1000;

    const row = (name: string, ms: number[], seconds: number) => [name, ms.length, f1(ms.length / seconds), f1(quantile(ms, 0.5)), f1(quantile(ms, 0.99)), f1(Math.max(...ms))];
    say(`### Customers' turns while ${articles} new articles are re-indexed (${modelId}, \`${launch.script}\`)`);
    say();
    say(`2 cores, load average at the end ${loadavg().map((x) => x.toFixed(1)).join(' ')}.${build === undefined ? '' : ` Build ${f1(build.seconds)} s.`} Sample knowledge base (indexed and calibrated by \`npm run ingest\` first); ${concurrency === 1 ? 'one conversation at a time' : `${concurrency} concurrent conversations`}, distinct questions (no cache hit); ${articles} generated articles (title, 4 questions, a 150–250-word body) written into the knowledge folder at once${batchSize === undefined ? '' : `; EMBEDDING_BATCH_SIZE=${batchSize}`}.`);
    say();
    say(
      markdownTable(
        ['phase', 'turns', 'turns/s', 'p50 ms', 'p99 ms', 'max ms'],
        [
          row('before', baseline, baselineSeconds),
          row('file write → "knowledge reloaded"', during, reloadSeconds),
          row(`the ${AFTER_MS / 1000} s after (calibration in the background)`, after, afterSeconds),
        ],
      ),
    );
    say();
    say(`Files written → "knowledge reloaded": ${f1(reloadSeconds)} s.`);
    const file = writeResults(root, `${new Date().toISOString().slice(0, 10)}-reload-while-serving${concurrency === 1 ? '' : `-c${concurrency}`}`, `${lines.join('\n')}\n`);
    process.stdout.write(`\nwritten to ${path.relative(root, file)}\n`);
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
