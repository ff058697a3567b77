import { appendFileSync, cpSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectGarbage } from '../src/runtime/collect-garbage.js';
import { EmbedderLoadError } from '../src/search/embedder.js';
import { HashingTestEmbedder } from '../src/search/hashing-test-embedder.js';
import { sampleKnowledgeDir, tempDir } from './support/test-app.js';
import { hashingKnowledge, until } from './support/hashing-knowledge.js';

function service(createEmbedder: () => Promise<HashingTestEmbedder>, retry = { initialMs: 20, maxMs: 40 }, more: { knowledgeDir?: string; afterLoad?: () => void } = {}) {
  return hashingKnowledge(more.knowledgeDir ?? sampleKnowledgeDir, tempDir(), {
    ...(more.afterLoad === undefined ? {} : { afterLoad: more.afterLoad }),
    // The sample folder's tier rules even for a smaller knowledge folder.
    tiers: { threshold: 0.35, margin: 0.02, rulesFile: path.join(sampleKnowledgeDir, 'tiers', 'rules.yaml') },
    createEmbedder,
    retry,
  });
}

describe('knowledge service lifecycle', () => {
  it('reports a failed model load with the reason, then recovers by itself when the model becomes available', async () => {
    let modelInstalled = false;
    const knowledge = service(async () => {
      if (!modelInstalled) throw new EmbedderLoadError('model not found under MODEL_DIR=/models');
      return new HashingTestEmbedder();
    });
    const first = await knowledge.ready;
    expect(first).toMatchObject({ state: 'failed', error: 'model not found under MODEL_DIR=/models', attempts: 1 });
    expect(first.state === 'failed' && first.retryAt).toBeTruthy();
    await until(() => knowledge.status.state === 'failed' && knowledge.status.attempts >= 2);
    modelInstalled = true;
    await until(() => knowledge.status.state === 'ready');
    await knowledge.stop();
  });

  it('does not retry when retries are disabled, and stop() cancels a scheduled retry', async () => {
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new Error('offline');
    };
    const noRetry = service(failing, { initialMs: 0, maxMs: 0 });
    expect(await noRetry.ready).toMatchObject({ state: 'failed', retryAt: undefined });
    const stopped = service(failing, { initialMs: 30, maxMs: 30 });
    await stopped.ready;
    await stopped.stop();
    const before = calls;
    await new Promise((r) => setTimeout(r, 100));
    expect(calls).toBe(before);
  });

  it('runs afterLoad (the full GC of the server) after the first load and after each hot reload, not after a failed one', async () => {
    const knowledgeDir = tempDir('tierdesk-after-load-');
    cpSync(path.join(sampleKnowledgeDir, 'tiers'), path.join(knowledgeDir, 'tiers'), { recursive: true });
    mkdirSync(path.join(knowledgeDir, 'articles', 'en'), { recursive: true });
    cpSync(path.join(sampleKnowledgeDir, 'articles', 'en', 'change-password.md'), path.join(knowledgeDir, 'articles', 'en', 'change-password.md'));
    let calls = 0;
    let modelInstalled = false;
    const knowledge = service(
      async () => {
        if (!modelInstalled) throw new EmbedderLoadError('model not found');
        return new HashingTestEmbedder();
      },
      { initialMs: 20, maxMs: 40 },
      { knowledgeDir, afterLoad: () => calls++ },
    );
    expect((await knowledge.ready).state).toBe('failed');
    expect(calls).toBe(0);
    modelInstalled = true;
    await until(() => knowledge.status.state === 'ready');
    expect(calls).toBe(1);
    appendFileSync(path.join(knowledgeDir, 'articles', 'en', 'change-password.md'), '\nThe link in the email is valid for one hour.\n');
    expect(await knowledge.reloadArticles()).toMatchObject({ state: 'ready', report: { embeddedArticles: ['en/change-password'] } });
    expect(calls).toBe(2);
    await knowledge.stop();
  });

  it('lets the replaced index go after a hot reload (at 10,000 articles an index held ~190 MB)', async () => {
    const knowledgeDir = tempDir('tierdesk-release-');
    cpSync(path.join(sampleKnowledgeDir, 'tiers'), path.join(knowledgeDir, 'tiers'), { recursive: true });
    mkdirSync(path.join(knowledgeDir, 'articles', 'en'), { recursive: true });
    const article = path.join(knowledgeDir, 'articles', 'en', 'change-password.md');
    cpSync(path.join(sampleKnowledgeDir, 'articles', 'en', 'change-password.md'), article);
    const knowledge = service(async () => new HashingTestEmbedder(), undefined, { knowledgeDir });
    expect((await knowledge.ready).state).toBe('ready');
    // In a function of its own: a local of this async test could stay in its saved frame across awaits.
    const serving = () => {
      const status = knowledge.status;
      if (status.state !== 'ready') throw new Error('not ready');
      return new WeakRef(status.search.index);
    };
    const indexes: WeakRef<object>[] = [];
    for (let reload = 1; reload <= 3; reload++) {
      indexes.push(serving());
      appendFileSync(article, `\nEdit ${reload}: the link in the email is valid for one hour.\n`);
      expect((await knowledge.reloadArticles()).state === 'ready').toBe(true);
    }
    // Each reload's new promise turn, then full collections: every replaced index is gone.
    await new Promise((resolve) => setTimeout(resolve, 10));
    collectGarbage();
    collectGarbage();
    expect(indexes.map((ref) => ref.deref() === undefined)).toEqual([true, true, true]);
    expect(knowledge.status.state === 'ready' && knowledge.status.search.index).toBeTruthy();
    await knowledge.stop();
  });
});
