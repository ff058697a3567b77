/**
 * `npm run bench -- --10k [--10k-count N]`: generates articles of realistic size (title, 4
 * alternative questions, a 150–250-word body), indexes them from scratch through the real model
 * with a progress bar and ETA, changes 10 and re-indexes, and measures HNSW recall@10 on the
 * REAL passage vectors against exact search, for a few (M, efSearch) choices.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import cliProgress from 'cli-progress';
import hnswlib from 'hnswlib-node';
import type { Article } from '../src/knowledge/article.js';
import { KnowledgeIndex } from '../src/knowledge/knowledge-index.js';
import { dot } from '../src/search/embedder.js';
import { hnswIndexFactory } from '../src/search/hnsw-index.js';
import { TransformersEmbedder } from '../src/search/transformers-embedder.js';

const TOPICS = ['invoice', 'password', 'user account', 'database', 'backup', 'printer', 'license', 'report', 'email notification', 'mobile app', 'VPN', 'firewall', 'payroll', 'tax export', 'calendar', 'dashboard', 'API key', 'single sign-on', 'data import', 'audit log'];
const ACTIONS = ['set up', 'change', 'reset', 'export', 'delete', 'restore', 'share', 'rename', 'schedule', 'troubleshoot', 'enable', 'disable', 'move', 'archive', 'sync', 'update', 'verify', 'merge', 'limit', 'audit'];
const CONTEXTS = ['for a new branch office', 'after the last update', 'on a shared workstation', 'for external auditors', 'during month-end closing', 'in the web client', 'on the terminal server', 'for temporary staff', 'with two-factor sign-in', 'in the mobile app', 'for the accounting team', 'across several companies', 'behind a proxy', 'on macOS', 'on Windows 11', 'in read-only mode', 'for a large customer list', 'with limited permissions', 'in a second language', 'before a migration', 'for a single department', 'at the end of the year', 'from a CSV file', 'with a custom template', 'for guest users'];
const FILLER = 'Open the settings page and choose the section that matches your task. The system shows the current values and explains each option in a short help text. Change only what you need, then save; the change applies to everyone in the same company at once. If a step is greyed out, ask an administrator for the missing permission, because some options are reserved for the account owner. Large changes are processed in the background and you get an email when they are done. You can follow the progress on the activity page, where each step is listed with its time and the person who started it. When something fails, the message names the record that caused it, so you can correct it and try again without repeating the steps that already worked. Keep a copy of the old settings before you start, so you can go back if the result is not what you expected.'.split(' ');

/** Deterministic article n: distinct title and questions, body of 150–250 words. */
export function generatedArticle(n: number, revision = 0): Article {
  const topic = TOPICS[n % TOPICS.length]!;
  const action = ACTIONS[Math.floor(n / TOPICS.length) % ACTIONS.length]!;
  const context = CONTEXTS[Math.floor(n / (TOPICS.length * ACTIONS.length)) % CONTEXTS.length]!;
  const words = 150 + ((n * 37) % 101);
  const body = Array.from({ length: words }, (_, i) => FILLER[(i + n) % FILLER.length]).join(' ');
  return {
    id: `gen-${n}`,
    title: `How to ${action} the ${topic} ${context}${revision > 0 ? ` (revised ${revision})` : ''}`,
    language: 'en',
    tags: [topic],
    questions: [
      `how do I ${action} my ${topic} ${context}`,
      `${action} ${topic} ${context} not working`,
      `can I ${action} the ${topic} ${context}?`,
      `steps to ${action} a ${topic} ${context}`,
    ],
    body: `${body.slice(0, Math.floor(body.length / 2))}\n\n${body.slice(Math.floor(body.length / 2))} This applies to the ${topic} ${context}.`,
    file: `generated/gen-${n}.md`,
  };
}

interface Reporter {
  modelId: string;
  modelDir: string;
  say: (line?: string) => void;
  table: (headers: string[], rows: (string | number)[][]) => void;
}

export async function buildTenK({ modelId, modelDir, say, table }: Reporter): Promise<void> {
  const i = process.argv.indexOf('--10k-count');
  const count = i >= 0 ? Number(process.argv[i + 1]) : 10_000;
  const articles = Array.from({ length: count }, (_, n) => generatedArticle(n));
  const embedder = await TransformersEmbedder.create({ modelId, modelDir });
  const indexDir = mkdtempSync(path.join(tmpdir(), 'tierdesk-10k-'));
  const bar = new cliProgress.SingleBar(
    { format: 'Embedding {bar} {value}/{total} articles | {percentage}% | elapsed {duration_formatted} | ETA {eta_formatted}', etaBuffer: 200, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(count, 0);
  let t = performance.now();
  const built = await KnowledgeIndex.sync({ articles, embedder, indexFactory: hnswIndexFactory, indexDir, onProgress: (done) => bar.update(done) });
  bar.stop();
  const buildS = (performance.now() - t) / 1000;
  const changed = articles.map((a, n) => (n % Math.floor(count / 10) === 3 ? generatedArticle(n, 1) : a));
  t = performance.now();
  const updated = await KnowledgeIndex.sync({ articles: changed, embedder, indexFactory: hnswIndexFactory, indexDir });
  const updateS = (performance.now() - t) / 1000;
  t = performance.now();
  const reloaded = await KnowledgeIndex.sync({ articles: changed, embedder, indexFactory: hnswIndexFactory, indexDir });
  const reloadS = (performance.now() - t) / 1000;
  say(`### ${count} generated articles (title, 4 questions, 150–250-word body), ${modelId}`);
  say();
  table(
    ['step', 'seconds', 'notes'],
    [
      ['index from scratch', buildS.toFixed(1), `${built.report.passages} passages, ${(built.report.passages / buildS).toFixed(1)} passages/s${count < 10_000 ? `; 10,000 articles ≈ ${((buildS * 10_000) / count / 60).toFixed(0)} min at this rate` : ''}`],
      ['10 articles changed, re-index', updateS.toFixed(1), `${updated.report.embeddedArticles.length} re-embedded`],
      ['reload, nothing changed', reloadS.toFixed(1), `${reloaded.report.embeddedArticles.length} re-embedded`],
    ],
  );
  say();

  // HNSW recall@10 on the real passage vectors.
  const index = reloaded.index;
  const labels = [...index.labels.keys()];
  const vectors = labels.map((label) => index.passageVector(label)!);
  const queryTexts = Array.from({ length: 200 }, (_, n) => {
    const a = generatedArticle((n * 7919) % count);
    return `I need to ${a.questions[0]!.replace('how do I ', '')}, what are the steps?`;
  });
  const queries = await embedder.embed(queryTexts, 'query');
  const truth = queries.map((q) =>
    labels
      .map((label, j) => ({ label, s: dot(q, vectors[j]!) }))
      .sort((a, b) => b.s - a.s)
      .slice(0, 10)
      .map((x) => x.label),
  );
  const rows: (string | number)[][] = [];
  const { HierarchicalNSW } = hnswlib;
  for (const [m, efConstruction] of [[16, 200], [32, 200]] as const) {
    const h = new HierarchicalNSW('cosine', embedder.dimension);
    h.initIndex(labels.length, m, efConstruction, 100, true);
    t = performance.now();
    labels.forEach((label, j) => h.addPoint(Array.from(vectors[j]!), label));
    const addS = (performance.now() - t) / 1000;
    for (const ef of [32, 64, 128, 256]) {
      h.setEf(ef);
      let hit = 0;
      const times: number[] = [];
      queries.forEach((q, k) => {
        const t0 = performance.now();
        const found = new Set(h.searchKnn(Array.from(q), 10).neighbors);
        times.push(performance.now() - t0);
        hit += truth[k]!.filter((label) => found.has(label)).length;
      });
      times.sort((a, b) => a - b);
      rows.push([m, efConstruction, ef, (hit / (queries.length * 10)).toFixed(4), times[Math.floor(times.length / 2)]!.toFixed(3), addS.toFixed(1)]);
    }
  }
  say(`### HNSW recall@10 on real ${modelId} passage vectors (${labels.length} passages, 200 paraphrased queries; exact search = truth)`);
  say();
  table(['M', 'efConstruction', 'efSearch', 'recall@10', 'search p50 ms', 'build s'], rows);
  say();
  rmSync(indexDir, { recursive: true, force: true });
}
