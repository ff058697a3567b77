import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Embedder, EmbeddingPriority, EmbeddingRole } from '../src/search/embedder.js';
import { EmbeddingBatcher, EmbeddingQueueFullError } from '../src/search/embedding-batcher.js';
import { EmbeddingCache, normalizeQuestion } from '../src/search/embedding-cache.js';
import { HashingTestEmbedder } from '../src/search/hashing-test-embedder.js';
import { StoredEmbeddings } from '../src/search/stored-embeddings.js';
import { floatsToBase64 } from '../src/storage/float-base64.js';
import { tempDir } from './support/test-app.js';

/** Records every model call; texts containing "boom" make the whole call fail, as a model error would. */
class RecordingEmbedder implements Embedder {
  readonly inner = new HashingTestEmbedder(64);
  readonly modelId = 'test/recording';
  readonly dimension = 64;
  readonly fingerprint = this.inner.fingerprint;
  readonly calls: { texts: string[]; role: EmbeddingRole }[] = [];
  /** The priority of each call, in the same order. */
  readonly priorities: (EmbeddingPriority | undefined)[] = [];
  /** While set, calls wait for it (the model is "busy"). */
  gate: Promise<void> | undefined;

  async embed(texts: readonly string[], role: EmbeddingRole, priority?: EmbeddingPriority): Promise<Float32Array[]> {
    this.calls.push({ texts: [...texts], role });
    this.priorities.push(priority);
    if (this.gate !== undefined) await this.gate;
    if (texts.some((t) => t.includes('boom'))) throw new Error(`model failed on a batch of ${texts.length}`);
    return this.inner.embed(texts, role);
  }
}

function deferred(): { promise: Promise<void>; release: () => void } {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}

const reference = new HashingTestEmbedder(64);
const vectorOf = async (text: string) => (await reference.embed([text], 'query'))[0]!;

describe('embedding batcher', () => {
  it('between two model calls keeps the event loop turning while texts keep arriving, so a burst read one per turn joins the next call', async () => {
    const model = new RecordingEmbedder();
    const batcher = new EmbeddingBatcher(model, { maxBatch: 8 });
    const busy = deferred();
    model.gate = busy.promise;
    const first = batcher.embed(['first question'], 'query');
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(model.calls).toHaveLength(1);
    // While the model is busy, one text is queued; the others arrive one per event-loop turn
    // after the call returns, as Node reads one newly opened connection per turn when busy.
    const waiting = [batcher.embed(['second question'], 'query')];
    const arrivals = new Promise<void>((resolve) => {
      let n = 0;
      const arrive = () => {
        if (n === 5) return resolve();
        waiting.push(batcher.embed([`late question ${n++}`], 'query'));
        setImmediate(arrive);
      };
      void busy.promise.then(() => setImmediate(arrive));
    });
    model.gate = undefined;
    busy.release();
    await first;
    await arrivals;
    await Promise.all(waiting);
    expect(model.calls.map((c) => c.texts)).toEqual([
      ['first question'],
      ['second question', 'late question 0', 'late question 1', 'late question 2', 'late question 3', 'late question 4'],
    ]);
  });

  it('with the model in another thread, starts the next call as soon as one returns (the event loop read requests meanwhile)', async () => {
    const model = new RecordingEmbedder();
    const batcher = new EmbeddingBatcher(model, { maxBatch: 8, offThread: true });
    const busy = deferred();
    model.gate = busy.promise;
    const first = batcher.embed(['first question'], 'query');
    await new Promise<void>((resolve) => setImmediate(resolve));
    const second = batcher.embed(['second question'], 'query');
    // The second call waits for this one; a text arriving one turn after the first call returned
    // no longer holds it back (as it would on the model's own thread, test above).
    const next = deferred();
    model.gate = next.promise;
    let late: Promise<Float32Array[]> | undefined;
    void busy.promise.then(() => setImmediate(() => (late = batcher.embed(['late question'], 'query'))));
    busy.release();
    await first;
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(model.calls.map((c) => c.texts)).toEqual([['first question'], ['second question']]);
    model.gate = undefined;
    next.release();
    await second;
    await late;
    expect(model.calls.map((c) => c.texts)).toEqual([['first question'], ['second question'], ['late question']]);
  });

  it('puts texts of concurrent callers into one model call and gives each caller its own vectors in order', async () => {
    const model = new RecordingEmbedder();
    const batcher = new EmbeddingBatcher(model, { maxBatch: 8 });
    const questions = ['reset my password', 'supported databases', 'create a user', 'invoice address'];
    const results = await Promise.all([
      batcher.embed([questions[0]!, questions[1]!], 'query'),
      batcher.embed([questions[2]!], 'query'),
      batcher.embed([questions[3]!], 'query'),
    ]);
    expect(model.calls).toEqual([{ texts: questions, role: 'query' }]);
    expect(results[0]).toEqual([await vectorOf(questions[0]!), await vectorOf(questions[1]!)]);
    expect(results[1]).toEqual([await vectorOf(questions[2]!)]);
    expect(results[2]).toEqual([await vectorOf(questions[3]!)]);
  });

  it('queues texts that arrive while the model is busy and sends them together, at most maxBatch per call', async () => {
    const model = new RecordingEmbedder();
    const batcher = new EmbeddingBatcher(model, { maxBatch: 3 });
    const busy = deferred();
    model.gate = busy.promise;
    const first = batcher.embed(['first'], 'query');
    await new Promise((resolve) => setImmediate(resolve));
    expect(model.calls).toHaveLength(1);
    const later = ['a', 'b', 'c', 'd', 'e'].map((t) => batcher.embed([`question ${t}`], 'query'));
    expect(batcher.queued).toBe(5);
    model.gate = undefined;
    busy.release();
    const vectors = await Promise.all([first, ...later]);
    expect(model.calls.map((c) => c.texts)).toEqual([['first'], ['question a', 'question b', 'question c'], ['question d', 'question e']]);
    expect(vectors[4]).toEqual([await vectorOf('question d')]);
    expect(batcher.stats).toEqual({ calls: 3, texts: 6, largestBatch: 3 });
  });

  it('lets the event loop run between two model calls, so requests that arrived meanwhile join the next call', async () => {
    const model = new RecordingEmbedder();
    const batcher = new EmbeddingBatcher(model, { maxBatch: 2 });
    const busy = deferred();
    model.gate = busy.promise;
    const first = batcher.embed(['first'], 'query');
    await new Promise((resolve) => setImmediate(resolve));
    // Queued while the model is busy: more than one call's worth.
    const queued = ['a', 'b', 'c'].map((t) => batcher.embed([`question ${t}`], 'query'));
    // An HTTP request that arrives during the model call is handled in a later event-loop phase;
    // its question must get into the call that follows the one it waited for.
    let lateQuestion: Promise<Float32Array[]> | undefined;
    setImmediate(() => {
      lateQuestion = batcher.embed(['late question'], 'query');
    });
    model.gate = undefined;
    busy.release();
    await Promise.all([first, ...queued]);
    await lateQuestion;
    expect(model.calls.map((c) => c.texts)).toEqual([['first'], ['question a', 'question b'], ['question c', 'late question']]);
  });

  it('fails only the caller whose text broke the model call; the others in the batch get their vectors', async () => {
    const model = new RecordingEmbedder();
    const batcher = new EmbeddingBatcher(model, { maxBatch: 8 });
    const [good, bad, alsoGood] = await Promise.allSettled([
      batcher.embed(['reset my password'], 'query'),
      batcher.embed(['this goes boom'], 'query'),
      batcher.embed(['supported databases'], 'query'),
    ]);
    expect(good).toEqual({ status: 'fulfilled', value: [await vectorOf('reset my password')] });
    expect(bad).toMatchObject({ status: 'rejected', reason: { message: 'model failed on a batch of 1' } });
    expect(alsoGood).toEqual({ status: 'fulfilled', value: [await vectorOf('supported databases')] });
    // The batcher keeps working afterwards.
    expect(await batcher.embed(['create a user'], 'query')).toEqual([await vectorOf('create a user')]);
  });

  it('refuses texts beyond its queue bound instead of growing without limit (back-pressure), and recovers', async () => {
    const model = new RecordingEmbedder();
    const batcher = new EmbeddingBatcher(model, { maxBatch: 2, maxQueued: 3 });
    const busy = deferred();
    model.gate = busy.promise;
    const running = batcher.embed(['one'], 'query');
    await new Promise((resolve) => setImmediate(resolve));
    const queued = [batcher.embed(['two'], 'query'), batcher.embed(['three', 'four'], 'query')];
    await expect(batcher.embed(['five'], 'query')).rejects.toBeInstanceOf(EmbeddingQueueFullError);
    model.gate = undefined;
    busy.release();
    await Promise.all([running, ...queued]);
    expect(await batcher.embed(['five'], 'query')).toEqual([await vectorOf('five')]);
  });

  it('keeps query and passage texts in separate model calls, and passes large calls straight through (as bulk: customers wait on its own calls only)', async () => {
    const model = new RecordingEmbedder();
    const batcher = new EmbeddingBatcher(model, { maxBatch: 4 });
    await Promise.all([batcher.embed(['a question'], 'query'), batcher.embed(['a passage'], 'passage')]);
    expect(model.calls).toEqual([{ texts: ['a question'], role: 'query' }, { texts: ['a passage'], role: 'passage' }]);
    const many = Array.from({ length: 10 }, (_, i) => `passage ${i}`);
    expect(await batcher.embed(many, 'passage')).toHaveLength(10);
    expect(model.calls[2]).toEqual({ texts: many, role: 'passage' });
    expect(model.priorities).toEqual(['interactive', 'interactive', undefined]);
  });
});

describe('embedding cache', () => {
  it('answers a repeated or whitespace-variant question without the model, with the same vector', async () => {
    const model = new RecordingEmbedder();
    const cache = new EmbeddingCache(model, { maxEntries: 10 });
    const [first] = await cache.embed(['How do I reset my password?'], 'query');
    const [again] = await cache.embed(['  How do I\nreset my   password? '], 'query');
    expect(again).toBe(first);
    expect(model.calls).toEqual([{ texts: ['How do I reset my password?'], role: 'query' }]);
    expect(cache.stats).toEqual({ hits: 1, misses: 1 });
    // Case is meaningful to the model: a different key.
    await cache.embed(['how do i reset my password?'], 'query');
    expect(model.calls).toHaveLength(2);
    expect(normalizeQuestion(' a\t b ')).toBe('a b');
  });

  it('drops the least recently used entry when full', async () => {
    const model = new RecordingEmbedder();
    const cache = new EmbeddingCache(model, { maxEntries: 2 });
    await cache.embed(['one'], 'query');
    await cache.embed(['two'], 'query');
    await cache.embed(['one'], 'query'); // one is now the most recent
    await cache.embed(['three'], 'query'); // evicts two
    expect(cache.size).toBe(2);
    model.calls.length = 0;
    await cache.embed(['one'], 'query');
    await cache.embed(['three'], 'query');
    expect(model.calls).toEqual([]);
    await cache.embed(['two'], 'query');
    expect(model.calls).toEqual([{ texts: ['two'], role: 'query' }]);
  });

  it('shares one model call between concurrent identical questions, never caches passages, and does not cache failures', async () => {
    const model = new RecordingEmbedder();
    const cache = new EmbeddingCache(model);
    const [a, b] = await Promise.all([cache.embed(['same question'], 'query'), cache.embed(['same question'], 'query')]);
    expect(a[0]).toBe(b[0]);
    expect(model.calls).toHaveLength(1);
    await cache.embed(['a passage'], 'passage');
    await cache.embed(['a passage'], 'passage');
    expect(model.calls.filter((c) => c.role === 'passage')).toHaveLength(2);
    await expect(cache.embed(['boom'], 'query')).rejects.toThrow('model failed');
    await expect(cache.embed(['boom'], 'query')).rejects.toThrow('model failed');
    expect(model.calls.filter((c) => c.texts.includes('boom'))).toHaveLength(2);
  });

  it('returns the same vectors as the model itself, in order, for a mix of hits and misses', async () => {
    const model = new RecordingEmbedder();
    const cache = new EmbeddingCache(new EmbeddingBatcher(model));
    await cache.embed(['beta'], 'query');
    const vectors = await cache.embed(['alpha', 'beta', 'gamma'], 'query');
    expect(vectors).toEqual([await vectorOf('alpha'), await vectorOf('beta'), await vectorOf('gamma')]);
  });
});

describe('stored bulk query embeddings (tier examples across restarts)', () => {
  it('embeds only new examples after a restart, with identical vectors, and never stores single texts', async () => {
    const dir = tempDir();
    const examples = ['invoice lists the wrong plan', 'add five more seats', 'program blocked by antivirus'];
    const first = new RecordingEmbedder();
    const before = await new StoredEmbeddings(first, dir).embed(examples, 'query');
    expect(first.calls).toHaveLength(1);

    const second = new RecordingEmbedder();
    const restarted = new StoredEmbeddings(second, dir);
    const after = await restarted.embed([...examples, 'server room is on fire'], 'query');
    expect(second.calls).toEqual([{ texts: ['server room is on fire'], role: 'query' }]);
    expect(after.slice(0, 3)).toEqual(before);
    expect(after[3]).toEqual(await vectorOf('server room is on fire'));

    await restarted.embed(['a customer question'], 'query');
    await restarted.embed(['passage one', 'passage two'], 'passage');
    const third = new RecordingEmbedder();
    await new StoredEmbeddings(third, dir).embed(['a customer question', 'passage one'], 'query');
    expect(third.calls).toEqual([{ texts: ['a customer question', 'passage one'], role: 'query' }]);
  });

  it('writes the file again without the texts no bulk call used, once, embedding nothing (customers\u2019 questions an earlier version kept)', async () => {
    const dir = tempDir();
    const examples = ['invoice lists the wrong plan', 'add five more seats'];
    await new StoredEmbeddings(new RecordingEmbedder(), dir).embed([...examples, 'my card number is 4111 and it was charged twice', 'another customer question'], 'query');
    const file = () => readdirSync(dir).map((name) => readFileSync(path.join(dir, name), 'latin1')).join('');
    expect(file()).toContain('charged twice');
    const model = new RecordingEmbedder();
    const restarted = new StoredEmbeddings(model, dir);
    const { saved } = await restarted.embedThenSave(examples, 'query');
    await saved;
    expect(model.calls).toEqual([]);
    expect(file()).not.toContain('charged twice');
    expect(file()).toContain('add five more seats');
    // Done once: the same call again has nothing to write.
    await expect((await restarted.embedThenSave(examples, 'query')).saved).resolves.toBeUndefined();
    expect(await new StoredEmbeddings(new RecordingEmbedder(), dir).stored(examples)).toEqual(await restarted.embed(examples, 'query'));
  });

  it('keeps two bulk calls in flight apart: the first to finish saves only what it has, the second adds its own', async () => {
    const dir = tempDir();
    const model = new RecordingEmbedder();
    const gate = deferred();
    model.gate = gate.promise;
    const stored = new StoredEmbeddings(model, dir);
    const slow = stored.embed(['slow one', 'slow two'], 'query');
    model.gate = undefined;
    // The second call finishes (and saves) while the first is still waiting for the model.
    expect(await stored.embed(['fast one', 'fast two'], 'query')).toEqual([await vectorOf('fast one'), await vectorOf('fast two')]);
    gate.release();
    expect(await slow).toEqual([await vectorOf('slow one'), await vectorOf('slow two')]);
    const restarted = new RecordingEmbedder();
    await new StoredEmbeddings(restarted, dir).embed(['slow one', 'slow two', 'fast one', 'fast two'], 'query');
    expect(restarted.calls).toEqual([]);
  });

  it('gives the vectors before the file is written (embedThenSave), the file holding them once `saved` settles', async () => {
    const dir = tempDir();
    const stored = new StoredEmbeddings(new RecordingEmbedder(), dir);
    const { vectors, saved } = await stored.embedThenSave(['first question', 'second question'], 'query');
    expect(vectors).toEqual([await vectorOf('first question'), await vectorOf('second question')]);
    await saved;
    const restarted = new RecordingEmbedder();
    expect(await new StoredEmbeddings(restarted, dir).embed(['first question', 'second question'], 'query')).toEqual(vectors);
    expect(restarted.calls).toEqual([]);
    // Nothing new: nothing to write.
    const again = await stored.embedThenSave(['first question', 'second question'], 'query');
    await expect(again.saved).resolves.toBeUndefined();
  });

  it('ignores an unreadable file and one written for another model', async () => {
    const dir = tempDir();
    await new StoredEmbeddings(new RecordingEmbedder(), dir).embed(['one', 'two'], 'query');
    const other = new RecordingEmbedder();
    Object.defineProperty(other, 'modelId', { value: 'test/another-model' });
    await new StoredEmbeddings(other, dir).embed(['one', 'two'], 'query');
    expect(other.calls).toHaveLength(1);
    for (const file of readdirSync(dir)) writeFileSync(path.join(dir, file), '{broken');
    const fresh = new RecordingEmbedder();
    expect(await new StoredEmbeddings(fresh, dir).embed(['one', 'two'], 'query')).toEqual([await vectorOf('one'), await vectorOf('two')]);
    expect(fresh.calls).toHaveLength(1);
  });

  it('reads the JSON file of earlier versions once, then keeps the vectors in the binary file only; a file cut short is ignored', async () => {
    const dir = tempDir();
    await new StoredEmbeddings(new RecordingEmbedder(), dir).embed(['one', 'two'], 'query');
    const [binary] = readdirSync(dir);
    expect(binary).toMatch(/^query-vectors-[0-9a-f]{16}\.bin$/);
    // What an earlier version wrote for the same model: JSON with the rows as base64.
    const rows = [await vectorOf('one'), await vectorOf('two')];
    const all = new Float32Array(rows.flatMap((row) => [...row]));
    const json = binary!.replace(/\.bin$/, '.json');
    rmSync(path.join(dir, binary!));
    writeFileSync(path.join(dir, json), JSON.stringify({ texts: ['one', 'two'], vectors: floatsToBase64(all) }));
    const upgraded = new RecordingEmbedder();
    expect(await new StoredEmbeddings(upgraded, dir).embed(['one', 'two', 'three'], 'query')).toEqual([...rows, await vectorOf('three')]);
    expect(upgraded.calls).toEqual([{ texts: ['three'], role: 'query' }]);
    expect(readdirSync(dir)).toEqual([binary]);

    const whole = readFileSync(path.join(dir, binary!));
    writeFileSync(path.join(dir, binary!), whole.subarray(0, whole.length - 4));
    const afterCut = new RecordingEmbedder();
    await new StoredEmbeddings(afterCut, dir).embed(['one', 'two', 'three'], 'query');
    expect(afterCut.calls).toEqual([{ texts: ['one', 'two', 'three'], role: 'query' }]);
  });
});
