import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ArticleDraft } from '../src/workspace/article-draft.js';
import { useStoreBackends, type OpenedStores } from './support/store-backends.js';

const draft = (id: string, handoffId: string, createdAt: string, changes: Partial<ArticleDraft> = {}): ArticleDraft => ({
  id,
  handoffId,
  ticketReference: 'TD-1001',
  language: 'en',
  state: 'open',
  articleId: 'export-audit-log',
  title: 'How do I export the audit log?',
  questions: ['How do I export the audit log?', 'Can I get the audit log as CSV?'],
  body: 'Open Settings → Audit and choose Export.',
  createdAt,
  updatedAt: createdAt,
  ...changes,
});

// Content-gap ("none of these") and article-draft store contracts, on the embedded SQLite file and on PostgreSQL.
describe.each(useStoreBackends())('unmatched-question and article-draft stores on $name', (backend) => {
  let opened: OpenedStores;
  beforeEach(async () => {
    opened = await backend.open();
  });
  afterEach(async () => {
    await opened.close();
  });

  it('lists "none of these" answers since a time, oldest first, with language and offered articles, across instances', async () => {
    const { unmatchedQuestions } = opened.stores;
    const before = new Date(Date.now() - 1000).toISOString();
    await unmatchedQuestions.record({ conversationId: 'c1', channelId: 'webchat', question: 'excel export?', language: 'en', offered: ['export-documents', 'export-metadata-csv'] });
    await unmatchedQuestions.record({ conversationId: 'c2', channelId: 'msteams', question: 'modo escuro', offered: [] });
    const other = await opened.another();
    await other.unmatchedQuestions.record({ conversationId: 'c3', channelId: 'webchat', question: 'tryb ciemny', language: 'pl', offered: ['change-interface-language'] });

    const listed = await unmatchedQuestions.list(before);
    expect(listed.map(({ createdAt, ...rest }) => rest)).toEqual([
      { conversationId: 'c1', channelId: 'webchat', question: 'excel export?', language: 'en', offered: ['export-documents', 'export-metadata-csv'] },
      { conversationId: 'c2', channelId: 'msteams', question: 'modo escuro', language: undefined, offered: [] },
      { conversationId: 'c3', channelId: 'webchat', question: 'tryb ciemny', language: 'pl', offered: ['change-interface-language'] },
    ]);
    for (const entry of listed) expect(entry.createdAt >= before).toBe(true);
    expect(await other.unmatchedQuestions.list(before)).toEqual(listed);
    expect(await unmatchedQuestions.list('2999-01-01T00:00:00.000Z')).toEqual([]);
  });

  it('keeps one draft per handoff, finds it by id and by handoff, lists by state in creation order and saves edits', async () => {
    const { articleDrafts } = opened.stores;
    const first = draft('d_1', 'h_1', '2026-01-01T10:00:00.000Z');
    await articleDrafts.create(first);
    // A second draft of the same chat (another instance drafting it at the same time) is ignored.
    const other = await opened.another();
    await other.articleDrafts.create(draft('d_dup', 'h_1', '2026-01-01T10:00:01.000Z', { title: 'duplicate' }));
    await other.articleDrafts.create(draft('d_0', 'h_0', '2026-01-01T09:00:00.000Z', { language: 'pt', questions: ['Como exporto?'] }));

    expect(await articleDrafts.get('d_1')).toEqual(first);
    expect(await articleDrafts.get('d_dup')).toBeUndefined();
    expect(await articleDrafts.get('nope')).toBeUndefined();
    expect(await articleDrafts.findByHandoff('h_1')).toEqual(first);
    expect(await articleDrafts.findByHandoff('h_unknown')).toBeUndefined();
    expect((await articleDrafts.list()).map((d) => d.id)).toEqual(['d_0', 'd_1']);

    const published: ArticleDraft = { ...first, state: 'published', title: 'Export the audit log', questions: ['export audit log'], body: 'Settings → Audit → Export.', resultArticleId: 'export-audit-log', updatedAt: '2026-01-02T08:00:00.000Z' };
    await other.articleDrafts.update(published);
    expect(await articleDrafts.get('d_1')).toEqual(published);
    expect((await articleDrafts.list('open')).map((d) => d.id)).toEqual(['d_0']);
    expect(await articleDrafts.list('published')).toEqual([published]);
    expect(await articleDrafts.list('discarded')).toEqual([]);
  });

  it('keeps drafts and unmatched questions after a restart', async () => {
    await opened.stores.articleDrafts.create(draft('d_1', 'h_1', '2026-01-01T10:00:00.000Z'));
    await opened.stores.unmatchedQuestions.record({ conversationId: 'c1', channelId: 'webchat', question: 'q', offered: ['a'] });
    opened = await opened.reopen();
    expect((await opened.stores.articleDrafts.get('d_1'))?.title).toBe('How do I export the audit log?');
    expect((await opened.stores.unmatchedQuestions.list('2000-01-01T00:00:00.000Z')).map((e) => e.offered)).toEqual([['a']]);
  });
});
