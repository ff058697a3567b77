import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/storage/database.js';
import { SqliteBotStorage, StaleStateError } from '../src/storage/sqlite-bot-storage.js';
import { tempDir } from './support/test-app.js';

describe('SQLite bot state storage', () => {
  it('keeps dialog state across a restart (a new process opening the same file)', async () => {
    const file = path.join(tempDir(), 'state.db');
    const before = openDatabase(file);
    await new SqliteBotStorage(before).write({ 'test/conversations/c1': { dialogState: { step: 2 }, eTag: '*' } });
    before.close();

    const after = openDatabase(file);
    const items = await new SqliteBotStorage(after).read(['test/conversations/c1', 'missing']);
    expect(items['test/conversations/c1']).toMatchObject({ dialogState: { step: 2 } });
    expect(items['missing']).toBeUndefined();
    after.close();
  });

  it('refuses a write with a stale eTag, so two turns cannot silently overwrite each other', async () => {
    const storage = new SqliteBotStorage(openDatabase(path.join(tempDir(), 'state.db')));
    await storage.write({ k: { n: 1 } });
    const { k } = await storage.read(['k']);
    await storage.write({ k: { ...k, n: 2 } });
    await expect(storage.write({ k: { ...k, n: 3 } })).rejects.toThrow(StaleStateError);
    expect((await storage.read(['k']))['k']).toMatchObject({ n: 2 });
    await storage.delete(['k']);
    expect(await storage.read(['k'])).toEqual({});
  });
});
