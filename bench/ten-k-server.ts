/**
 * The built server with 10,000 generated articles, as a user runs it: the articles are written as
 * Markdown files into a knowledge folder (beside the sample base's tiers, playbooks and vendors),
 * indexed with `npm run ingest`'s built CLI (embedding, then threshold calibration), and the server
 * is started the way `npm start` starts it on that persisted index: cold start to /ready, RSS after
 * start, after 100-conversation load rounds of distinct questions, and the hot reload of 10 edited
 * article files (file watcher → re-index → "knowledge reloaded" in the log). bench/ten-k.ts measures
 * the index in-process (its tsx probe holds the generated articles too); this measures the product.
 *
 *   MODEL_DIR=../shared/models npx tsx bench/ten-k-server.ts [--count N] [--turns N] [--rebuild]
 *
 * The indexed data folder is kept in bench/.cache/ten-k-server-<count> (25–30 min of model time on
 * 2 cores to make); later runs reuse it unless --rebuild. Writes bench/results/<date>-10k-server-<count>.md.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { benchTurn } from './bench-turn.js';
import { concurrentLoad, type LoadRun } from './concurrent-load.js';
import { buildOnce, coldStarts, copyPersisted, ingestBuilt, median, productLaunch, rssMb, startServer } from './start-memory.js';
import { articleFile, generatedArticle } from './ten-k.js';
import type { Article } from '../src/knowledge/article.js';
import { writeResults } from './results-file.js';
import { markdownTable } from '../src/markdown-table.js';

const root = path.resolve(import.meta.dirname, '..');
const option = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const count = Number(option('count') ?? 10_000);
const turnsPerRound = Number(option('turns') ?? 1_000);
const rebuild = process.argv.includes('--rebuild');
const modelDir = path.resolve(process.env.MODEL_DIR ?? path.join(root, '..', 'shared', 'models'));
const modelId = 'intfloat/multilingual-e5-small';
const cache = path.join(root, 'bench', '.cache', `ten-k-server-${count}`);
const knowledgeDir = path.join(cache, 'knowledge');
const dataDir = path.join(cache, 'data');
const lines: string[] = [];
const say = (line = '') => {
  process.stdout.write(`${line}\n`);
  lines.push(line);
};
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '—');
function table(headers: string[], rows: (string | number)[][]): void {
  say(markdownTable(headers, rows));
}

function writeKnowledge(): void {
  const dir = path.join(knowledgeDir, 'articles', 'en', 'generated');
  mkdirSync(dir, { recursive: true });
  for (let n = 0; n < count; n++) writeFileSync(path.join(dir, `gen-${n}.md`), articleFile(generatedArticle(n)));
}

/** `npm run ingest` (built) on the generated knowledge, its output shown: the seconds to the end of embedding and to the end. */
function ingest(): Promise<{ syncS: number; totalS: number; cpuS: number; output: string }> {
  return ingestBuilt({ root, dataDir, modelId, modelDir, knowledgeDir, echo: true });
}

/** Distinct customer questions about the generated articles (the load generator's source). */
function questions(): () => string {
  const greetings = ['', 'Hi, ', 'Hello! ', 'Quick question: ', 'Please help: '];
  let n = 0;
  return () => {
    const article = generatedArticle((n * 7919) % count);
    const text = `${greetings[n % greetings.length]}${article.questions[n % article.questions.length]} (case ${n})`;
    n++;
    return text;
  };
}

/** A load round; a turn that fails is counted with its reason (the round goes on). */
async function load(port: number, concurrency: number, total: number, next: () => string): Promise<LoadRun & { failed: Map<string, number> }> {
  const failed = new Map<string, number>();
  const run = await concurrentLoad(concurrency, total, (worker) =>
    benchTurn(port, next(), `customer-${worker}`).catch((error: unknown) => {
      const reason = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
      failed.set(reason, (failed.get(reason) ?? 0) + 1);
    }),
  );
  return { ...run, failed };
}

async function main(): Promise<void> {
  const date = new Date().toISOString().slice(0, 10);
  const launch = productLaunch(root);
  const build = buildOnce(root);
  say(`### The built server with ${count} generated articles (${modelId}, \`${launch.script}\`)`);
  say();
  say(`2 cores, load average at the start ${loadavg().map((x) => x.toFixed(1)).join(' ')}. Build ${f1(build.seconds)} s${build.ok ? '' : ` (type errors: ${build.errors})`}.`);
  say();

  const indexed = existsSync(path.join(dataDir, 'knowledge-index', 'manifest.json'));
  if (rebuild || !indexed) {
    rmSync(cache, { recursive: true, force: true });
    cpSync(path.join(root, 'knowledge'), knowledgeDir, { recursive: true, filter: (source) => !source.includes(`${path.sep}eval`) });
    writeKnowledge();
    const run = await ingest();
    table(
      ['`npm run ingest` (built), from scratch', 'seconds'],
      [
        ['embedding and index (to "Articles: …")', f1(run.syncS)],
        ['threshold calibration and the rest', f1(run.totalS - run.syncS)],
        ['whole run', f1(run.totalS)],
        ['process CPU (all threads)', f1(run.cpuS)],
      ],
    );
    say();
    say('```');
    for (const line of run.output.split('\n').filter((l) => !/^Embedding |^  gen-/.test(l) && l.trim() !== '')) say(line);
    say('```');
  } else {
    // What a user runs after pulling a new version: an incremental ingest (nothing to embed).
    const run = await ingest();
    say(`Index reused from ${path.relative(root, dataDir)} (--rebuild to make it again); \`npm run ingest\` with nothing changed: ${f1(run.totalS)} s (to "Articles: …" ${f1(run.syncS)} s).`);
  }
  say();

  const env = { KNOWLEDGE_DIR: knowledgeDir };
  const common = { root, launch, modelId, modelDir, trim: true, env };
  const starts = await coldStarts({ ...common, indexed: dataDir, runs: 3 });
  table(
    ['cold start, persisted index', 'median', 'runs'],
    [
      ['to /ready, s (limit 3 s)', f1(median(starts.readySeconds)), starts.readySeconds.map(f1).join(', ')],
      ['CPU s to /ready (all threads)', f1(median(starts.cpuSeconds)), starts.cpuSeconds.map(f1).join(', ')],
      ['RSS at /ready, MB', f1(median(starts.rssAtReady)), starts.rssAtReady.map(f1).join(', ')],
      ['RSS 3 s later, MB (limit 450)', f1(median(starts.rssAfter3s)), starts.rssAfter3s.map(f1).join(', ')],
    ],
  );
  say();

  // One server through load rounds, then a hot reload of 10 edited files.
  const copy = copyPersisted(dataDir);
  let log = '';
  let reloaded: (() => void) | undefined;
  const server = await startServer({
    ...common,
    dataDir: copy,
    env: { ...env, LOG_LEVEL: 'info' },
    onStderr: (chunk) => {
      log += chunk;
      for (const line of chunk.split('\n')) if (line.includes('"level":"error"')) process.stderr.write(`server: ${line.slice(0, 400)}\n`);
      if (reloaded !== undefined && log.includes('"knowledge reloaded"')) reloaded();
    },
  });
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const rows: (string | number)[][] = [['after start + 3 s', '', '', '', f1(rssMb(server.pid))]];
  const next = questions();
  for (let round = 1; round <= 3; round++) {
    const r = await load(server.port, 100, turnsPerRound, next);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const failures = [...r.failed].map(([reason, n]) => `${n} × ${reason}`).join('; ') || 'none';
    rows.push([`after round ${round} (100 concurrent, ${turnsPerRound} distinct questions) + 1 s`, f1(r.perSecond), f1(r.p50), f1(r.p99), f1(rssMb(server.pid)), failures]);
  }
  table(['server', 'turns/s', 'p50 ms', 'p99 ms', 'RSS MB', 'failed turns'], rows);
  say();

  const dir = path.join(knowledgeDir, 'articles', 'en', 'generated');
  const reload = async (edit: (article: Article) => Article, first: number) => {
    log = '';
    const done = new Promise<void>((resolve) => (reloaded = resolve));
    const editedAt = performance.now();
    for (let i = 0; i < 10; i++) {
      const n = (first + i * 997) % count;
      writeFileSync(path.join(dir, `gen-${n}.md`), articleFile(edit(generatedArticle(n))));
    }
    await done;
    const seconds = (performance.now() - editedAt) / 1000;
    const line = log.split('\n').find((l) => l.includes('"knowledge reloaded"')) ?? '{}';
    await new Promise((resolve) => setTimeout(resolve, 3000));
    return { seconds, embedded: (JSON.parse(line) as { embedded?: string[] }).embedded?.length ?? NaN, rss: rssMb(server.pid) };
  };
  const titles = await reload((a) => ({ ...a, title: `${a.title} (revised 1)` }), 0);
  const bodies = await reload((a) => ({ ...a, body: `${a.body}\n\nRevised: this also applies after the last update.` }), 500);
  table(
    ['hot reload while serving: 10 article files edited', 'file write → "knowledge reloaded" in the log, s (limit 10 s; includes the 500 ms debounce)', 'articles re-indexed', 'RSS 3 s after, MB'],
    [
      ['titles (body chunks start with the title: re-embedded too)', f1(titles.seconds), titles.embedded, f1(titles.rss)],
      ['a paragraph appended to each body (the other passages keep their vectors)', f1(bodies.seconds), bodies.embedded, f1(bodies.rss)],
    ],
  );
  await server.stop();
  rmSync(copy, { recursive: true, force: true });
  // Leave the cached knowledge as indexed (the edited files back as generated).
  writeKnowledge();
  say();
  say(`Load average at the end ${loadavg().map((x) => x.toFixed(1)).join(' ')}.`);
  const file = writeResults(root, `${date}-10k-server-${count}`, `${lines.join('\n')}\n`);
  process.stdout.write(`\nwritten to ${path.relative(root, file)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
