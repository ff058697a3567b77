import { afterEach, describe, expect, it } from 'vitest';
import type { Embedder, EmbeddingRole } from '../src/search/embedder.js';
import { EmbeddingBatcher } from '../src/search/embedding-batcher.js';
import { EmbeddingCache } from '../src/search/embedding-cache.js';
import { EmbeddingWorkerError } from '../src/search/embedding-workers.js';
import { HashingTestEmbedder } from '../src/search/hashing-test-embedder.js';
import { textsFor } from '../src/i18n/texts.js';
import { ExpectRepliesClient } from './support/bot-client.js';
import { startTestApp, type RunningApp } from './support/test-app.js';

/** The stand-in model, which can be made "busy": while `gate` is set, query calls wait for it. */
class BusyModel implements Embedder {
  private readonly inner = new HashingTestEmbedder();
  readonly modelId = this.inner.modelId;
  readonly dimension = this.inner.dimension;
  readonly fingerprint = this.inner.fingerprint;
  gate: Promise<void> | undefined;
  queryCalls = 0;

  async embed(texts: readonly string[], role: EmbeddingRole): Promise<Float32Array[]> {
    if (role === 'query') this.queryCalls++;
    if (role === 'query' && this.gate !== undefined) await this.gate;
    return this.inner.embed(texts, role);
  }
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

let running: RunningApp | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

describe('when more questions wait for the model than it will queue', () => {
  it('tells the customer at once that it is busy, and answers the questions it queued once the model is free', async () => {
    const model = new BusyModel();
    // One text in the model, one waiting: the third question finds the queue full. (The questions
    // are worded unlike any article or tier example, whose vectors the cache already holds.)
    const batcher = new EmbeddingBatcher(model, { maxBatch: 1, maxQueued: 1 });
    running = await startTestApp({}, { createEmbedder: async () => new EmbeddingCache(batcher) });
    let release!: () => void;
    model.gate = new Promise<void>((resolve) => (release = resolve));
    const callsBefore = model.queryCalls;

    const first = new ExpectRepliesClient(running.baseUrl).say('My password stopped working after the holidays, what now?');
    await until(() => model.queryCalls > callsBefore);
    const second = new ExpectRepliesClient(running.baseUrl).say('Which database servers does the archive run on these days?');
    await until(() => batcher.queued === 1);

    const third = await new ExpectRepliesClient(running.baseUrl).say('How can a new colleague get an account of her own?');
    expect(third.map((a) => a.text)).toEqual([textsFor('en').tooBusy]);

    model.gate = undefined;
    release();
    for (const replies of await Promise.all([first, second])) {
      expect(replies.length).toBeGreaterThan(0);
      expect(replies.map((a) => a.text)).not.toContain(textsFor('en').tooBusy);
      expect(replies.map((a) => a.text)).not.toContain(textsFor('en').somethingWentWrong);
    }
  });
});

describe('when the model thread is gone', () => {
  it('says self-help is unavailable and offers a person, instead of failing the turn', async () => {
    const model = new BusyModel();
    running = await startTestApp({}, { createEmbedder: async () => new EmbeddingCache(new EmbeddingBatcher(model)) });
    const gone: Embedder['embed'] = async () => {
      throw new EmbeddingWorkerError('No embedding worker is left (worker 1 exited with code 1)');
    };
    model.embed = gone;
    const replies = await new ExpectRepliesClient(running.baseUrl).say('My password stopped working after the holidays, what now?');
    const said = replies.map((a) => a.text ?? '');
    expect(said[0]).toBe(textsFor('en').knowledgeUnavailable);
    expect(said).not.toContain(textsFor('en').somethingWentWrong);
    // What comes next is the escalation: a question about the tier or a person, not silence.
    // Then the escalation: the tier classifier needs the model too, so it abstains and the customer picks.
    expect(said[1]).toContain(textsFor('en').tierQuestion);
  });
});
