import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { AppOverrides } from '../../src/app.js';
import { DEFAULT_MODEL_ID } from '../../src/search/model-registry.js';
import { repoRoot, startTestApp, tempDir, type RunningApp } from './test-app.js';

/** The real models (../shared/models; present in CI). */
export const MODEL_DIR = path.resolve(repoRoot, '../shared/models');

/**
 * Starts the app with the REAL default model (for tests that claim answer quality). The search
 * index is kept between test files and runs in node_modules/.cache (the run's temporary folder is
 * removed at its end: test/support/run-temp-dir.ts): it is incremental (its manifest
 * names the model and every passage's hash), so a cached index is only reused where it still
 * matches and the rest is rebuilt — embedding the whole knowledge base on every start would cost
 * minutes of CPU.
 */
export async function startRealModelApp(env: Record<string, string> = {}, overrides: AppOverrides = {}): Promise<RunningApp> {
  const model = env.EMBEDDING_MODEL ?? DEFAULT_MODEL_ID;
  const cache = path.join(repoRoot, 'node_modules', '.cache', 'tierdesk-test-index', model.replace(/[^\w.-]+/g, '_'));
  const dataDir = tempDir();
  if (existsSync(cache)) cpSync(cache, path.join(dataDir, 'knowledge-index'), { recursive: true });
  // The product default: thresholds (and the answer model) self-calibrated on the knowledge base,
  // not the stand-in's fixed numbers (calibration.json is kept in the cached index folder).
  const auto = { ANSWER_THRESHOLD: 'auto', SUGGEST_THRESHOLD: 'auto', CLOSE_MARGIN: 'auto' };
  const running = await startTestApp({ MODEL_DIR, EMBEDDING_MODEL: model, ...auto, ...env }, { createEmbedder: undefined, ...overrides }, dataDir);
  if (running.app.knowledge.status.state === 'ready') {
    rmSync(cache, { recursive: true, force: true });
    mkdirSync(path.dirname(cache), { recursive: true });
    cpSync(path.join(dataDir, 'knowledge-index'), cache, { recursive: true });
  }
  return running;
}
