import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Article } from '../src/knowledge/article.js';
import { KnowledgeIndex } from '../src/knowledge/knowledge-index.js';
import { rankArticles } from '../src/search/answer-decision.js';
import { dotAt } from '../src/search/embedder.js';
import { HashingTestEmbedder } from '../src/search/hashing-test-embedder.js';
import { hnswIndexFactory } from '../src/search/hnsw-index.js';
import type { VectorIndex, VectorIndexFactory } from '../src/search/vector-index.js';
import { tempDir } from './support/test-app.js';

const article = (id: string, title: string, body: string, questions: string[] = []): Article => ({
  id, title, body, questions, language: 'en', tags: [], file: `${id}.md`,
});

const articles = [
  article('reset-password', 'Request a new password', 'Click forgot password on the login page.', ['I forgot my password']),
  article('create-user', 'Create a new user', 'Open settings, users, and click add user.', ['add a colleague account']),
  article('databases', 'Supported databases', 'PostgreSQL, SQL Server, MySQL and Oracle are supported.', ['which database engines work']),
];

/** Office things, one article each (`thingArticle`): enough distinct words for the graphs of projections below. */
const things = ['printer', 'invoice', 'scanner', 'payroll', 'calendar', 'firewall', 'backup', 'license', 'webcam', 'keyboard', 'router', 'mailbox', 'projector', 'headset', 'modem', 'tablet', 'monitor', 'badge', 'locker', 'parking', 'canteen', 'shuttle', 'pension', 'holiday'];
/** A title, two questions and a one-chunk body about `thing` (its id `thing` unless given). */
const thingArticle = (thing: string, id = thing) => article(id, `Configure the ${thing}`, `Everything about the ${thing} and its options.`, [`${thing} stopped working`, `reset my ${thing} password`]);

async function sync(indexDir: string, embedder: HashingTestEmbedder, list: Article[] = articles) {
  return KnowledgeIndex.sync({ articles: list, embedder, indexFactory: hnswIndexFactory, indexDir });
}

/** The article whose best passage vector (its stored block, as ranking scores candidates) is nearest the question. */
async function bestByPassages(index: KnowledgeIndex, embedder: HashingTestEmbedder, question: string): Promise<string | undefined> {
  const [vector] = await embedder.embed([question], 'query');
  const best = (articleId: string) => {
    const { vectors } = index.articleBlock(articleId);
    let max = -Infinity;
    for (let row = 0; row < vectors.length / vector!.length; row++) max = Math.max(max, dotAt(vector!, vectors, row * vector!.length));
    return max;
  };
  return [...new Set([...index.labels.values()].map((owner) => owner.articleId))].sort((x, y) => best(y) - best(x))[0];
}

async function topArticle(index: KnowledgeIndex, embedder: HashingTestEmbedder, question: string) {
  const [vector] = await embedder.embed([question], 'query');
  return rankArticles(index.search(vector!, 10))[0]?.articleId;
}

describe('knowledge index persistence', () => {
  it('builds, persists, and reloads without re-embedding anything', async () => {
    const dir = tempDir();
    const first = new HashingTestEmbedder();
    const built = await sync(dir, first);
    expect(built.report.rebuiltBecause).toBe('no index was built yet');
    expect(built.report.embeddedArticles).toHaveLength(3);
    expect(first.embeddedCount).toBe(built.report.passages);

    const second = new HashingTestEmbedder();
    const reloaded = await sync(dir, second);
    expect(second.embeddedCount).toBe(0);
    expect(reloaded.report).toMatchObject({ rebuiltBecause: undefined, embeddedArticles: [], unchangedArticles: 3 });
    expect(await topArticle(reloaded.index, second, 'which database engines are supported')).toBe('databases');
  });

  it("knows an unchanged article by its source's hash, and an edit that leaves its passages alone by theirs", async () => {
    const dir = tempDir();
    const withMarkdown = articles.map((a) => (a.id === 'databases' ? { ...a, body: 'PostgreSQL, SQL Server, MySQL and Oracle are **supported**.' } : a));
    await sync(dir, new HashingTestEmbedder(), withMarkdown);
    const manifestFile = path.join(dir, 'manifest.json');
    const sources = () => Object.fromEntries(Object.entries((JSON.parse(readFileSync(manifestFile, 'utf8')) as { articles: Record<string, { source?: string }> }).articles).map(([key, entry]) => [key, entry.source]));
    const saved = sources();
    expect(Object.values(saved).every((source) => typeof source === 'string')).toBe(true);

    // Emphasis is stripped before chunking: a new source, the same passages. Not re-embedded; the new source is noted.
    const embedder = new HashingTestEmbedder();
    const edited = await sync(dir, embedder);
    expect(edited.report).toMatchObject({ embeddedArticles: [], unchangedArticles: 3 });
    expect(embedder.embeddedCount).toBe(0);
    expect(sources()['en/databases']).not.toBe(saved['en/databases']);
    expect(sources()['en/reset-password']).toBe(saved['en/reset-password']);

    // An index written before entries had a source (or with a wrong one): compared by its passages, then noted.
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { articles: Record<string, { source?: string }> };
    delete manifest.articles['en/reset-password']!.source;
    manifest.articles['en/create-user']!.source = 'not this article';
    writeFileSync(manifestFile, JSON.stringify(manifest));
    const older = new HashingTestEmbedder();
    expect((await sync(dir, older)).report).toMatchObject({ embeddedArticles: [], unchangedArticles: 3 });
    expect(older.embeddedCount).toBe(0);
    expect(sources()).toEqual({ ...saved, 'en/databases': sources()['en/databases'] });

    // A changed source that changes the passages is embedded again.
    const changed = articles.map((a) => (a.id === 'reset-password' ? { ...a, questions: ['I forgot my password', 'locked out'] } : a));
    expect((await sync(dir, new HashingTestEmbedder(), changed)).report.embeddedArticles).toEqual(['en/reset-password']);
  });

  it('re-embeds only the article whose content changed', async () => {
    const dir = tempDir();
    await sync(dir, new HashingTestEmbedder());
    const changed = articles.map((a) => (a.id === 'create-user' ? { ...a, body: 'Go to administration and invite a teammate by email.' } : a));
    const embedder = new HashingTestEmbedder();
    const { index, report } = await sync(dir, embedder, changed);
    expect(report.embeddedArticles).toEqual(['en/create-user']);
    expect(report.unchangedArticles).toBe(2);
    // Only its body chunk: the title and the question did not change, so their vectors were kept.
    expect(embedder.embeddedCount).toBe(1);
    expect(report.keptVectors).toBe(2);
    expect(await topArticle(index, embedder, 'invite a teammate by email')).toBe('create-user');
    expect(await topArticle(index, embedder, 'add a colleague account')).toBe('create-user');
    expect(report.passages).toBe(9);
  });

  it('keeps the vectors of an edited article\'s unchanged passages, also across restarts, and finds it by every one', async () => {
    const dir = tempDir();
    await sync(dir, new HashingTestEmbedder());
    const retitled = articles.map((a) => (a.id === 'databases' ? { ...a, title: 'Which databases can I use?' } : a));
    const embedder = new HashingTestEmbedder();
    const first = await sync(dir, embedder, retitled);
    // The question is kept; the body chunk starts with the title (article.ts), so it changed too.
    expect(first.report).toMatchObject({ embeddedArticles: ['en/databases'], keptVectors: 1, passages: 9 });
    expect(embedder.embeddedCount).toBe(2);
    const fresh = new HashingTestEmbedder();
    const reloaded = await sync(dir, fresh, retitled);
    expect(fresh.embeddedCount).toBe(0);
    // Scored as ranking scores a candidate: its best passage (body chunks are not in the search graph).
    for (const question of ['which databases can I use', 'which database engines work', 'PostgreSQL SQL Server MySQL Oracle supported']) {
      expect(await bestByPassages(reloaded.index, fresh, question)).toBe('databases');
    }
    // A text that moved to another kind of passage is embedded again (kinds can have different roles).
    const moved = retitled.map((a) => (a.id === 'databases' ? { ...a, questions: ['Which databases can I use?'] } : a));
    const third = new HashingTestEmbedder();
    expect((await sync(dir, third, moved)).report).toMatchObject({ keptVectors: 2, embeddedArticles: ['en/databases'] });
    expect(third.embeddedCount).toBe(1);
  });

  it('adds passage hashes to an index written before them, so the next edit keeps vectors too', async () => {
    const dir = tempDir();
    await sync(dir, new HashingTestEmbedder());
    const manifestFile = path.join(dir, 'manifest.json');
    type Stored = { articles: Record<string, { passages: { text?: string }[] }> };
    const old = JSON.parse(readFileSync(manifestFile, 'utf8')) as Stored;
    for (const entry of Object.values(old.articles)) for (const passage of entry.passages) delete passage.text;
    writeFileSync(manifestFile, JSON.stringify(old));

    const upgrade = new HashingTestEmbedder();
    expect((await sync(dir, upgrade)).report).toMatchObject({ embeddedArticles: [], rebuiltBecause: undefined });
    expect(upgrade.embeddedCount).toBe(0);
    const upgraded = JSON.parse(readFileSync(manifestFile, 'utf8')) as Stored;
    expect(Object.values(upgraded.articles).flatMap((e) => e.passages.map((p) => p.text))).toEqual(expect.arrayContaining([expect.stringMatching(/^[\w+/]{22}$/)]));
    expect(Object.values(upgraded.articles).every((e) => e.passages.every((p) => typeof p.text === 'string'))).toBe(true);

    const edited = new HashingTestEmbedder();
    const changed = articles.map((a) => (a.id === 'reset-password' ? { ...a, body: 'Use the link in the email we send you.' } : a));
    expect((await sync(dir, edited, changed)).report.keptVectors).toBe(2);
    expect(edited.embeddedCount).toBe(1);
  });

  it('drops removed articles from search results', async () => {
    const dir = tempDir();
    await sync(dir, new HashingTestEmbedder());
    const embedder = new HashingTestEmbedder();
    const { index, report } = await sync(dir, embedder, articles.filter((a) => a.id !== 'databases'));
    expect(report.removedArticles).toEqual(['en/databases']);
    const [vector] = await embedder.embed(['Supported databases'], 'query');
    expect(index.search(vector!, 10).map((h) => h.articleId)).not.toContain('databases');
  });

  it('rebuilds everything when the embedding model id changes', async () => {
    const dir = tempDir();
    await sync(dir, new HashingTestEmbedder(256, 'test/model-a'));
    const other = new HashingTestEmbedder(256, 'test/model-b');
    const { report } = await sync(dir, other);
    expect(report.rebuiltBecause).toBe('embedding model changed from test/model-a to test/model-b');
    expect(report.embeddedArticles).toHaveLength(3);
    expect(other.embeddedCount).toBe(report.passages);
  });

  it('rebuilds everything when the model file, a prefix or a passage role changes, and not otherwise', async () => {
    const dir = tempDir();
    const e5 = { file: 'onnx/model.onnx', queryPrefix: 'query: ', passagePrefix: 'passage: ' };
    await sync(dir, new HashingTestEmbedder(256, 'test/model-a', e5));
    expect((await sync(dir, new HashingTestEmbedder(256, 'test/model-a', e5))).report.rebuiltBecause).toBeUndefined();
    const quantized = await sync(dir, new HashingTestEmbedder(256, 'test/model-a', { ...e5, file: 'onnx/model_quantized.onnx' }));
    expect(quantized.report.rebuiltBecause).toBe('embedding settings changed: model file onnx/model.onnx → onnx/model_quantized.onnx');
    expect(quantized.report.embeddedArticles).toHaveLength(3);
    const noPrefix = await sync(dir, new HashingTestEmbedder(256, 'test/model-a', { file: 'onnx/model_quantized.onnx', queryPrefix: '', passagePrefix: 'passage: ' }));
    expect(noPrefix.report.rebuiltBecause).toBe('embedding settings changed: query prefix "query: " → ""');
    const roles = { title: 'passage', question: 'query', body: 'passage' } as const;
    const titleAsPassage = await sync(dir, new HashingTestEmbedder(256, 'test/model-a', { file: 'onnx/model_quantized.onnx', queryPrefix: '', passagePrefix: 'passage: ', passageRoles: roles }));
    expect(titleAsPassage.report.rebuiltBecause).toBe('embedding settings changed: title passages embedded as query → passage');
  });

  it('embeds each kind of passage with the role the embedder asks for', async () => {
    const embedder = new HashingTestEmbedder(256, 'test/model-a', { passageRoles: { title: 'query', question: 'query', body: 'passage' } });
    const { report } = await sync(tempDir(), embedder);
    expect(embedder.embeddedByRole).toEqual({ query: 6, passage: report.passages - 6 });
  });

  it('rebuilds when the dimension changes or the saved files are unreadable, and keeps one vector file', async () => {
    const dir = tempDir();
    await sync(dir, new HashingTestEmbedder(256));
    expect((await sync(dir, new HashingTestEmbedder(128))).report.rebuiltBecause).toBe('dimension changed from 256 to 128');
    const vectorFiles = readdirSync(dir).filter((f) => f.endsWith('.hnsw'));
    expect(vectorFiles).toHaveLength(1);
    expect(readdirSync(dir).filter((f) => f.endsWith('.f32'))).toEqual([`${vectorFiles[0]}.f32`]);
    writeFileSync(path.join(dir, 'manifest.json'), '{not json');
    expect((await sync(dir, new HashingTestEmbedder(128))).report.rebuiltBecause).toBe('the index manifest is not valid JSON');
    expect(existsSync(path.join(dir, 'manifest.json'))).toBe(true);
  });
});

describe('knowledge index: which body chunks get vectors', () => {
  // Two paragraphs of ~60 words: two body chunks (chunkBody splits above 90 words).
  const paragraph = (word: string) => Array.from({ length: 60 }, (_, i) => (i % 10 === 0 ? word : `filler${i}`)).join(' ');
  const long = article('long-guide', 'Configure the archive', `${paragraph('zanzibar')}\n\n${paragraph('quokka')}`, ['how to set up archiving']);
  const list = [...articles, long];

  it('with "none" keeps bodies in the keyword index only, and changing the choice rebuilds', async () => {
    const dir = tempDir();
    const embedder = new HashingTestEmbedder();
    const { index, report } = await KnowledgeIndex.sync({ articles: list, embedder, indexFactory: hnswIndexFactory, indexDir: dir, bodyVectors: 'none' });
    expect(embedder.embeddedByRole.passage).toBe(0); // the stand-in embeds bodies as `passage`, titles and questions as `query`
    expect(report.passages).toBe(8); // 4 titles + 4 questions
    const bodies = [...index.labels].filter(([, owner]) => owner.kind === 'body').map(([label]) => label);
    expect(bodies).toHaveLength(5);
    for (const label of bodies) expect(index.passageVector(label)).toBeUndefined();
    const [vector] = await embedder.embed(['quokka'], 'query');
    expect(index.search(vector!, 20).every((hit) => hit.kind !== 'body')).toBe(true);
    expect(index.lexical.search('quokka', 5)[0]?.articleId).toBe('long-guide');

    const first = await KnowledgeIndex.sync({ articles: list, embedder: new HashingTestEmbedder(), indexFactory: hnswIndexFactory, indexDir: dir, bodyVectors: 'first' });
    expect(first.report.rebuiltBecause).toBe('body vectors changed from none to first');
    const longBodies = first.index.articleLabels('long-guide').filter((label) => first.index.labels.get(label)!.kind === 'body');
    expect(longBodies.map((label) => first.index.passageVector(label) !== undefined)).toEqual([true, false]);
    expect(first.report.passages).toBe(12); // and one body chunk per article
  });

  it('retrains the article classifier when a title or question changed, not when only a body did', async () => {
    const dir = tempDir();
    await sync(dir, new HashingTestEmbedder());
    const bodyOnly = articles.map((a) => (a.id === 'databases' ? { ...a, body: 'PostgreSQL and SQL Server are supported; MySQL is not.' } : a));
    const afterBody = await sync(dir, new HashingTestEmbedder(), bodyOnly);
    expect(afterBody.report).toMatchObject({ embeddedArticles: ['en/databases'], classifierTrained: false });
    const newQuestion = bodyOnly.map((a) => (a.id === 'databases' ? { ...a, questions: [...a.questions, 'is mysql supported'] } : a));
    const afterQuestion = await sync(dir, new HashingTestEmbedder(), newQuestion);
    expect(afterQuestion.report).toMatchObject({ embeddedArticles: ['en/databases'], classifierTrained: true });
  });

  it('updates in place under "none": a changed or removed article loses only its own passages', async () => {
    const dir = tempDir();
    const options = { embedder: new HashingTestEmbedder(), indexFactory: hnswIndexFactory, indexDir: dir, bodyVectors: 'none' as const };
    await KnowledgeIndex.sync({ ...options, articles: list });
    const changed = list.filter((a) => a.id !== 'databases').map((a) => (a.id === 'long-guide' ? { ...a, body: `${paragraph('wombat')}\n\n${paragraph('quokka')}` } : a));
    const { index, report } = await KnowledgeIndex.sync({ ...options, articles: changed });
    expect(report).toMatchObject({ rebuiltBecause: undefined, embeddedArticles: ['en/long-guide'], removedArticles: ['en/databases'], passages: 6 });
    expect(index.lexical.search('wombat', 5)[0]?.articleId).toBe('long-guide');
    expect(index.lexical.search('zanzibar', 5)).toEqual([]);
    const reloaded = await KnowledgeIndex.sync({ ...options, articles: changed });
    expect(reloaded.report).toMatchObject({ rebuiltBecause: undefined, embeddedArticles: [], passages: 6 });
  });
  it('retrains the classifier after a question changed from the saved sums, with the same probabilities as a full training', async () => {
    // e5's prefixes: the classifier's query vectors live in the file beside the index, so the changed question's old vector is there.
    const e5Like = () => new HashingTestEmbedder(64, 'test/e5-like', { queryPrefix: 'query: ', passagePrefix: 'passage: ', passageRoles: { title: 'passage', question: 'passage', body: 'passage' } });
    const many = Array.from({ length: 12 }, (_, n) => article(`topic-${n}`, `Topic ${n} settings page ${n % 3}`, `Body of topic ${n}.`, [`how to change topic ${n}`, `topic ${n} broken again`]));
    const dir = tempDir();
    await sync(dir, e5Like(), many);
    const changed = many.map((a, n) => (n === 4 ? { ...a, questions: ['where is the topic four switch', 'topic 4 broken again'] } : a));
    const updated = await sync(dir, e5Like(), changed);
    expect(updated.report.classifierTrained).toBe(true);
    const fresh = await sync(tempDir(), e5Like(), changed);
    const [question] = await e5Like().embed(['query: where is the switch for topic four'], 'query');
    const a = updated.index.classifier.predict(question!);
    const b = fresh.index.classifier.predict(question!);
    expect(a.size).toBe(12);
    // Rounding only (XᵀX formed from raw sums), amplified by this tiny set's weak ridge (36 examples, 64 dimensions): ~5e-9.
    for (const [label, p] of b) expect(Math.abs(a.get(label)! - p)).toBeLessThan(1e-7);
    const files = readdirSync(dir).filter((f) => f.startsWith('classifier-'));
    expect(files).toHaveLength(1);
  });
});

describe('knowledge index: the vector search graph holds titles and questions; body chunks are stored beside it', () => {
  // Two paragraphs of ~60 words: two body chunks (chunkBody splits above 90 words).
  const paragraph = (word: string) => Array.from({ length: 60 }, (_, i) => (i % 10 === 0 ? word : `filler${i}`)).join(' ');
  const list = [...articles, article('long-guide', 'Configure the archive', `${paragraph('zanzibar')}\n\n${paragraph('quokka')}`, ['how to set up archiving'])];

  /** Every vector searchable, the manifest without `graph`: an index as saved before body chunks left the graph. */
  const everythingSearchable: VectorIndexFactory = {
    create: (dimension) => {
      const index = hnswIndexFactory.create(dimension);
      const add = index.add.bind(index);
      index.add = (label, vector) => add(label, vector, true);
      return index;
    },
    load: (file, dimension) => hnswIndexFactory.load(file, dimension),
  };
  function saveAsBefore(dir: string): void {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    delete manifest.graph;
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  }

  const bodiesOf = (index: KnowledgeIndex) => [...index.labels].filter(([, owner]) => owner.kind === 'body').map(([label]) => label);
  /** Kinds `search` returns when asked for every passage, for a query per body word. */
  async function kindsFound(index: KnowledgeIndex, embedder: HashingTestEmbedder): Promise<Set<string>> {
    const vectors = await embedder.embed(['zanzibar', 'quokka', 'click add user'], 'query');
    return new Set(vectors.flatMap((vector) => index.search(vector, 100).map((hit) => hit.kind)));
  }
  /** Every passage's stored vector, by label. */
  const storedVectors = (index: KnowledgeIndex) => new Map([...index.labels.keys()].map((label) => [label, index.passageVector(label)]));
  /** The same vectors but for the last bit (hnswlib normalises a vector again when it is copied into a new graph). */
  function expectCopied(copied: Map<number, Float32Array | undefined>, original: Map<number, Float32Array | undefined>): void {
    expect([...copied.keys()]).toEqual([...original.keys()]);
    for (const [label, vector] of original) {
      const copy = copied.get(label)!;
      expect(copy, `label ${label}`).toHaveLength(vector!.length);
      expect(Math.max(...vector!.map((x, i) => Math.abs(x - copy[i]!))), `label ${label}`).toBeLessThan(1e-7);
    }
  }

  it('searches titles and questions only, and scores body chunks from their stored vectors, also after a reload', async () => {
    const dir = tempDir();
    const embedder = new HashingTestEmbedder();
    const { index, report } = await sync(dir, embedder, list);
    expect(report.passages).toBe(13); // 4 titles + 4 questions + 5 body chunks
    expect(await kindsFound(index, embedder)).toEqual(new Set(['title', 'question']));
    expect(bodiesOf(index)).toHaveLength(5);
    const [zanzibar] = await embedder.embed(['zanzibar'], 'passage');
    const block = index.articleBlock('long-guide');
    expect(block.owners.map((owner) => owner.kind)).toEqual(['title', 'question', 'body', 'body']);

    const reloaded = await sync(dir, new HashingTestEmbedder(), list);
    expect(reloaded.report).toMatchObject({ rebuiltBecause: undefined, embeddedArticles: [], graphRebuilt: false });
    expect(await kindsFound(reloaded.index, embedder)).toEqual(new Set(['title', 'question']));
    expect(storedVectors(reloaded.index)).toEqual(storedVectors(index));
    expect(reloaded.index.articleBlock('long-guide').vectors).toEqual(block.vectors);
    expect(zanzibar).toBeDefined();
  });

  it('keeps the stored vector of an unchanged body chunk when another chunk of the article changes, across a restart', async () => {
    const dir = tempDir();
    await sync(dir, new HashingTestEmbedder(), list);
    const edited = list.map((a) => (a.id === 'long-guide' ? { ...a, body: `${paragraph('zanzibar')}\n\n${paragraph('wombat')}` } : a));
    const embedder = new HashingTestEmbedder();
    const updated = await sync(dir, embedder, edited);
    expect(updated.report).toMatchObject({ embeddedArticles: ['en/long-guide'], keptVectors: 3 }); // title, question, first chunk
    expect(embedder.embeddedCount).toBe(1);
    const restarted = await sync(dir, new HashingTestEmbedder(), edited);
    expect(restarted.report).toMatchObject({ rebuiltBecause: undefined, embeddedArticles: [] });
    const fresh = await sync(tempDir(), new HashingTestEmbedder(), edited);
    const byText = (index: KnowledgeIndex) => index.articleBlock('long-guide').vectors;
    expect(byText(restarted.index)).toEqual(byText(fresh.index));
    expect(await kindsFound(restarted.index, new HashingTestEmbedder())).toEqual(new Set(['title', 'question']));
  });

  it('rebuilds the graph of an index saved with body chunks in it once, from its stored vectors, without the model', async () => {
    const dir = tempDir();
    const before = await KnowledgeIndex.sync({ articles: list, embedder: new HashingTestEmbedder(), indexFactory: everythingSearchable, indexDir: dir });
    saveAsBefore(dir);
    expect(await kindsFound(before.index, new HashingTestEmbedder())).toContain('body');
    const embedder = new HashingTestEmbedder();
    const graphBytes = statSizeOf(dir, '.hnsw');

    const moved = await sync(dir, embedder, list);
    expect(moved.report).toMatchObject({ rebuiltBecause: undefined, embeddedArticles: [], graphRebuilt: true, classifierTrained: false });
    expect(embedder.embeddedCount).toBe(0);
    expect(await kindsFound(moved.index, embedder)).toEqual(new Set(['title', 'question']));
    expectCopied(storedVectors(moved.index), storedVectors(before.index));
    expect(statSizeOf(dir, '.hnsw')).toBeLessThan(graphBytes);
    expect(readdirSync(dir).filter((f) => f.startsWith('vectors-'))).toHaveLength(2); // one generation: graph and stored vectors

    const again = await sync(dir, embedder, list);
    expect(again.report).toMatchObject({ rebuiltBecause: undefined, embeddedArticles: [], graphRebuilt: false });
    expect(storedVectors(again.index)).toEqual(storedVectors(moved.index));
  });

  it('rebuilds such a graph as projections at once when the knowledge base is past the setting, not twice', async () => {
    const dir = tempDir();
    const before = await KnowledgeIndex.sync({ articles: list, embedder: new HashingTestEmbedder(), indexFactory: everythingSearchable, indexDir: dir });
    saveAsBefore(dir);
    let switches = 0;
    const counting = (index: VectorIndex): VectorIndex => {
      const useProjection = index.useProjection.bind(index);
      index.useProjection = (projection) => {
        switches++;
        return useProjection(projection);
      };
      return index;
    };
    const indexFactory: VectorIndexFactory = {
      create: (dimension, projection) => counting(hnswIndexFactory.create(dimension, projection)),
      load: async (file, dimension) => counting(await hnswIndexFactory.load(file, dimension)),
    };
    const embedder = new HashingTestEmbedder();
    // 8 titles and questions: a projection onto 8 dimensions holds them exactly.
    const moved = await KnowledgeIndex.sync({ articles: list, embedder, indexFactory, indexDir: dir, searchProjection: { from: 5, dimension: 8 } });
    expect(moved.report).toMatchObject({ rebuiltBecause: undefined, embeddedArticles: [], graphRebuilt: true });
    expect(embedder.embeddedCount).toBe(0);
    expect(switches).toBe(0);
    expect(moved.index.vectorProjection?.dimension).toBe(8);
    expect(readdirSync(dir).filter((f) => f.startsWith('vectors-')).sort()).toEqual(['vectors-2.hnsw', 'vectors-2.hnsw.f32', 'vectors-2.hnsw.projection']);
    expectCopied(storedVectors(moved.index), storedVectors(before.index));
    expect(await kindsFound(moved.index, embedder)).toEqual(new Set(['title', 'question']));
  });

  it('rebuilds the graph of such an index saved before the stored-vector file existed, from the graph', async () => {
    const dir = tempDir();
    const before = await KnowledgeIndex.sync({ articles: list, embedder: new HashingTestEmbedder(), indexFactory: everythingSearchable, indexDir: dir });
    saveAsBefore(dir);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.f32'))) rmSync(path.join(dir, file));
    const embedder = new HashingTestEmbedder();
    const moved = await sync(dir, embedder, list);
    expect(moved.report).toMatchObject({ rebuiltBecause: undefined, graphRebuilt: true });
    expect(embedder.embeddedCount).toBe(0);
    expectCopied(storedVectors(moved.index), storedVectors(before.index));
    expect(readdirSync(dir).filter((f) => f.endsWith('.f32'))).toHaveLength(1);
  });

  it('embeds again when the stored vectors are missing or cut short (the graph has no copy of body chunks)', async () => {
    for (const damage of ['remove', 'cut'] as const) {
      const dir = tempDir();
      const built = storedVectors((await sync(dir, new HashingTestEmbedder(), list)).index);
      const stored = readdirSync(dir).find((f) => f.endsWith('.f32'))!;
      if (damage === 'remove') rmSync(path.join(dir, stored));
      else writeFileSync(path.join(dir, stored), readFileSync(path.join(dir, stored)).subarray(0, 128 * 4 * 10));
      const embedder = new HashingTestEmbedder();
      const again = await sync(dir, embedder, list);
      expect(again.report.rebuiltBecause, damage).toBe(`the stored vectors of body chunks are missing or damaged (${stored})`);
      expect(embedder.embeddedCount).toBe(13);
      expect(storedVectors(again.index)).toEqual(built);
    }
  });
});

describe('knowledge index: a graph of projections once the knowledge base is large', () => {
  const many = things.slice(0, 12).map((thing) => thingArticle(thing));
  // 40 dimensions hold the span of the 36 stand-in vectors it is fitted on: exact for them, approximate for later ones.
  const small = { from: 30, dimension: 40 };
  const syncWith = (dir: string, embedder: HashingTestEmbedder, list: Article[], searchProjection = small) =>
    KnowledgeIndex.sync({ articles: list, embedder, indexFactory: hnswIndexFactory, indexDir: dir, searchProjection });
  const questions = ['the scanner stopped', 'configure webcam', 'mailbox password reset', 'options of the router'];
  const ranked = async (index: KnowledgeIndex) => {
    const embedder = new HashingTestEmbedder();
    return Promise.all(questions.map(async (q) => (await embedder.embed([q], 'query')).map((v) => index.search(v, 6).map((hit) => hit.articleId))[0]));
  };

  it('switches when the searchable vectors reach the setting, saves the projection, and reloads it without the model', async () => {
    const dir = tempDir();
    const first = await syncWith(dir, new HashingTestEmbedder(), many.slice(0, 9)); // 27 titles and questions
    expect(first.report.graphRebuilt).toBe(false);
    expect(readdirSync(dir).some((f) => f.endsWith('.projection'))).toBe(false);

    const grown = await syncWith(dir, new HashingTestEmbedder(), many); // 36
    expect(grown.report).toMatchObject({ rebuiltBecause: undefined, embeddedArticles: ['en/keyboard', 'en/router', 'en/mailbox'], graphRebuilt: true });
    expect(readdirSync(dir).filter((f) => f.startsWith('vectors-')).sort()).toEqual(['vectors-2.hnsw', 'vectors-2.hnsw.f32', 'vectors-2.hnsw.projection']);

    const embedder = new HashingTestEmbedder();
    const reloaded = await syncWith(dir, embedder, many);
    expect(reloaded.report).toMatchObject({ rebuiltBecause: undefined, embeddedArticles: [], graphRebuilt: false });
    expect(embedder.embeddedCount).toBe(0);
    expect(reloaded.index.search((await embedder.embed(['x'], 'query'))[0]!, 100).every((hit) => hit.kind !== 'body')).toBe(true);
    // The stored vectors are the full ones: what a fresh index of full vectors holds.
    const full = await syncWith(tempDir(), new HashingTestEmbedder(), many, { from: 1000, dimension: 40 });
    for (const label of full.index.labels.keys()) expect(reloaded.index.passageVector(label)).toEqual(full.index.passageVector(label));
    // Hits are scored on the full vectors: the best one is the full graph's.
    const [got, expected] = [await ranked(reloaded.index), await ranked(full.index)];
    expect(got.map((ids) => ids![0])).toEqual(expected.map((ids) => ids![0]));
  });

  it('builds a large index from scratch with a graph of projections, updates it in place, and rebuilds it when its stored vectors are gone', async () => {
    const dir = tempDir();
    const built = await syncWith(dir, new HashingTestEmbedder(), many);
    expect(built.report).toMatchObject({ rebuiltBecause: 'no index was built yet', graphRebuilt: true });
    const edited = many.map((a) => (a.id === 'scanner' ? { ...a, questions: ['paper jam in the document feeder'] } : a));
    const updated = await syncWith(dir, new HashingTestEmbedder(), edited);
    expect(updated.report).toMatchObject({ rebuiltBecause: undefined, embeddedArticles: ['en/scanner'], graphRebuilt: false });
    const [vector] = await new HashingTestEmbedder().embed(['paper jam in the feeder'], 'query');
    expect(updated.index.search(vector!, 3)[0]).toMatchObject({ articleId: 'scanner', kind: 'question' });

    const stored = readdirSync(dir).find((f) => f.endsWith('.f32'))!;
    rmSync(path.join(dir, stored));
    const embedder = new HashingTestEmbedder();
    const again = await syncWith(dir, embedder, edited);
    expect(again.report.rebuiltBecause).toMatch(/^the vector file could not be read \(the stored vectors of a projected graph are missing or damaged/);
    expect(embedder.embeddedCount).toBeGreaterThan(0);
  });
});

describe('knowledge index: labels given out by edits are renumbered once they far outnumber the passages', () => {
  const syncSlack = (dir: string, embedder: HashingTestEmbedder, list: Article[], extra: { searchProjection?: { from: number; dimension: number } } = {}) =>
    KnowledgeIndex.sync({ articles: list, embedder, indexFactory: hnswIndexFactory, indexDir: dir, labelSlack: 0, ...extra });
  const manifestOf = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { nextLabel: number };
  /** The reset-password article with its question rewritten for the n-th time. */
  const edit = (n: number) => articles.map((a) => (a.id === 'reset-password' ? { ...a, questions: [`I forgot my password, take ${n}`] } : a));

  it('renumbers the labels from 0 without the model, shrinks the stored-vector file, and answers as before', async () => {
    const dir = tempDir();
    await syncSlack(dir, new HashingTestEmbedder(), articles); // 9 passages, labels 0–8
    const dimension = new HashingTestEmbedder().dimension;
    let compacted: { from: number; to: number } | undefined;
    let before = 0;
    let edits = 0;
    while (compacted === undefined && edits < 10) {
      edits++;
      before = statSizeOf(dir, '.f32');
      const embedder = new HashingTestEmbedder();
      const { report } = await syncSlack(dir, embedder, edit(edits));
      // Every sync embeds the rewritten question only (the article's other passages keep their vectors), the renumbering sync too.
      expect(embedder.embeddedCount).toBe(1);
      compacted = report.labelsCompacted;
      if (compacted !== undefined) expect(report).toMatchObject({ rebuiltBecause: undefined, graphRebuilt: true, embeddedArticles: ['en/reset-password'] });
    }
    // 9 + 3 per edit > 2 × 9 at the fourth edit: the fifth sync renumbers.
    expect(edits).toBe(5);
    expect(compacted).toEqual({ from: 21, to: 9 });
    expect(before).toBe(21 * dimension * 4);
    // The renumbered 9 passages, then the edited article's 3 new ones.
    expect(manifestOf(dir).nextLabel).toBe(12);
    expect(statSizeOf(dir, '.f32')).toBe(12 * dimension * 4);

    const embedder = new HashingTestEmbedder();
    const reloaded = await syncSlack(dir, embedder, edit(edits));
    expect(reloaded.report).toMatchObject({ rebuiltBecause: undefined, embeddedArticles: [], graphRebuilt: false });
    expect(reloaded.report.labelsCompacted).toBeUndefined();
    expect(embedder.embeddedCount).toBe(0);
    expect([...reloaded.index.labels.keys()].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 9, 10, 11]);
    // Same answers, same stored vectors as an index built from scratch on the same articles.
    const fresh = await sync(tempDir(), new HashingTestEmbedder(), edit(edits));
    for (const question of ['which database engines work', 'add a colleague account', `I forgot my password, take ${edits}`]) {
      expect(await topArticle(reloaded.index, embedder, question)).toBe(await topArticle(fresh.index, embedder, question));
    }
    // (up to the last bit: hnswlib normalises a vector again when it is copied into a new graph)
    for (const id of ['reset-password', 'create-user', 'databases']) {
      const [got, expected] = [reloaded.index.articleBlock(id).vectors, fresh.index.articleBlock(id).vectors];
      expect(got).toHaveLength(expected.length);
      expect(Math.max(...got.map((x, i) => Math.abs(x - expected[i]!))), id).toBeLessThan(1e-7);
    }
  });

  it('renumbers during a hot reload too: the keyword index is built again under the new labels, not revised', async () => {
    const dir = tempDir();
    let current = await syncSlack(dir, new HashingTestEmbedder(), articles);
    let list = articles;
    let compacted: { from: number; to: number } | undefined;
    for (let n = 1; compacted === undefined && n <= 10; n++) {
      const next = edit(n);
      const reloaded = await KnowledgeIndex.sync({ articles: next, embedder: new HashingTestEmbedder(), indexFactory: hnswIndexFactory, indexDir: dir, labelSlack: 0, previous: { index: current.index, articles: list } });
      compacted = reloaded.report.labelsCompacted;
      expect(reloaded.report.keywords).toBe(compacted === undefined ? 'revised' : 'built');
      [current, list] = [reloaded, next];
    }
    expect(compacted).toBeDefined();
    // Keyword hits carry the new labels, and each label is the passage it names.
    const hits = current.index.lexical.search('database engines', 5);
    expect(hits[0]?.articleId).toBe('databases');
    for (const hit of hits) expect(current.index.labels.get(hit.id)?.articleId).toBe(hit.articleId);
    expect(Math.max(...current.index.labels.keys())).toBeLessThan(12);
  });

  it('fits the projection of a graph of projections again when it renumbers', async () => {
    const many = things.slice(0, 12).map((thing) => thingArticle(thing));
    const searchProjection = { from: 30, dimension: 40 };
    const dir = tempDir();
    await syncSlack(dir, new HashingTestEmbedder(), many, { searchProjection }); // 48 passages, 36 searchable: projected
    const projection = () => readFileSync(path.join(dir, readdirSync(dir).find((f) => f.endsWith('.projection'))!));
    const fitted = projection();
    // Replacing every article's question keeps the graph's projection (fitted once) until the labels are renumbered.
    let n = 0;
    let report: Awaited<ReturnType<typeof syncSlack>>['report'] | undefined;
    do {
      n++;
      const changed = many.map((a) => ({ ...a, questions: [`${a.id} question ${n}`, ...a.questions.slice(1)] }));
      ({ report } = await syncSlack(dir, new HashingTestEmbedder(), changed, { searchProjection }));
      if (report.labelsCompacted === undefined) expect(projection()).toEqual(fitted);
    } while (report.labelsCompacted === undefined && n < 5);
    expect(report.labelsCompacted).toEqual({ from: 144, to: 48 });
    expect(projection()).not.toEqual(fitted);
    const embedder = new HashingTestEmbedder();
    const reloaded = await syncSlack(dir, embedder, many.map((a) => ({ ...a, questions: [`${a.id} question ${n}`, ...a.questions.slice(1)] })), { searchProjection });
    expect(embedder.embeddedCount).toBe(0);
    const [vector] = await embedder.embed([`webcam question ${n}`], 'query');
    expect(reloaded.index.search(vector!, 3)[0]).toMatchObject({ articleId: 'webcam', kind: 'question' });
  });
});

describe('knowledge index: a graph of projections is fitted again as the knowledge base grows', () => {
  const topic = (i: number) => thingArticle(things[i]!, `topic-${i}`);
  const topics = (n: number) => Array.from({ length: n }, (_, i) => topic(i));
  const searchProjection = { from: 30, dimension: 40 };
  const syncTopics = (dir: string, n: number, embedder = new HashingTestEmbedder()) =>
    KnowledgeIndex.sync({ articles: topics(n), embedder, indexFactory: hnswIndexFactory, indexDir: dir, searchProjection });
  const projectionIn = (dir: string) => readFileSync(path.join(dir, readdirSync(dir).find((f) => f.endsWith('.projection'))!));
  const fittedOn = (dir: string) => (JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { projection?: { fittedOn: number } }).projection?.fittedOn;

  it('once its titles and questions are twice those of the last fit, at the next sync, without the model', async () => {
    const dir = tempDir();
    await syncTopics(dir, 12); // 36 titles and questions: a graph of projections
    expect(fittedOn(dir)).toBe(36);
    const first = projectionIn(dir);
    // 69, then 72 titles and questions saved: the projection of 36 is kept by the syncs that add them.
    for (const n of [23, 24]) {
      const { report } = await syncTopics(dir, n);
      expect(report.projectionRefitted).toBeUndefined();
      expect(projectionIn(dir)).toEqual(first);
    }
    // The next sync finds 72 = 2 × 36 saved: fitted again on them, the graph rebuilt from the stored vectors.
    const embedder = new HashingTestEmbedder();
    const refitted = await syncTopics(dir, 24, embedder);
    expect(refitted.report).toMatchObject({ rebuiltBecause: undefined, embeddedArticles: [], graphRebuilt: true, projectionRefitted: { from: 36, to: 72 } });
    expect(embedder.embeddedCount).toBe(0);
    expect(fittedOn(dir)).toBe(72);
    expect(projectionIn(dir)).not.toEqual(first);
    const [vector] = await embedder.embed(['the monitor stopped working'], 'query');
    expect(refitted.index.search(vector!, 3)[0]).toMatchObject({ articleId: 'topic-16', kind: 'question' });
    // And not again until 144.
    const again = await syncTopics(dir, 24);
    expect(again.report).toMatchObject({ graphRebuilt: false });
    expect(again.report.projectionRefitted).toBeUndefined();
  });

  it('notes the count for an index saved before it was noted, and fits again from there', async () => {
    const dir = tempDir();
    await syncTopics(dir, 12);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    delete manifest.projection;
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    await syncTopics(dir, 24); // saved with the count found at load (36)
    expect(fittedOn(dir)).toBe(36);
    expect((await syncTopics(dir, 24)).report.projectionRefitted).toEqual({ from: 36, to: 72 });
  });
});

/** Bytes of the one file in `dir` ending in `suffix`. */
function statSizeOf(dir: string, suffix: string): number {
  const files = readdirSync(dir).filter((f) => f.endsWith(suffix));
  expect(files).toHaveLength(1);
  return readFileSync(path.join(dir, files[0]!)).length;
}
