import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_ID } from '../src/search/model-registry.js';
import { MODEL_DIR } from './support/real-model-app.js';
import { repoRoot, sampleKnowledgeDir, startTestApp, tempDir } from './support/test-app.js';

/**
 * `npm run ingest`, then the server's first start on the same DATA_DIR, with the real model: the
 * start must find everything the model would otherwise compute (the article index, the answer
 * thresholds, the tier examples' vectors and head), so it is ready in seconds, not after embedding.
 */

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function ingest(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src', 'knowledge', 'ingest-cli.ts')], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

/** Every file below `dir` with its size and modification time. */
function files(dir: string): Record<string, string> {
  const listed: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const stat = statSync(file);
    listed[path.relative(dir, file)] = `${stat.size} bytes, modified ${stat.mtimeMs}`;
  }
  return listed;
}

describe('npm run ingest, then the first start (real model)', () => {
  it('prepares the tier examples too: the server starts without embedding or training anything', async () => {
    const knowledgeDir = tempDir('tierdesk-ingest-knowledge-');
    const dataDir = tempDir('tierdesk-ingest-data-');
    dirs.push(knowledgeDir, dataDir);
    cpSync(path.join(sampleKnowledgeDir, 'tiers'), path.join(knowledgeDir, 'tiers'), { recursive: true });
    mkdirSync(path.join(knowledgeDir, 'articles', 'en'), { recursive: true });
    for (const name of ['change-password.md', 'download-invoice.md', 'create-new-user.md']) {
      cpSync(path.join(sampleKnowledgeDir, 'articles', 'en', name), path.join(knowledgeDir, 'articles', 'en', name));
    }
    const env = { KNOWLEDGE_DIR: knowledgeDir, DATA_DIR: dataDir, MODEL_DIR, EMBEDDING_MODEL: DEFAULT_MODEL_ID };

    const run = await ingest(env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Articles: 3 (3 embedded, 0 unchanged, 0 removed)');
    expect(run.stdout).toMatch(/Tier classifier: examples embedded and head trained/);
    const prepared = files(dataDir);
    expect(Object.keys(prepared).some((file) => file.startsWith(`embeddings${path.sep}tier-head-`))).toBe(true);
    // The articles' parses too, so the start parses no file (and, finding them current, rewrites nothing).
    expect(prepared).toHaveProperty([path.join('knowledge-index', 'parsed-articles.json')]);

    const running = await startTestApp({ ...env, ANSWER_THRESHOLD: 'auto', SUGGEST_THRESHOLD: 'auto', CLOSE_MARGIN: 'auto' }, { createEmbedder: undefined }, dataDir);
    try {
      const status = running.app.knowledge.status;
      expect(status.state).toBe('ready');
      if (status.state !== 'ready') return;
      expect(status.report).toMatchObject({ embeddedArticles: [], removedArticles: [], classifierTrained: false, rebuiltBecause: undefined });
      // Nothing rewritten and nothing new beside the index and the stored vectors: the start found
      // the index, the calibration, the tier examples' vectors (same model, same fingerprint) and the head.
      const after = files(dataDir);
      for (const [file, state] of Object.entries(prepared)) expect(after[file], file).toBe(state);
      expect(Object.keys(after).filter((file) => /^(embeddings|knowledge-index)\//.test(file) && !(file in prepared))).toEqual([]);
      // The reused head classifies (a question the sample tier examples route to a technician's callback).
      const routing = await status.classifier.classify('our server crashed after the update and nobody can work, please call me');
      expect(routing).toMatchObject({ kind: 'tier', classification: { source: 'model' } });
    } finally {
      await running.stop({ keepData: true });
    }
  }, 240_000);
});
