import { cpSync, existsSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KnowledgeService } from '../src/knowledge/knowledge-service.js';
import { silentLogger } from '../src/logger.js';
import type { Tier } from '../src/tickets/ticket.js';
import { KnowledgeWatcher } from '../src/workspace/knowledge-watcher.js';
import { PlaybookLibrary } from '../src/workspace/playbook-library.js';
import { addAgent, CapturingChannel, ConsoleClient } from './support/agent-console-client.js';
import { hashingKnowledge } from './support/hashing-knowledge.js';
import { sampleKnowledgeDir, startTestApp, tempDir, type RunningApp } from './support/test-app.js';

const ARTICLE = (id: string, title: string, question: string, body: string) => `---\nid: ${id}\ntitle: ${title}\nlanguage: en\nquestions:\n  - ${question}\n---\n${body}\n`;

/** A knowledge folder with three small articles (fast to index with the stand-in embedder). */
function smallKnowledge(): string {
  const dir = tempDir('tierdesk-hot-');
  cpSync(path.join(sampleKnowledgeDir, 'tiers'), path.join(dir, 'tiers'), { recursive: true });
  for (const id of ['change-password', 'export-audit-log', 'cancel-subscription']) {
    const from = path.join(sampleKnowledgeDir, 'articles', 'en', `${id}.md`);
    if (existsSync(from)) cpSync(from, path.join(dir, 'articles', 'en', `${id}.md`));
  }
  cpSync(path.join(sampleKnowledgeDir, 'articles', 'en', 'change-password.md'), path.join(dir, 'articles', 'en', 'change-password.md'));
  return dir;
}

describe('hot reload of the knowledge base (real files, stand-in embedder)', () => {
  let knowledgeDir: string;
  let dataDir: string;
  let knowledge: KnowledgeService;
  let watcher: KnowledgeWatcher;
  let playbooks: PlaybookLibrary;
  const articlesDir = () => path.join(knowledgeDir, 'articles', 'en');
  const search = () => {
    const status = knowledge.status;
    if (status.state !== 'ready') throw new Error(`knowledge ${status.state}`);
    return status.search;
  };

  beforeAll(async () => {
    knowledgeDir = smallKnowledge();
    dataDir = tempDir();
    knowledge = hashingKnowledge(knowledgeDir, dataDir, { retry: { initialMs: 0, maxMs: 0 } });
    expect((await knowledge.ready).state).toBe('ready');
    playbooks = new PlaybookLibrary(path.join(knowledgeDir, 'playbooks'), silentLogger);
    // A long debounce: these tests call flush() themselves, so nothing depends on timing.
    watcher = new KnowledgeWatcher({ dir: knowledgeDir, debounceMs: 60_000, reloadArticles: () => knowledge.reloadArticles(), reloadPlaybooks: () => playbooks.reload(), logger: silentLogger });
    watcher.start();
  });
  afterAll(async () => {
    await watcher.stop();
    await knowledge.stop();
    rmSync(knowledgeDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('picks up a new article, a changed one and a deleted one without a restart', async () => {
    writeFileSync(path.join(articlesDir(), 'scanner-offline.md'), ARTICLE('scanner-offline', 'The scanner shows offline', 'scanner says offline', 'Restart the scanner agent from the tray icon.'));
    watcher.changed('articles/en/scanner-offline.md');
    await watcher.flush();
    expect(search().article('scanner-offline')?.title).toBe('The scanner shows offline');
    expect((await search().answer('The scanner shows offline', 'en')).ranked[0]?.articleId).toBe('scanner-offline');

    writeFileSync(path.join(articlesDir(), 'scanner-offline.md'), ARTICLE('scanner-offline', 'Scanner appears as offline', 'scanner says offline', 'Reconnect the scanner to the network.'));
    watcher.changed('articles/en/scanner-offline.md');
    await watcher.flush();
    expect(search().article('scanner-offline')?.title).toBe('Scanner appears as offline');
    expect(search().article('scanner-offline')?.body).toContain('Reconnect the scanner');

    unlinkSync(path.join(articlesDir(), 'scanner-offline.md'));
    watcher.changed('articles/en/scanner-offline.md');
    await watcher.flush();
    expect(search().article('scanner-offline')).toBeUndefined();
    expect((await search().answer('The scanner shows offline', 'en')).ranked.some((r) => r.articleId === 'scanner-offline')).toBe(false);
  });

  it('never serves a half-written file: the previous version stays until the file is whole again', async () => {
    const file = path.join(articlesDir(), 'change-password.md');
    const whole = readFileSync(file, 'utf8');
    const before = search().article('change-password')!;
    // An editor's save caught halfway: front matter cut off in the middle.
    writeFileSync(file, whole.slice(0, whole.indexOf('questions:')));
    watcher.changed('articles/en/change-password.md');
    await watcher.flush();
    expect(search().article('change-password')).toEqual(before);
    expect(knowledge.status.state === 'ready' && knowledge.status.problems.map((p) => p.file)).toEqual([path.join('en', 'change-password.md')]);

    // A brand-new file caught halfway is not served at all.
    writeFileSync(path.join(articlesDir(), 'half-new.md'), '---\nid: half-new\ntitle: Half');
    watcher.changed('articles/en/half-new.md');
    await watcher.flush();
    expect(search().article('half-new')).toBeUndefined();

    writeFileSync(file, whole.replace(/^title: .*$/m, 'title: How do I change my password now?'));
    watcher.changed('articles/en/change-password.md');
    await watcher.flush();
    expect(search().article('change-password')?.title).toBe('How do I change my password now?');
    unlinkSync(path.join(articlesDir(), 'half-new.md'));
  });

  it('reloads on its own when a file is saved (fs.watch, debounced)', async () => {
    const auto = new KnowledgeWatcher({ dir: knowledgeDir, debounceMs: 50, reloadArticles: () => knowledge.reloadArticles(), reloadPlaybooks: () => playbooks.reload(), logger: silentLogger });
    auto.start();
    try {
      writeFileSync(path.join(articlesDir(), 'watched-article.md'), ARTICLE('watched-article', 'A watched article', 'is the folder watched', 'Yes, saved files are picked up.'));
      await expect.poll(() => search().article('watched-article')?.title, { timeout: 15_000, interval: 100 }).toBe('A watched article');
    } finally {
      await auto.stop();
    }
  });
});

describe('article drafts from resolved chats: admin review, publish and merge (real HTTP)', () => {
  let running: RunningApp;
  let knowledgeDir: string;
  let channel: CapturingChannel;
  let ana: ConsoleClient; // L3
  let boss: ConsoleClient; // admin
  let conversation = 0;

  async function chatMarkedWorthAnArticle(question: string, customerLines: string[], agentLines: string[]): Promise<string> {
    conversation += 1;
    const conversationId = `dr${conversation}`;
    const reference = { channelId: 'test', conversation: { id: conversationId }, serviceUrl: channel.url, bot: { id: 'bot' }, user: { id: `u${conversation}` } };
    const tier: Tier = 'L3';
    const ticket = await running.app.tickets.create({ kind: 'handoff', tier, subject: question, customer: { userId: `u${conversation}` }, channel: { channelId: 'test', conversationId, conversationReference: reference } });
    const { handoff } = await running.app.handoffs.request({
      ticketReference: ticket.reference, tier, question, language: 'en', channelId: 'test', conversationId,
      customer: { userId: `u${conversation}` }, conversationReference: reference,
      classification: { tier, source: 'customer', score: 1, margin: 1, scores: {} }, articlesTried: [],
    });
    await ana.json('POST', `/agent/api/handoffs/${handoff.id}/accept`);
    const stored = (await running.app.handoffs.findOpen('test', conversationId))!;
    for (const line of customerLines) await running.app.handoffs.customerMessage(stored, line);
    for (const line of agentLines) await ana.json('POST', `/agent/api/handoffs/${handoff.id}/messages`, { text: line });
    await ana.json('POST', `/agent/api/handoffs/${handoff.id}/resolve`, { worthArticle: true });
    return handoff.id;
  }

  async function draftOf(handoffId: string): Promise<{ id: string; articleId: string; title: string; questions: string[]; body: string; state: string }> {
    let found: { id: string; handoffId: string } | undefined;
    await expect
      .poll(async () => {
        const { drafts } = await boss.json<{ drafts: { id: string; handoffId: string }[] }>('GET', '/agent/api/drafts?state=open');
        found = drafts.find((d) => d.handoffId === handoffId);
        return found !== undefined;
      }, { timeout: 10_000 })
      .toBe(true);
    return (await boss.json<{ draft: { id: string; articleId: string; title: string; questions: string[]; body: string; state: string } }>('GET', `/agent/api/drafts/${found!.id}`)).draft;
  }

  beforeAll(async () => {
    knowledgeDir = tempDir('tierdesk-drafts-');
    cpSync(sampleKnowledgeDir, knowledgeDir, { recursive: true });
    channel = new CapturingChannel();
    await channel.start();
    // A wide warning window: an L3 ticket (due in 4 h) is about to breach, an L1 one (24 h) is not.
    running = await startTestApp({ KNOWLEDGE_DIR: knowledgeDir, SUPERVISOR_SLA_WARNING_MINUTES: '600' });
    await addAgent(running.app.agents, { name: 'Ana', email: 'ana@example.com', tiers: 'L3', capacity: 5 });
    await addAgent(running.app.agents, { name: 'Boss', email: 'boss@example.com', tiers: 'L1', admin: true });
    ana = await ConsoleClient.signIn(running.baseUrl, 'ana@example.com');
    boss = await ConsoleClient.signIn(running.baseUrl, 'boss@example.com');
  });
  afterAll(async () => {
    await running.stop();
    await channel.stop();
    rmSync(knowledgeDir, { recursive: true, force: true });
  });

  it('drafts the chat, lets only admins see and publish it, and the bot answers from it at level 0 at once', async () => {
    const handoffId = await chatMarkedWorthAnArticle(
      'How do I rotate the webhook signing secret?',
      ['Can I rotate it without downtime?'],
      ['Go to Administration › Webhooks, click "Rotate secret" and keep both secrets valid for 24 hours.'],
    );
    const draft = await draftOf(handoffId);
    expect(draft).toMatchObject({ articleId: 'rotate-webhook-signing-secret', title: 'How do I rotate the webhook signing secret?', state: 'open' });
    expect(draft.questions).toEqual(['How do I rotate the webhook signing secret?', 'Can I rotate it without downtime?']);
    expect(draft.body).toContain('click "Rotate secret"');

    for (const [method, route, body] of [
      ['GET', '/agent/api/drafts', undefined],
      ['GET', `/agent/api/drafts/${draft.id}`, undefined],
      ['PUT', `/agent/api/drafts/${draft.id}`, { title: 'Mine now' }],
      ['POST', `/agent/api/drafts/${draft.id}/publish`, undefined],
      ['POST', `/agent/api/drafts/${draft.id}/merge`, { articleId: 'change-password' }],
      ['POST', `/agent/api/drafts/${draft.id}/discard`, undefined],
    ] as const) {
      expect((await ana.request(method, route, body)).status, `${method} ${route}`).toBe(403);
    }

    const edited = await boss.json<{ draft: { title: string } }>('PUT', `/agent/api/drafts/${draft.id}`, { title: 'Rotate the webhook signing secret', questions: [...draft.questions, 'change the webhook secret key'] });
    expect(edited.draft.title).toBe('Rotate the webhook signing secret');
    expect((await boss.request('PUT', `/agent/api/drafts/${draft.id}`, { articleId: 'Not Kebab' })).status).toBe(400);

    const published = await boss.json<{ draft: { state: string; resultArticleId: string } }>('POST', `/agent/api/drafts/${draft.id}/publish`);
    expect(published.draft).toMatchObject({ state: 'published', resultArticleId: 'rotate-webhook-signing-secret' });
    const file = readFileSync(path.join(knowledgeDir, 'articles', 'en', 'rotate-webhook-signing-secret.md'), 'utf8');
    expect(file).toMatch(/^---\nid: rotate-webhook-signing-secret\ntitle: Rotate the webhook signing secret\nlanguage: en\n/);
    const status = running.app.knowledge.status;
    if (status.state !== 'ready') throw new Error('knowledge not ready');
    const answer = await status.search.answer('Rotate the webhook signing secret', 'en');
    expect(answer.decision).toMatchObject({ kind: 'answer', article: { articleId: 'rotate-webhook-signing-secret' } });
    expect((await boss.request('POST', `/agent/api/drafts/${draft.id}/publish`)).status).toBe(409);
  });

  it('shows the supervisor view to admins only: queues, agents and today\'s outcomes', async () => {
    expect((await ana.request('GET', '/agent/api/supervisor')).status).toBe(403);
    const stats = await boss.json<{ tiers: { tier: string; queued: number; active: number }[]; agents: { name: string; activeChats: number }[]; today: { resolved: number; worthArticle: number }; openDrafts: number }>('GET', '/agent/api/supervisor');
    expect(stats.tiers.map((t) => t.tier)).toEqual(['L1', 'L2', 'L3', 'L4']);
    expect(stats.agents.map((a) => a.name).sort()).toEqual(['Ana', 'Boss']);
    // The chat of the first test was resolved today and marked worth an article; its draft is published.
    expect(stats.today.resolved).toBeGreaterThanOrEqual(1);
    expect(stats.today.worthArticle).toBe(stats.today.resolved);
    expect(stats.openDrafts).toBe(0);
  });

  it('lists tickets about to breach and the articles agents send most often in the supervisor view', async () => {
    const customer = { userId: 'sv1' };
    const reference = { channelId: 'test', conversation: { id: 'sv1' }, serviceUrl: channel.url, bot: { id: 'bot' }, user: { id: 'sv1' } };
    const channelRef = { channelId: 'test', conversationId: 'sv1', conversationReference: reference };
    const urgent = await running.app.tickets.create({ kind: 'handoff', tier: 'L3', subject: 'Scanner offline for the whole floor', customer, channel: channelRef });
    const relaxed = await running.app.tickets.create({ kind: 'ticket', tier: 'L1', subject: 'Question about invoices', customer, channel: channelRef });
    // An L4 ticket (due in 8 h, inside the window) waiting on a vendor: its SLA clock is paused (SLA_VENDOR_TIME=paused).
    const atVendor = await running.app.tickets.create({ kind: 'ticket', tier: 'L4', subject: 'Firmware bug in the scanner', customer: { userId: 'sv2' }, channel: { channelId: 'test', conversationId: 'sv2' } });
    const beforeVendor = await boss.json<{ slaAtRisk: { reference: string }[] }>('GET', '/agent/api/supervisor');
    expect(beforeVendor.slaAtRisk.map((t) => t.reference)).toContain(atVendor.reference);
    await running.app.vendors.request(atVendor.reference, 'acme-hardware', 'Ana');
    await running.app.vendors.consentMessage((await running.app.vendors.pendingConsent('test', 'sv2'))!, 'status?', 'en');
    expect((await running.app.vendors.consentMessage((await running.app.vendors.pendingConsent('test', 'sv2'))!, 'yes', 'en')).answer).toBe('yes');

    // Ana sends the same article twice as an answer card in a live chat.
    const { handoff } = await running.app.handoffs.request({
      ticketReference: urgent.reference, tier: 'L3', question: 'password change', language: 'en', channelId: 'test', conversationId: 'sv1',
      customer, conversationReference: reference, classification: { tier: 'L3', source: 'customer', score: 1, margin: 1, scores: {} }, articlesTried: [],
    });
    await ana.json('POST', `/agent/api/handoffs/${handoff.id}/accept`);
    for (let i = 0; i < 2; i += 1) expect((await ana.request('POST', `/agent/api/handoffs/${handoff.id}/answer-card`, { articleId: 'change-password' })).status).toBe(201);

    const stats = await boss.json<{ warningMinutes: number; slaAtRisk: { reference: string; tier: string; subject: string; minutesLeft: number }[]; mostSentArticles: { articleId: string; title: string; count: number }[] }>('GET', '/agent/api/supervisor');
    expect(stats.warningMinutes).toBe(600);
    const atRisk = stats.slaAtRisk.find((t) => t.reference === urgent.reference);
    expect(atRisk).toMatchObject({ tier: 'L3', subject: 'Scanner offline for the whole floor' });
    expect(atRisk!.minutesLeft).toBeGreaterThan(200);
    expect(atRisk!.minutesLeft).toBeLessThanOrEqual(240);
    expect(stats.slaAtRisk.map((t) => t.reference)).not.toContain(relaxed.reference);
    expect(stats.slaAtRisk.map((t) => t.reference)).not.toContain(atVendor.reference);
    expect(stats.mostSentArticles[0]).toEqual({ articleId: 'change-password', title: 'How do I change my password while logged in?', language: 'en', count: 2 });
    // An admin whose console is in Portuguese sees the Portuguese title of the same article.
    await boss.json('PUT', '/agent/api/me', { language: 'pt' });
    const inPortuguese = await boss.json<{ mostSentArticles: { articleId: string; title: string; language: string; count: number }[] }>('GET', '/agent/api/supervisor');
    await boss.json('PUT', '/agent/api/me', { language: 'en' });
    expect(inPortuguese.mostSentArticles[0]).toEqual({ articleId: 'change-password', title: 'Como altero minha senha estando logado?', language: 'pt', count: 2 });
  });

  it('merges a draft into an existing article as alternative questions', async () => {
    const handoffId = await chatMarkedWorthAnArticle('my login secret stopped working after the holidays, what now?', [], ['Use "Forgot password" on the sign-in page.']);
    const draft = await draftOf(handoffId);
    const merged = await boss.json<{ draft: { state: string; resultArticleId: string } }>('POST', `/agent/api/drafts/${draft.id}/merge`, { articleId: 'change-password' });
    expect(merged.draft).toMatchObject({ state: 'merged', resultArticleId: 'change-password' });
    const status = running.app.knowledge.status;
    if (status.state !== 'ready') throw new Error('knowledge not ready');
    expect(status.search.article('change-password', 'en')!.questions).toContain('my login secret stopped working after the holidays, what now?');
    expect((await boss.request('POST', `/agent/api/drafts/${draft.id}/merge`, { articleId: 'no-such-article' })).status).toBe(409);
  });
});
