import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StaleStateError } from '../src/storage/sqlite-bot-storage.js';
import { useStoreBackends, type OpenedStores } from './support/store-backends.js';

// botbuilder Storage contract, on the embedded SQLite file and on PostgreSQL.
describe.each(useStoreBackends())('bot state storage on $name', (backend) => {
  let opened: OpenedStores;
  beforeEach(async () => {
    opened = await backend.open();
  });
  afterEach(async () => {
    await opened.close();
  });

  it('keeps dialog state across a restart (the database closed and opened again)', async () => {
    await opened.stores.botState.write({ 'test/conversations/c1': { dialogState: { step: 2 }, eTag: '*' } });
    opened = await opened.reopen();
    const items = await opened.stores.botState.read(['test/conversations/c1', 'missing']);
    expect(items['test/conversations/c1']).toMatchObject({ dialogState: { step: 2 } });
    expect(items['missing']).toBeUndefined();
  });

  it('refuses a write with a stale eTag, so two turns cannot silently overwrite each other', async () => {
    const storage = opened.stores.botState;
    await storage.write({ k: { n: 1 } });
    const { k } = await storage.read(['k']);
    await storage.write({ k: { ...k, n: 2 } });
    await expect(storage.write({ k: { ...k, n: 3 } })).rejects.toThrow(StaleStateError);
    expect((await storage.read(['k']))['k']).toMatchObject({ n: 2 });
    await storage.delete(['k']);
    expect(await storage.read(['k'])).toEqual({});
  });

  it('lets exactly one of two instances write from the same read; the other must reload', async () => {
    const a = opened.stores.botState;
    const b = (await opened.another()).botState;
    await a.write({ conv: { step: 1 } });
    const [fromA, fromB] = [(await a.read(['conv']))['conv'], (await b.read(['conv']))['conv']];
    const results = await Promise.allSettled([a.write({ conv: { ...fromA, step: 2, by: 'A' } }), b.write({ conv: { ...fromB, step: 2, by: 'B' } })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused?.reason).toBeInstanceOf(StaleStateError);
    const winner = results[0].status === 'fulfilled' ? 'A' : 'B';
    expect((await b.read(['conv']))['conv']).toMatchObject({ step: 2, by: winner });
  });

  it('writes several keys in one call, and "*" or no eTag always overwrites', async () => {
    const storage = opened.stores.botState;
    await storage.write({ a: { v: 1 }, b: { v: 1 } });
    await storage.write({ a: { v: 2, eTag: '*' }, b: { v: 2 } });
    const items = await storage.read(['a', 'b']);
    expect(items).toMatchObject({ a: { v: 2 }, b: { v: 2 } });
    expect(items['a']?.eTag).toEqual(expect.any(String));
    expect(await storage.read([])).toEqual({});
  });
});
