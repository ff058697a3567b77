import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useStoreBackends, type OpenedStores } from './support/store-backends.js';

// Answer cards sent by agents (supervisor view "most sent articles"), on the embedded SQLite file and on PostgreSQL.
describe.each(useStoreBackends())('article-send store on $name', (backend) => {
  let opened: OpenedStores;
  beforeEach(async () => {
    opened = await backend.open();
  });
  afterEach(async () => {
    await opened.close();
  });

  it('counts sends since a time across instances, most first, ties by id, with the latest language, up to a limit', async () => {
    const { articleSends } = opened.stores;
    const other = await opened.another();
    await articleSends.record({ articleId: 'old-one', language: 'en', agentId: 'ana', sentAt: '2026-10-01T10:00:00.000Z' });
    await articleSends.record({ articleId: 'reset-password', language: 'en', agentId: 'ana', sentAt: '2026-11-20T10:00:00.000Z' });
    await other.articleSends.record({ articleId: 'reset-password', language: 'pt', agentId: 'bo', sentAt: '2026-11-21T10:00:00.000Z' });
    await articleSends.record({ articleId: 'reset-password', language: 'pl', agentId: 'ana', sentAt: '2026-11-22T10:00:00.000Z' });
    await articleSends.record({ articleId: 'export-documents', language: 'en', agentId: 'ana', sentAt: '2026-11-23T10:00:00.000Z' });
    await other.articleSends.record({ articleId: 'change-interface-language', language: 'en', agentId: 'bo', sentAt: '2026-11-24T10:00:00.000Z' });

    const since = '2026-11-01T00:00:00.000Z';
    expect(await articleSends.top(since, 10)).toEqual([
      { articleId: 'reset-password', language: 'pl', count: 3 },
      { articleId: 'change-interface-language', language: 'en', count: 1 },
      { articleId: 'export-documents', language: 'en', count: 1 },
    ]);
    expect(await other.articleSends.top(since, 2)).toEqual((await articleSends.top(since, 10)).slice(0, 2));
    expect((await articleSends.top('2026-01-01T00:00:00.000Z', 10)).map((c) => c.articleId)).toContain('old-one');
    expect(await articleSends.top('2999-01-01T00:00:00.000Z', 10)).toEqual([]);
  });

  it('keeps the counts after a restart', async () => {
    await opened.stores.articleSends.record({ articleId: 'reset-password', language: 'en', agentId: 'ana', sentAt: '2026-11-20T10:00:00.000Z' });
    opened = await opened.reopen();
    expect(await opened.stores.articleSends.top('2026-11-01T00:00:00.000Z', 10)).toEqual([{ articleId: 'reset-password', language: 'en', count: 1 }]);
  });
});
