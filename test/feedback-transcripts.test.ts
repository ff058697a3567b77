import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useStoreBackends, type OpenedStores } from './support/store-backends.js';

// Transcript and feedback store contracts, on the embedded SQLite file and on PostgreSQL.
describe.each(useStoreBackends())('transcript and feedback stores on $name', (backend) => {
  let opened: OpenedStores;
  beforeEach(async () => {
    opened = await backend.open();
  });
  afterEach(async () => {
    await opened.close();
  });

  it('reads a conversation back oldest first, only its own messages, and the most recent ones when limited', async () => {
    const { transcripts } = opened.stores;
    for (let i = 0; i < 5; i++) {
      await transcripts.append('webchat', 'c1', { from: i % 2 === 0 ? 'customer' : 'bot', text: `m${i}`, at: `2025-03-03T09:00:0${i}.000Z` });
    }
    await transcripts.append('webchat', 'c2', { from: 'customer', text: 'other', at: '2025-03-03T09:00:00.000Z' });
    await transcripts.append('msteams', 'c1', { from: 'agent', text: 'teams', at: '2025-03-03T09:00:00.000Z' });
    expect((await transcripts.read('webchat', 'c1')).map((e) => e.text)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(await transcripts.read('webchat', 'c1', 2)).toEqual([
      { from: 'bot', text: 'm3', at: '2025-03-03T09:00:03.000Z' },
      { from: 'customer', text: 'm4', at: '2025-03-03T09:00:04.000Z' },
    ]);
    expect(await transcripts.read('msteams', 'c1')).toEqual([{ from: 'agent', text: 'teams', at: '2025-03-03T09:00:00.000Z' }]);
    expect(await transcripts.read('webchat', 'nobody')).toEqual([]);
  });

  it('counts helpful and unhelpful answers per article and lists the unhelpful ones since a time', async () => {
    const { feedback } = opened.stores;
    const base = { conversationId: 'c1', channelId: 'webchat' };
    await feedback.record({ ...base, articleId: 'reset-password', question: 'forgot password', helpful: true });
    await feedback.record({ ...base, articleId: 'reset-password', question: 'cannot log in', helpful: false });
    await feedback.record({ ...base, articleId: 'Export-pdf', question: 'pdf export', helpful: true });
    expect(await feedback.summary()).toEqual([
      { articleId: 'Export-pdf', helpful: 1, notHelpful: 0 },
      { articleId: 'reset-password', helpful: 1, notHelpful: 1 },
    ]);
    const unhelpful = await feedback.notHelpful('2000-01-01T00:00:00.000Z');
    expect(unhelpful).toEqual([{ question: 'cannot log in', articleId: 'reset-password', createdAt: expect.any(String) }]);
    expect(await feedback.notHelpful('2999-01-01T00:00:00.000Z')).toEqual([]);
  });
});
