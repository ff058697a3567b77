import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openHandoffStores } from '../src/handoff/handoff-stores.js';
import { PersonalDataRegistry } from '../src/privacy/personal-data.js';
import { sampleTicket } from './fixtures/sample-tickets.js';
import { useStoreBackends, type OpenedStores } from './support/store-backends.js';

const t0 = new Date('2025-03-03T09:00:00.000Z');

// Erasure and retention over every store, on the embedded SQLite file and on PostgreSQL.
describe.each(useStoreBackends())('erasure and retention on $name', (backend) => {
  let opened: OpenedStores;
  beforeEach(async () => {
    opened = await backend.open();
  });
  afterEach(async () => {
    await opened.close();
  });

  it("erases one customer's data from every store and leaves another customer's alone", async () => {
    const s = opened.stores;
    for (const [user, conversation] of [
      ['user-anna', 'conv-anna'],
      ['user-bob', 'conv-bob'],
    ] as const) {
      await s.directLine.createConversation({ id: conversation, userId: user, locale: 'en-US', createdAt: t0.toISOString() });
      await s.directLine.append(conversation, { type: 'message', text: `hi from ${user}` });
      await s.customerConversations.record('directline', conversation, user, t0.toISOString());
      await s.transcripts.append('directline', conversation, { from: 'customer', text: `my email is ${user}@example.com`, at: t0.toISOString() });
      await s.feedback.record({ conversationId: conversation, channelId: 'directline', articleId: `article-${user}`, question: 'q', helpful: false });
      await s.botState.write({ [`directline/users/${user}/profile`]: { profile: { email: `${user}@example.com` } } });
      await s.botState.write({ [`directline/conversations/${conversation}/state`]: { step: 1 } });
      const ticket = await s.tickets.create(
        sampleTicket({ customer: { userId: user, name: user, email: `${user}@example.com` }, channel: { channelId: 'directline', conversationId: conversation } }),
        t0,
      );
      await s.webhookOutbox.enqueue(
        [{ deliveryId: `d-${user}`, eventId: `e-${user}`, eventName: 'ticket.created', ticketReference: ticket.reference, url: 'http://127.0.0.1:9/', body: '{}' }],
        t0,
        100,
      );
    }

    const report = await new PersonalDataRegistry(s.personalData).eraseCustomer('user-anna', 'erased-1');
    expect(report.touched).toMatchObject({ tickets: 1, transcript: 1, feedback: 1, webhook_outbox: 1, directline_conversations: 1, bot_state: 2 });

    expect(await s.directLine.conversation('conv-anna')).toBeUndefined();
    expect(await s.transcripts.read('directline', 'conv-anna')).toEqual([]);
    expect((await s.feedback.summary()).map((f) => f.articleId)).toEqual(['article-user-bob']);
    expect(await s.botState.read(['directline/users/user-anna/profile', 'directline/conversations/conv-anna/state'])).toEqual({});
    const anna = await s.tickets.get('TD-1001');
    expect(anna).toMatchObject({ subject: '[erased]', customer: { userId: 'erased-1' } });
    expect(JSON.stringify(anna)).not.toContain('user-anna');
    expect((await s.webhookOutbox.list()).map((d) => d.deliveryId)).toEqual(['d-user-bob']);

    // Bob is untouched.
    expect(await s.directLine.conversation('conv-bob')).toBeDefined();
    expect(await s.transcripts.read('directline', 'conv-bob')).toHaveLength(1);
    expect((await s.tickets.get('TD-1002'))?.customer.userId).toBe('user-bob');
  });

  it("erases the customer's \"none of these\" questions and article drafts: open ones deleted, published ones anonymised", async () => {
    const s = opened.stores;
    const draft = (id: string, user: string, reference: string, state: 'open' | 'published') => ({
      id,
      handoffId: `h-${id}`,
      ticketReference: reference,
      language: 'en',
      state,
      articleId: 'export-audit-log',
      title: `How does ${user} export the audit log?`,
      questions: [`How does ${user} export the audit log?`],
      body: `Answer for ${user}`,
      createdAt: t0.toISOString(),
      updatedAt: t0.toISOString(),
      ...(state === 'published' ? { resultArticleId: 'export-audit-log' } : {}),
    });
    for (const [user, conversation, n] of [
      ['user-anna', 'conv-anna', 1],
      ['user-bob', 'conv-bob', 2],
    ] as const) {
      await s.customerConversations.record('directline', conversation, user, t0.toISOString());
      await s.unmatchedQuestions.record({ conversationId: conversation, channelId: 'directline', question: `${user} asks about zebra exports`, offered: ['a'] });
      const ticket = await s.tickets.create(
        sampleTicket({ customer: { userId: user, name: user, email: `${user}@example.com` }, channel: { channelId: 'directline', conversationId: conversation } }),
        t0,
      );
      await s.articleDrafts.create(draft(`d-open-${n}`, user, ticket.reference, 'open'));
      await s.articleDrafts.create(draft(`d-pub-${n}`, user, ticket.reference, 'published'));
    }

    // A live chat in her conversation under another channel id (ticket not hers by user id): its
    // draft is found through the handoff of her conversation.
    const chat = await openHandoffStores(s).handoffs.create(
      {
        ticketReference: 'TD-9999',
        tier: 'L1',
        question: 'q',
        language: 'en',
        channelId: 'directline',
        conversationId: 'conv-anna',
        customer: { userId: 'teams-alias-of-anna' },
        conversationReference: {},
        classification: { tier: 'L1', source: 'customer', score: 1, margin: 1, scores: {} },
        articlesTried: [],
      },
      t0,
    );
    await s.articleDrafts.create({ ...draft('d-chat', 'user-anna', 'TD-9999', 'open'), handoffId: chat.id });

    const report = await new PersonalDataRegistry(s.personalData).eraseCustomer('user-anna', 'erased-2');
    expect(report.touched).toMatchObject({ unmatched_questions: 1, article_drafts: 3, handoffs: 1 });
    expect(await s.articleDrafts.get('d-chat')).toBeUndefined();

    expect((await s.unmatchedQuestions.list('2000-01-01T00:00:00.000Z')).map((q) => q.conversationId)).toEqual(['conv-bob']);
    expect(await s.articleDrafts.get('d-open-1')).toBeUndefined();
    const kept = await s.articleDrafts.get('d-pub-1');
    expect(kept).toMatchObject({ state: 'published', resultArticleId: 'export-audit-log', title: '[erased]', questions: [], body: '' });
    expect(JSON.stringify(kept)).not.toContain('anna');
    expect(JSON.stringify(kept)).not.toContain('TD-1001');
    expect((await s.articleDrafts.list()).map((d) => d.id).sort()).toEqual(['d-open-2', 'd-pub-1', 'd-pub-2']);
    expect((await s.articleDrafts.get('d-open-2'))?.title).toContain('user-bob');

    // Idempotent: nothing of hers is found a second time.
    const again = await new PersonalDataRegistry(s.personalData).eraseCustomer('user-anna', 'erased-3');
    expect(again.touched).toMatchObject({ unmatched_questions: 0, article_drafts: 0 });
  });

  it('retention counts in a dry run and then deletes what is older than the cutoff', async () => {
    const s = opened.stores;
    await s.transcripts.append('webchat', 'old', { from: 'customer', text: 'old', at: '2020-01-01T00:00:00.000Z' });
    await s.transcripts.append('webchat', 'new', { from: 'customer', text: 'new', at: new Date().toISOString() });
    await s.unmatchedQuestions.record({ conversationId: 'new', channelId: 'webchat', question: 'a recent question', offered: [] });
    const old = { handoffId: 'h-old', ticketReference: 'TD-1', language: 'en', state: 'open' as const, articleId: 'a', title: 'old draft', questions: [], body: 'b' };
    await s.articleDrafts.create({ ...old, id: 'd-old', createdAt: '2020-01-01T00:00:00.000Z', updatedAt: '2020-01-01T00:00:00.000Z' });
    await s.articleDrafts.create({ ...old, id: 'd-new', handoffId: 'h-new', createdAt: new Date().toISOString(), updatedAt: new Date().toISOString() });
    const registry = new PersonalDataRegistry(s.personalData);
    const dry = await registry.purge(30, new Date(), true);
    expect(dry.deleted).toMatchObject({ transcript: 1, article_drafts: 1, unmatched_questions: 0 });
    expect(await s.transcripts.read('webchat', 'old')).toHaveLength(1);
    const done = await registry.purge(30, new Date(), false);
    expect(done.deleted).toMatchObject({ transcript: 1, article_drafts: 1 });
    expect((await s.articleDrafts.list()).map((d) => d.id)).toEqual(['d-new']);
    expect(await s.unmatchedQuestions.list('2000-01-01T00:00:00.000Z')).toHaveLength(1);
    expect(await s.transcripts.read('webchat', 'old')).toEqual([]);
    expect(await s.transcripts.read('webchat', 'new')).toHaveLength(1);
  });
});
