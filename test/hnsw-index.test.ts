import { readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dot } from '../src/search/embedder.js';
import { hnswIndexFactory } from '../src/search/hnsw-index.js';
import { Projection } from '../src/search/projection.js';
import type { VectorIndex } from '../src/search/vector-index.js';
import { tempDir } from './support/test-app.js';

const D = 16;

/** A unit vector that differs per label (so a vector read from the wrong slot is caught). */
function unit(label: number): Float32Array {
  const v = Float32Array.from({ length: D }, (_, i) => Math.sin(label * 7.3 + i * 1.1) + (i === label % D ? 2 : 0));
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

function filled(labels: readonly number[]): VectorIndex {
  const index = hnswIndexFactory.create(D);
  for (const label of labels) index.add(label, unit(label));
  return index;
}

/** What every label reads as, from a fresh index built without any file (the graph's own vectors). */
function expected(labels: readonly number[], removed: readonly number[] = []): Map<number, Float32Array | undefined> {
  const reference = filled(labels);
  return new Map(labels.map((label) => [label, removed.includes(label) ? undefined : reference.vector(label)]));
}

/** Runs of consecutive labels across removed, added and unknown ones, and labels alone. */
const PROBES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 298, 299, 300, 301, -1, 1.5, 1199, 1200, 1201, 42, 17, 18];

/** Each label reads as `want` says, one at a time and in runs (`vectors`: one read per run of consecutive labels). */
function readsAs(index: VectorIndex, want: Map<number, Float32Array | undefined>): void {
  for (const [label, vector] of want) expect(index.vector(label), `label ${label}`).toEqual(vector);
  const labels = [...want.keys()];
  expect(index.vectors(labels)).toEqual(labels.map((label) => want.get(label)));
  expect(index.vectors(PROBES)).toEqual(PROBES.map((label) => want.get(label)));
}

describe('HNSW index: stored vectors read back after a reload (vectors-N.hnsw.f32 beside the graph)', () => {
  const labels = Array.from({ length: 300 }, (_, i) => i);

  it('reads every vector as the graph holds it, and nothing for removed or unknown labels', async () => {
    const dir = tempDir();
    const index = filled(labels);
    index.remove(7);
    await index.save(path.join(dir, 'vectors-1.hnsw'));
    expect(statSync(path.join(dir, 'vectors-1.hnsw.f32')).size).toBe(300 * D * 4);

    const loaded = await hnswIndexFactory.load(path.join(dir, 'vectors-1.hnsw'), D);
    readsAs(loaded, expected(labels, [7]));
    expect(loaded.vector(300)).toBeUndefined();
    expect(loaded.vector(-1)).toBeUndefined();
    expect(loaded.vector(1.5)).toBeUndefined();
    expect(loaded.search(unit(42), 1)[0]?.label).toBe(42);
  });

  it('follows additions and removals before and after the next save, and deletes both files of an old generation', async () => {
    const dir = tempDir();
    await filled(labels).save(path.join(dir, 'vectors-1.hnsw'));
    const loaded = await hnswIndexFactory.load(path.join(dir, 'vectors-1.hnsw'), D);
    loaded.remove(3);
    loaded.remove(299);
    loaded.add(300, unit(300));
    loaded.add(1200, unit(1200));
    const want = expected([...labels, 300, 1200], [3, 299]);
    readsAs(loaded, want);

    await loaded.save(path.join(dir, 'vectors-2.hnsw'));
    readsAs(loaded, want);
    loaded.deleteSaved(path.join(dir, 'vectors-1.hnsw'));
    expect(readdirSync(dir).sort()).toEqual(['vectors-2.hnsw', 'vectors-2.hnsw.f32']);
    expect(statSync(path.join(dir, 'vectors-2.hnsw.f32')).size).toBe(1201 * D * 4);
    readsAs(await hnswIndexFactory.load(path.join(dir, 'vectors-2.hnsw'), D), want);
  });

  it('reads from the graph when the file beside it is missing, cut short or from another save', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'vectors-1.hnsw');
    await filled(labels).save(file);
    const want = expected(labels);

    rmSync(`${file}.f32`);
    readsAs(await hnswIndexFactory.load(file, D), want);

    writeFileSync(`${file}.f32`, new Uint8Array(100 * D * 4));
    readsAs(await hnswIndexFactory.load(file, D), want);

    // Same size, other vectors: a file that does not belong to this graph.
    writeFileSync(`${file}.f32`, new Float32Array(300 * D).map((_, i) => unit(Math.floor(i / D) + 1000)[i % D]!));
    readsAs(await hnswIndexFactory.load(file, D), want);
  });

  it('reads from the graph when the file is cut short after the load', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'vectors-1.hnsw');
    await filled(labels).save(file);
    const loaded = await hnswIndexFactory.load(file, D);
    truncateSync(`${file}.f32`, 150 * D * 4 + 10);
    readsAs(loaded, expected(labels));
  });

  it('gives an index saved without the file its file once, and never one for a graph changed since the load', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'vectors-1.hnsw');
    await filled(labels).save(file);
    rmSync(`${file}.f32`);
    const loaded = await hnswIndexFactory.load(file, D);
    expect(await loaded.completeSaved(file)).toBe(true);
    expect(statSync(`${file}.f32`).size).toBe(300 * D * 4);
    expect(await loaded.completeSaved(file)).toBe(false);
    readsAs(await hnswIndexFactory.load(file, D), expected(labels));

    rmSync(`${file}.f32`);
    const changed = await hnswIndexFactory.load(file, D);
    changed.remove(5);
    expect(await changed.completeSaved(file)).toBe(false);
    expect(readdirSync(dir)).toEqual(['vectors-1.hnsw']);
  });

  it('saves a complete file when the previous one was removed meanwhile (another process sharing the folder)', async () => {
    const dir = tempDir();
    await filled(labels).save(path.join(dir, 'vectors-1.hnsw'));
    const loaded = await hnswIndexFactory.load(path.join(dir, 'vectors-1.hnsw'), D);
    loaded.deleteSaved(path.join(dir, 'vectors-1.hnsw'));
    loaded.add(300, unit(300));
    loaded.remove(0);
    await loaded.save(path.join(dir, 'vectors-2.hnsw'));
    const want = expected([...labels, 300], [0]);
    readsAs(loaded, want);
    readsAs(await hnswIndexFactory.load(path.join(dir, 'vectors-2.hnsw'), D), want);
  });
});

describe('HNSW index: vectors stored but not searchable (body chunks)', () => {
  // Even labels searchable; odd ones and the highest stored only (the file must cover those too).
  const searchable = Array.from({ length: 200 }, (_, i) => 2 * i);
  const storedOnly = [...Array.from({ length: 100 }, (_, i) => 2 * i + 1), 5000];
  const isSearchable = (label: number) => label % 2 === 0 && label < 400;

  function mixed(): VectorIndex {
    const index = filled(searchable);
    for (const label of storedOnly) index.add(label, unit(label), false);
    return index;
  }

  /** What each label reads as: the vector as the graph would hold it (one normalisation, the same bits). */
  const want = (removed: readonly number[] = []) => {
    const reference = filled([...searchable, ...storedOnly]);
    return new Map([...searchable, ...storedOnly, 7000].map((label) => [label, removed.includes(label) || label === 7000 ? undefined : reference.vector(label)]));
  };

  /** Labels `search` returns for each stored-only vector as the query, asking for every point. */
  const found = (index: VectorIndex) => new Set(storedOnly.flatMap((label) => index.search(unit(label), 400).map((hit) => hit.label)));

  it('reads them back with the same bits as searchable ones, never finds them, and does not count them', async () => {
    const index = mixed();
    readsAs(index, want());
    expect(index.size).toBe(200);
    expect([...found(index)].every(isSearchable)).toBe(true);
    expect(found(index).size).toBe(200);
  });

  it('keeps them through a save and a reload (the file beside the graph is their only copy), and follows removals', async () => {
    const dir = tempDir();
    const index = mixed();
    index.remove(3);
    await index.save(path.join(dir, 'vectors-1.hnsw'));
    expect(statSync(path.join(dir, 'vectors-1.hnsw')).size).toBeLessThan(statSync(path.join(dir, 'vectors-1.hnsw.f32')).size);
    expect(statSync(path.join(dir, 'vectors-1.hnsw.f32')).size).toBe(5001 * D * 4);
    readsAs(index, want([3]));

    const loaded = await hnswIndexFactory.load(path.join(dir, 'vectors-1.hnsw'), D);
    readsAs(loaded, want([3]));
    expect(loaded.size).toBe(200);
    expect([...found(loaded)].every(isSearchable)).toBe(true);

    // Removed after the load: gone at once and in the next save; one added meanwhile is kept.
    loaded.remove(51);
    loaded.remove(5000);
    loaded.add(6000, unit(6000), false);
    const after = new Map([...want([3, 51, 5000]), [6000, filled([6000]).vector(6000)]]);
    readsAs(loaded, after);
    await loaded.save(path.join(dir, 'vectors-2.hnsw'));
    readsAs(loaded, after);
    readsAs(await hnswIndexFactory.load(path.join(dir, 'vectors-2.hnsw'), D), after);
  });

  it('keeps them when the previous file was removed meanwhile (another process sharing the folder): read through the open file', async () => {
    const dir = tempDir();
    await mixed().save(path.join(dir, 'vectors-1.hnsw'));
    const loaded = await hnswIndexFactory.load(path.join(dir, 'vectors-1.hnsw'), D);
    loaded.deleteSaved(path.join(dir, 'vectors-1.hnsw'));
    loaded.remove(7);
    loaded.add(6001, unit(6001), false);
    await loaded.save(path.join(dir, 'vectors-2.hnsw'));
    const after = new Map([...want([7]), [6001, filled([6001]).vector(6001)]]);
    readsAs(loaded, after);
    readsAs(await hnswIndexFactory.load(path.join(dir, 'vectors-2.hnsw'), D), after);
  });

  it('has nothing for them when the file beside the graph is missing (the graph alone has the searchable ones)', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'vectors-1.hnsw');
    await mixed().save(file);
    rmSync(`${file}.f32`);
    const loaded = await hnswIndexFactory.load(file, D);
    expect(loaded.vector(1)).toBeUndefined();
    expect(loaded.vector(5000)).toBeUndefined();
    expect(loaded.vector(10)).toEqual(want().get(10));
  });
});

describe('HNSW index: a graph of projections (large knowledge bases), full vectors stored beside it', () => {
  const searchable = Array.from({ length: 200 }, (_, i) => 2 * i);
  const storedOnly = Array.from({ length: 100 }, (_, i) => 2 * i + 1);
  const projection = Projection.fit(searchable.map(unit), D, 6);

  function projected(): VectorIndex {
    const index = hnswIndexFactory.create(D, projection);
    for (const label of searchable) index.add(label, unit(label));
    for (const label of storedOnly) index.add(label, unit(label), false);
    return index;
  }
  const want = (removed: readonly number[] = []) => {
    const reference = filled([...searchable, ...storedOnly]);
    return new Map([...searchable, ...storedOnly].map((label) => [label, removed.includes(label) ? undefined : reference.vector(label)]));
  };
  /** Exact scores of searchable labels against a query, best first. */
  const exact = (index: VectorIndex, query: Float32Array, labels: readonly number[]) =>
    labels.map((label) => ({ label, score: dot(query, index.vector(label)!) })).sort((a, b) => b.score - a.score || a.label - b.label);

  it('reads full vectors back, finds searchable ones only, and scores hits on the full vectors', async () => {
    const index = projected();
    readsAs(index, want());
    expect(index.projection).toBe(projection);
    for (const label of [0, 42, 398]) {
      const query = unit(label);
      const hits = index.search(query, 10);
      expect(hits.every((hit) => hit.label % 2 === 0)).toBe(true);
      expect(hits.map((hit) => hit.score)).toEqual(hits.map((hit) => dot(query, index.vector(hit.label)!)));
      expect(hits.map((hit) => hit.score)).toEqual([...hits.map((hit) => hit.score)].sort((a, b) => b - a));
      expect(hits[0]!.label).toBe(exact(index, query, searchable)[0]!.label);
    }
  });

  it('finds the exact best hit for a search of one as for a search of many: a few hits wanted still get every candidate scored on the full vectors', () => {
    const index = projected();
    // Queries that are in the graph under no label: their nearest searchable vectors are ranked differently by the projections.
    const queries = storedOnly.map(unit);
    const best = queries.map((query) => exact(index, query, searchable)[0]!.label);
    expect(queries.map((query) => index.search(query, 1)[0]?.label)).toEqual(best);
    expect(queries.map((query) => index.search(query, 24)[0]?.label)).toEqual(best);
  });

  it('saves its projection beside the graph and loads it back; without its stored vectors or with a damaged projection it does not load', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'vectors-1.hnsw');
    const index = projected();
    index.remove(4);
    index.remove(5);
    await index.save(file);
    expect(readdirSync(dir).sort()).toEqual(['vectors-1.hnsw', 'vectors-1.hnsw.f32', 'vectors-1.hnsw.projection']);
    const loaded = await hnswIndexFactory.load(file, D);
    readsAs(loaded, want([4, 5]));
    expect(loaded.projection?.toBytes()).toEqual(projection.toBytes());
    expect(loaded.search(unit(4), 5).map((hit) => hit.label)).not.toContain(4);
    expect(loaded.search(unit(6), 10)[0]?.label).toBe(6);

    writeFileSync(`${file}.projection`, new Uint8Array(12));
    await expect(hnswIndexFactory.load(file, D)).rejects.toThrow('not a saved projection');
    writeFileSync(`${file}.projection`, projection.toBytes());
    rmSync(`${file}.f32`);
    await expect(hnswIndexFactory.load(file, D)).rejects.toThrow('stored vectors of a projected graph are missing or damaged');
    loaded.deleteSaved(file);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('switches a graph of full vectors to projections in place, before and after a save, keeping every vector', async () => {
    const dir = tempDir();
    const fresh = filled(searchable);
    for (const label of storedOnly) fresh.add(label, unit(label), false);
    fresh.remove(10);
    await fresh.useProjection(projection);
    readsAs(fresh, want([10]));
    expect(fresh.size).toBe(199);
    expect(fresh.search(unit(12), 10)[0]?.label).toBe(12);
    await expect(fresh.useProjection(projection)).rejects.toThrow('already holds projections');

    await filled(searchable).save(path.join(dir, 'vectors-1.hnsw'));
    const loaded = await hnswIndexFactory.load(path.join(dir, 'vectors-1.hnsw'), D);
    loaded.add(500, unit(500));
    await loaded.useProjection(projection);
    loaded.remove(2);
    const after = new Map([...want().entries()].filter(([label]) => label % 2 === 0 && label !== 2).concat([[2, undefined], [500, filled([500]).vector(500)]]));
    readsAs(loaded, after);
    await loaded.save(path.join(dir, 'vectors-2.hnsw'));
    const reloaded = await hnswIndexFactory.load(path.join(dir, 'vectors-2.hnsw'), D);
    readsAs(reloaded, after);
    expect(reloaded.search(unit(500), 10)[0]?.label).toBe(500);
  });
});
