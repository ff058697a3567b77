import { appendFileSync, cpSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KnowledgeService, type KnowledgeServiceOptions, type KnowledgeState } from '../src/knowledge/knowledge-service.js';
import { createLogger } from '../src/logger.js';
import { HashingTestEmbedder } from '../src/search/hashing-test-embedder.js';
import { hnswIndexFactory } from '../src/search/hnsw-index.js';
import type { SelfCalibration } from '../src/search/self-calibration.js';
import { sampleKnowledgeDir, tempDir } from './support/test-app.js';

/**
 * The self-calibrated answer model and thresholds (`auto`, the product default) through the
 * knowledge service's life: a hot reload and a restart after articles changed. Stand-in embedder:
 * these tests are about which calibration is in use, not about answer quality.
 */

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function folders(): { knowledgeDir: string; dataDir: string } {
  const knowledgeDir = tempDir('tierdesk-calibration-knowledge-');
  const dataDir = tempDir('tierdesk-calibration-data-');
  dirs.push(knowledgeDir, dataDir);
  for (const part of ['articles', 'tiers']) cpSync(path.join(sampleKnowledgeDir, part), path.join(knowledgeDir, part), { recursive: true });
  return { knowledgeDir, dataDir };
}

function service(
  knowledgeDir: string,
  dataDir: string,
  log: string[] = [],
  recalibrateAfterReload?: { quietMs?: number; changedShare?: number },
  embedder = new HashingTestEmbedder(),
  fixedThresholds: KnowledgeServiceOptions['fixedThresholds'] = {},
): KnowledgeService {
  return new KnowledgeService({
    knowledgeDir,
    dataDir,
    thresholds: { answer: 0.55, suggest: 0.45, closeMargin: 0.03 },
    fixedThresholds,
    tiers: { threshold: 0.35, margin: 0.02, rulesFile: path.join(knowledgeDir, 'tiers', 'rules.yaml') },
    createEmbedder: async () => embedder,
    indexFactory: hnswIndexFactory,
    logger: createLogger('info', (line) => log.push((JSON.parse(line) as { message: string }).message)),
    retry: { initialMs: 0, maxMs: 0 },
    ...(recalibrateAfterReload === undefined ? {} : { recalibrateAfterReload }),
  });
}

function ready(state: KnowledgeState): Extract<KnowledgeState, { state: 'ready' }> {
  if (state.state !== 'ready') throw new Error(`knowledge ${state.state}`);
  return state;
}

const QUESTIONS = ['how do I change my password', 'download my last invoice', 'the scanner does not send documents', 'what is the weather tomorrow'];
/** What the customer gets for each question: answer, did-you-mean or not confident, and which articles. */
const decisions = async (state: Extract<KnowledgeState, { state: 'ready' }>) =>
  Promise.all(
    QUESTIONS.map(async (q) => {
      const decision = (await state.search.answer(q, 'en')).decision;
      const articles = decision.kind === 'answer' ? [decision.article.articleId] : decision.kind === 'did-you-mean' ? decision.candidates.map((c) => c.articleId) : [];
      return `${decision.kind} ${articles.join(', ')}`;
    }),
  );

/** Appends a paragraph to one article: its passages change, so the knowledge base's content does. */
function editArticle(knowledgeDir: string, paragraph = 'Offline copies are kept for 30 days on each device.'): void {
  appendFileSync(path.join(knowledgeDir, 'articles', 'en', 'work-offline.md'), `\n${paragraph}\n`);
}

/** Resolves once `log` has `count` lines equal to `message` (fails after a minute). */
async function logged(log: readonly string[], message: string, count = 1): Promise<void> {
  const until = Date.now() + 60_000;
  while (log.filter((m) => m === message).length < count) {
    if (Date.now() > until) throw new Error(`"${message}" was not logged ${count} time(s): ${log.join(' | ')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A new start on these folders finds the saved calibration made for its passages: it calibrates nothing, in the background or before. */
async function expectCalibrationCurrentAtStart(knowledgeDir: string, dataDir: string): Promise<void> {
  const log: string[] = [];
  const started = service(knowledgeDir, dataDir, log);
  try {
    ready(await started.ready);
    expect(started.recalibration).toBeUndefined();
    expect(log).toContain('answer thresholds calibrated');
  } finally {
    await started.stop();
  }
}

/** The search serving `state` scores with a calibration other than `old`, its answer model and its thresholds. */
function expectNewCalibrationInUse(state: Extract<KnowledgeState, { state: 'ready' }>, old: SelfCalibration | undefined): void {
  expect(state.calibration).toBeDefined();
  expect(state.calibration).not.toBe(old);
  expect(state.search.scoredByModel).toBe(true);
  expect(state.search.thresholdsFor('en')).toEqual(state.calibration!.byLanguage.en?.thresholds ?? state.calibration!.pooled.thresholds);
}

const savedKey = (dataDir: string) => (JSON.parse(readFileSync(path.join(dataDir, 'knowledge-index', 'calibration.json'), 'utf8')) as { key: string }).key;

describe('calibration through hot reloads and restarts (auto thresholds)', () => {
  it('a hot reload keeps the answer model together with the thresholds calibrated on its scores', async () => {
    const { knowledgeDir, dataDir } = folders();
    const knowledge = service(knowledgeDir, dataDir);
    try {
      const before = ready(await knowledge.ready);
      expect(before.calibration?.model).toBeDefined();
      expect(before.search.scoredByModel).toBe(true);
      const answered = await decisions(before);

      editArticle(knowledgeDir);
      const after = ready(await knowledge.reloadArticles());
      expect(after.report.embeddedArticles).toEqual(['en/work-offline']);
      expect(after.search).not.toBe(before.search);
      // Without the model, the fused scores would be read against thresholds made for the model's probabilities.
      expect(after.search.scoredByModel).toBe(true);
      expect(after.search.thresholdsFor('en')).toEqual(before.search.thresholdsFor('en'));
      expect(await decisions(after)).toEqual(answered);
    } finally {
      await knowledge.stop();
    }
  }, 60_000);

  it('once hot reloads are quiet, calibrates the changed passages again in the background; a reload that changed nothing does not', async () => {
    const { knowledgeDir, dataDir } = folders();
    const log: string[] = [];
    // Every change counts (the sample's default share is 3 of its 144 article versions).
    const knowledge = service(knowledgeDir, dataDir, log, { quietMs: 300, changedShare: 0 });
    try {
      const before = ready(await knowledge.ready);
      const keyBefore = savedKey(dataDir);

      editArticle(knowledgeDir);
      const after = ready(await knowledge.reloadArticles());
      // Answers at once with the calibration it had.
      expect(after.calibration).toBe(before.calibration);
      expect(log).not.toContain('answer thresholds recalibrated');

      await logged(log, 'answer thresholds recalibrated');
      const now = ready(knowledge.status);
      expect(now.search).toBe(after.search);
      expectNewCalibrationInUse(now, before.calibration);
      expect(savedKey(dataDir)).not.toBe(keyBefore);

      // Saved again unchanged: the calibration saved is for these passages already.
      const keyNow = savedKey(dataDir);
      ready(await knowledge.reloadArticles());
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(log.filter((m) => m === 'answer thresholds recalibrated')).toHaveLength(1);
      expect(savedKey(dataDir)).toBe(keyNow);
      expect(ready(knowledge.status).calibration).toEqual(now.calibration);
    } finally {
      await knowledge.stop();
    }
  }, 120_000);

  it('calibrates again only once reloads changed 2 % of the article versions since the last calibration (3 of the sample\u2019s 144)', async () => {
    const { knowledgeDir, dataDir } = folders();
    const log: string[] = [];
    const knowledge = service(knowledgeDir, dataDir, log, { quietMs: 300 });
    try {
      const before = ready(await knowledge.ready);
      expect(before.search.articleCount * before.search.languages.length).toBe(144);
      editArticle(knowledgeDir);
      await knowledge.reloadArticles();
      // The same article again, then a second one: two article versions changed.
      editArticle(knowledgeDir, 'Copies on phones are kept for 14 days.');
      appendFileSync(path.join(knowledgeDir, 'articles', 'pt', 'work-offline.md'), '\nAs cópias ficam guardadas 30 dias.\n');
      await knowledge.reloadArticles();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await knowledge.calibrationSettled();
      expect(log).not.toContain('answer thresholds recalibrated');
      expect(ready(knowledge.status).calibration).toBe(before.calibration);

      appendFileSync(path.join(knowledgeDir, 'articles', 'pl', 'work-offline.md'), '\nKopie są przechowywane przez 30 dni.\n');
      await knowledge.reloadArticles();
      await knowledge.calibrationSettled();
      expect(log).toContain('answer thresholds recalibrated');
      expect(ready(knowledge.status).calibration).not.toBe(before.calibration);
    } finally {
      await knowledge.stop();
    }
  }, 120_000);

  it('a reload during a background calibration replaces it: the calibration in use and saved is for the last passages', async () => {
    const { knowledgeDir, dataDir } = folders();
    const log: string[] = [];
    const knowledge = service(knowledgeDir, dataDir, log, { quietMs: 0, changedShare: 0 });
    try {
      await knowledge.ready;
      editArticle(knowledgeDir);
      await knowledge.reloadArticles();
      while (knowledge.recalibration === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
      editArticle(knowledgeDir, 'Offline copies of shared folders are kept for 7 days.');
      await knowledge.reloadArticles();
      await knowledge.calibrationSettled();
      expect(log).toContain('answer thresholds recalibrated');
      expect(log.filter((m) => m.includes('not recalibrated'))).toEqual([]);
    } finally {
      await knowledge.stop();
    }
    await expectCalibrationCurrentAtStart(knowledgeDir, dataDir);
  }, 120_000);

  it('after articles changed while stopped, a restart answers with the last calibration at once and recalibrates in the background', async () => {
    const { knowledgeDir, dataDir } = folders();
    const first = service(knowledgeDir, dataDir);
    const original = ready(await first.ready).calibration;
    await first.stop();
    expect(original).toBeDefined();
    const keyBefore = savedKey(dataDir);

    editArticle(knowledgeDir);
    const log: string[] = [];
    const restarted = service(knowledgeDir, dataDir, log);
    try {
      const state = ready(await restarted.ready);
      expect(state.report.embeddedArticles).toEqual(['en/work-offline']);
      // Ready with the calibration made before the edit, answer model included.
      expect(state.calibration).toEqual(original);
      expect(state.search.scoredByModel).toBe(true);
      expect(log).toContain('answer thresholds from the last calibration, recalibrating in the background');
      expect(restarted.recalibration).toBeDefined();

      await restarted.recalibration;
      expect(log).toContain('answer thresholds recalibrated');
      const now = ready(restarted.status);
      expect(now.search).toBe(state.search);
      expectNewCalibrationInUse(now, original);
      expect(savedKey(dataDir)).not.toBe(keyBefore);
    } finally {
      await restarted.stop();
    }

    await expectCalibrationCurrentAtStart(knowledgeDir, dataDir);
  }, 120_000);

  it('stopping during a background calibration ends it without saving or logging a failure', async () => {
    const { knowledgeDir, dataDir } = folders();
    const first = service(knowledgeDir, dataDir);
    await first.ready;
    await first.stop();
    const calibrationFile = path.join(dataDir, 'knowledge-index', 'calibration.json');
    const saved = readFileSync(calibrationFile, 'utf8');

    editArticle(knowledgeDir);
    const log: string[] = [];
    const restarted = service(knowledgeDir, dataDir, log);
    ready(await restarted.ready);
    expect(restarted.recalibration).toBeDefined();
    await restarted.stop();
    expect(readFileSync(calibrationFile, 'utf8')).toBe(saved);
    expect(log).not.toContain('answer thresholds recalibrated');
    expect(log.filter((m) => m.includes('not recalibrated'))).toEqual([]);
  }, 120_000);

  it('a start that calibrates keeps the tier examples\u2019 vectors on disk: the start after it embeds nothing', async () => {
    const { knowledgeDir, dataDir } = folders();
    // First with every threshold fixed (no calibration): the index and the tier examples' vectors are stored.
    const fixed = service(knowledgeDir, dataDir, [], undefined, new HashingTestEmbedder(), { answer: 0.55, suggest: 0.45, closeMargin: 0.03 });
    ready(await fixed.ready);
    await fixed.stop();
    // Then `auto`: this start calibrates, embedding the off-topic questions.
    const calibrating = service(knowledgeDir, dataDir);
    expect(ready(await calibrating.ready).calibration).toBeDefined();
    await calibrating.stop();
    const embedder = new HashingTestEmbedder();
    const restarted = service(knowledgeDir, dataDir, [], undefined, embedder);
    try {
      expect(ready(await restarted.ready).calibration).toBeDefined();
      expect(embedder.embeddedByRole).toEqual({ query: 0, passage: 0 });
    } finally {
      await restarted.stop();
    }
  });
});
