import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApp, type App, type AppOverrides } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { HashingTestEmbedder } from '../../src/search/hashing-test-embedder.js';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
export const sampleKnowledgeDir = path.join(repoRoot, 'knowledge');

export interface RunningApp {
  app: App;
  config: Config;
  baseUrl: string;
  dataDir: string;
  /** Stops the server; removes the data folder unless `keepData`. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/** A fresh temporary data folder. */
export function tempDir(prefix = 'tierdesk-test-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/**
 * Starts the real app on 127.0.0.1 with a random port, the bundled knowledge and the hashing
 * stand-in embedder (plumbing only: it says nothing about answer quality).
 */
export async function startTestApp(
  env: Record<string, string> = {},
  overrides: AppOverrides = {},
  dataDir = tempDir(),
): Promise<RunningApp> {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    KNOWLEDGE_DIR: sampleKnowledgeDir,
    // The stand-in's id: not in the model registry, so thresholds are the generic ones it was tuned with.
    EMBEDDING_MODEL: 'test/hashing-stand-in',
    // Fixed thresholds: self-calibration (the product default, `auto`) is tested on its own
    // (test/knowledge-languages.test.ts); here it would only slow every app start down.
    ANSWER_THRESHOLD: '0.55',
    SUGGEST_THRESHOLD: '0.45',
    CLOSE_MARGIN: '0.03',
    // Every test client comes from 127.0.0.1: rate limits are off unless a test sets them (test/rate-limits.test.ts).
    RATE_LIMIT_SESSIONS_PER_MINUTE: '0',
    RATE_LIMIT_MESSAGES_PER_MINUTE: '0',
    RATE_LIMIT_API_PER_MINUTE: '0',
    ...env,
  });
  const app = createApp(config, {
    createEmbedder: async () => new HashingTestEmbedder(),
    logger: silentLogger,
    ...overrides,
  });
  const address = await app.listen();
  await app.knowledge.ready;
  return {
    app,
    config,
    dataDir,
    baseUrl: `http://127.0.0.1:${address.port}`,
    stop: async (options = {}) => {
      await app.close();
      if (!options.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
