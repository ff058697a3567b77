import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../src/tickets/webhooks.js';
import type { Tier } from '../src/tickets/ticket.js';
import { addAgent, AGENT_PASSWORD, ConsoleClient } from './support/agent-console-client.js';
import { startTestApp, type RunningApp } from './support/test-app.js';

const API_TOKEN = 'handoff-api-token-0123456789';
const FAKE_ID = 'h_00000000-0000-0000-0000-000000000000';
const WEBHOOK_SECRET = 'handoff-webhook-secret';

/** Receives webhooks, keeping each body's event, handoff id and whether its signature verifies. */
async function webhookReceiver(): Promise<{ url: string; received: { event: string; handoffId?: string; verified: boolean }[]; server: Server }> {
  const received: { event: string; handoffId?: string; verified: boolean }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = JSON.parse(raw.toString('utf8')) as { event: string; handoff?: { id: string } };
      received.push({ event: body.event, ...(body.handoff ? { handoffId: body.handoff.id } : {}), verified: verifySignature(raw, req.headers['x-tierdesk-signature'], WEBHOOK_SECRET) });
      res.writeHead(204);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, server };
}

interface HandoffView {
  id: string;
  state: string;
  tier: string;
  agent?: { id: string; name: string };
}

describe('agent console API and /api/handoffs: auth, CSRF, skills, capacity, exactly-once accept (real HTTP)', () => {
  let running: RunningApp;
  let ana: ConsoleClient; // L3, capacity 1
  let lou: ConsoleClient; // L1
  let bob: ConsoleClient; // L3, capacity 50
  let cy: ConsoleClient; // L3, capacity 50
  let conversation = 0;
  let hooks: Awaited<ReturnType<typeof webhookReceiver>>;

  /** A customer waiting in `tier`'s queue, with its ticket, as the handoff dialog would create it. */
  async function queue(tier: Tier): Promise<string> {
    conversation += 1;
    const channel = { channelId: 'test', conversationId: `c${conversation}`, conversationReference: { channelId: 'test', conversation: { id: `c${conversation}` }, serviceUrl: 'http://127.0.0.1:9' } };
    const ticket = await running.app.tickets.create({ kind: 'handoff', tier, subject: 'help', customer: { userId: `u${conversation}` }, channel });
    const { handoff } = await running.app.handoffs.request({
      ticketReference: ticket.reference,
      tier,
      question: 'help',
      language: 'en',
      channelId: 'test',
      conversationId: channel.conversationId,
      customer: { userId: `u${conversation}` },
      conversationReference: channel.conversationReference,
      classification: { tier, source: 'customer', score: 1, margin: 1, scores: {} },
      articlesTried: [],
    });
    return handoff.id;
  }

  beforeAll(async () => {
    hooks = await webhookReceiver();
    running = await startTestApp({ API_TOKENS: API_TOKEN, AGENT_SIGNIN_ATTEMPTS_PER_MINUTE: '8', WEBHOOK_URLS: hooks.url, WEBHOOK_SECRET });
    const agents = running.app.agents;
    await addAgent(agents, { name: 'Ana', email: 'ana@example.com', tiers: 'L3', capacity: 1 });
    await addAgent(agents, { name: 'Lou', email: 'lou@example.com', tiers: 'L1' });
    await addAgent(agents, { name: 'Bob', email: 'bob@example.com', tiers: 'L3', capacity: 50 });
    await addAgent(agents, { name: 'Cy', email: 'cy@example.com', tiers: 'L1,L3', capacity: 50 });
    ana = await ConsoleClient.signIn(running.baseUrl, 'ana@example.com');
    lou = await ConsoleClient.signIn(running.baseUrl, 'lou@example.com');
    bob = await ConsoleClient.signIn(running.baseUrl, 'bob@example.com');
    cy = await ConsoleClient.signIn(running.baseUrl, 'cy@example.com');
  });
  afterAll(async () => {
    await running.stop();
    await new Promise((resolve) => hooks.server.close(resolve));
  });

  it('sets a secure session cookie and a CSRF token; GET /session returns the agent', async () => {
    expect(ana.cookie).toMatch(/^tierdesk_agent=[\w-]{40,}$/);
    const signIn = await fetch(`${running.baseUrl}/agent/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'lou@example.com', password: AGENT_PASSWORD }) });
    expect(signIn.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    const me = await ana.json<{ agent: Record<string, unknown>; csrfToken: string }>('GET', '/agent/api/session');
    expect(me).toMatchObject({ agent: { name: 'Ana', email: 'ana@example.com', tiers: ['L3'], capacity: 1, status: 'away', admin: false, language: 'en', activeChats: 0 }, csrfToken: ana.csrfToken });
    expect(me.agent).not.toHaveProperty('passwordHash');
  });

  it('refuses every console route without a session (401) and with a forged cookie', async () => {
    const id = await queue('L3');
    const routes: [string, string, unknown?][] = [
      ['GET', '/agent/api/session'],
      ['DELETE', '/agent/api/session'],
      ['PUT', '/agent/api/me', { status: 'online' }],
      ['GET', '/agent/api/handoffs'],
      ['GET', `/agent/api/handoffs/${id}`],
      ['POST', `/agent/api/handoffs/${id}/accept`],
      ['POST', `/agent/api/handoffs/${id}/messages`, { text: 'hi' }],
      ['POST', `/agent/api/handoffs/${id}/notes`, { text: 'hi' }],
      ['POST', `/agent/api/handoffs/${id}/typing`],
      ['POST', `/agent/api/handoffs/${id}/transfer`, { tier: 'L1' }],
      ['POST', `/agent/api/handoffs/${id}/resolve`, {}],
      ['GET', '/agent/api/agents'],
      ['GET', '/agent/api/events'],
    ];
    for (const cookie of ['', 'tierdesk_agent=forged-token-value']) {
      const stranger = new ConsoleClient(running.baseUrl);
      stranger.cookie = cookie;
      for (const [method, path, body] of routes) {
        const response = await stranger.request(method, path, body);
        expect(response.status, `${method} ${path} with cookie "${cookie}"`).toBe(401);
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
      }
    }
    expect((await running.app.handoffs.list({ state: 'queued', limit: 100 })).some((h) => h.id === id)).toBe(true);
  });

  it('refuses state-changing requests without the right X-CSRF-Token (403 csrf)', async () => {
    const id = await queue('L3');
    for (const token of [undefined, 'wrong-token', lou.csrfToken]) {
      for (const [method, path, body] of [
        ['POST', `/agent/api/handoffs/${id}/accept`, undefined],
        ['PUT', '/agent/api/me', { status: 'online' }],
        ['DELETE', '/agent/api/session', undefined],
      ] as const) {
        const response = await fetch(`${running.baseUrl}${path}`, {
          method,
          headers: { cookie: bob.cookie, ...(token === undefined ? {} : { 'x-csrf-token': token }), ...(body ? { 'content-type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
        });
        expect(response.status, `${method} ${path} token=${token}`).toBe(403);
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe('csrf');
      }
    }
    expect((await running.app.handoffs.list({ state: 'queued', limit: 100 })).some((h) => h.id === id)).toBe(true);
  });

  it('an L1-only agent neither sees nor accepts an L3 chat (403), and its inbox holds only L1', async () => {
    const l3 = await queue('L3');
    const l1 = await queue('L1');
    const inbox = await lou.json<{ queued: HandoffView[] }>('GET', '/agent/api/handoffs');
    expect(inbox.queued.map((h) => h.tier)).not.toContain('L3');
    expect(inbox.queued.map((h) => h.id)).toContain(l1);
    for (const [method, path] of [
      ['GET', `/agent/api/handoffs/${l3}`],
      ['POST', `/agent/api/handoffs/${l3}/accept`],
    ]) {
      const response = await lou.request(method!, path!);
      expect(response.status).toBe(403);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    }
    expect((await lou.request('POST', `/agent/api/handoffs/${FAKE_ID}/accept`)).status).toBe(404);
  });

  it('respects capacity: a full agent gets 409 capacity_full', async () => {
    const first = await queue('L3');
    const second = await queue('L3');
    expect((await ana.request('POST', `/agent/api/handoffs/${first}/accept`)).status).toBe(200);
    const full = await ana.request('POST', `/agent/api/handoffs/${second}/accept`);
    expect(full.status).toBe(409);
    expect(((await full.json()) as { error: { code: string } }).error.code).toBe('capacity_full');
    expect((await ana.json<{ agent: { activeChats: number } }>('GET', '/agent/api/session')).agent.activeChats).toBe(1);
  });

  it('two agents accepting the same chat at once: exactly one wins, the other gets 409 taken (50 rounds)', async () => {
    for (let round = 0; round < 50; round++) {
      const id = await queue('L3');
      const responses = await Promise.all([bob.request('POST', `/agent/api/handoffs/${id}/accept`), cy.request('POST', `/agent/api/handoffs/${id}/accept`)]);
      const statuses = responses.map((r) => r.status).sort();
      expect(statuses, `round ${round}`).toEqual([200, 409]);
      const loser = responses.find((r) => r.status === 409)!;
      expect(((await loser.json()) as { error: { code: string } }).error.code).toBe('taken');
      const winner = (await responses.find((r) => r.status === 200)!.json()) as { handoff: HandoffView };
      const stored = await running.app.handoffs.list({ state: 'active', limit: 1000 });
      expect(stored.find((h) => h.id === id)?.agent?.id).toBe(winner.handoff.agent!.id);
      // The winner finishes the chat, so capacity never decides a later round.
      await (winner.handoff.agent!.id === bob.agent.id ? bob : cy).json('POST', `/agent/api/handoffs/${id}/resolve`, {});
    }
  });

  it("refuses another agent's chat (403) for messages, notes, typing, transfer and resolve", async () => {
    const id = await queue('L3');
    await bob.json('POST', `/agent/api/handoffs/${id}/accept`);
    for (const [path, body] of [
      ['messages', { text: 'hi' }],
      ['notes', { text: 'hi' }],
      ['typing', undefined],
      ['transfer', { tier: 'L1' }],
      ['resolve', {}],
    ] as const) {
      const response = await cy.request('POST', `/agent/api/handoffs/${id}/${path}`, body);
      expect(response.status, path).toBe(403);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    }
    // Bob transfers it to the L1 queue: Lou (L1) now sees and may accept it.
    const moved = await bob.json<{ handoff: HandoffView }>('POST', `/agent/api/handoffs/${id}/transfer`, { tier: 'L1' });
    expect(moved.handoff).toMatchObject({ state: 'queued', tier: 'L1' });
    expect((await lou.json<{ queued: HandoffView[] }>('GET', '/agent/api/handoffs')).queued.map((h) => h.id)).toContain(id);
    expect((await lou.json<{ handoff: HandoffView }>('POST', `/agent/api/handoffs/${id}/accept`)).handoff.agent?.name).toBe('Lou');
    const invalid = await lou.request('POST', `/agent/api/handoffs/${id}/transfer`, { tier: 'L9' });
    expect(invalid.status).toBe(400);
  });

  it('/api/handoffs: bearer token required; an external agent lists, accepts (exactly once), messages and resolves', async () => {
    const id = await queue('L3');
    const call = (method: string, path: string, body?: unknown, token: string | null = API_TOKEN) =>
      fetch(`${running.baseUrl}${path}`, {
        method,
        headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    for (const token of [null, 'not-the-token-at-all-000']) {
      for (const [method, path, body] of [
        ['GET', '/api/handoffs'],
        ['GET', `/api/handoffs/${id}`],
        ['POST', `/api/handoffs/${id}/accept`, { agent: { name: 'Joe' } }],
        ['POST', `/api/handoffs/${id}/messages`, { agent: { name: 'Joe' }, text: 'hi' }],
        ['POST', `/api/handoffs/${id}/resolve`, { agent: { name: 'Joe' } }],
      ] as [string, string, unknown?][]) {
        expect((await call(method, path, body, token)).status, `${method} ${path}`).toBe(401);
      }
    }
    const list = (await (await call('GET', '/api/handoffs?state=queued&tier=L3')).json()) as { items: HandoffView[] };
    expect(list.items.map((h) => h.id)).toContain(id);
    expect((await call('GET', '/api/handoffs?state=bogus')).status).toBe(400);
    const accepted = await call('POST', `/api/handoffs/${id}/accept`, { agent: { name: 'Joe (Zendesk)' } });
    expect(accepted.status).toBe(200);
    expect((await call('POST', `/api/handoffs/${id}/accept`, { agent: { name: 'Jane' } })).status).toBe(409);
    expect((await call('POST', `/api/handoffs/${id}/messages`, { agent: { name: 'Jane' }, text: 'not mine' })).status).toBe(403);
    expect((await call('POST', `/api/handoffs/${id}/messages`, { agent: { name: 'Joe (Zendesk)' }, text: 'On it.' })).status).toBe(201);
    const resolved = (await (await call('POST', `/api/handoffs/${id}/resolve`, { agent: { name: 'Joe (Zendesk)' } })).json()) as { handoff: HandoffView };
    expect(resolved.handoff.state).toBe('resolved');
    const detail = (await (await call('GET', `/api/handoffs/${id}`)).json()) as { messages: { from: string; text: string }[] };
    expect(detail.messages.map((m) => `${m.from}: ${m.text}`)).toContain('agent: On it.');

    // Another desk hears about it through signed webhooks.
    await expect
      .poll(() => hooks.received.filter((h) => h.handoffId === id).map((h) => h.event), { timeout: 10_000 })
      .toEqual(['handoff.requested', 'handoff.accepted', 'handoff.resolved']);
    expect(hooks.received.filter((h) => h.handoffId === id).every((h) => h.verified)).toBe(true);
  });

  it('documents /api/handoffs in /api/openapi.json with resolvable schemas', async () => {
    const doc = (await (await fetch(`${running.baseUrl}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } };
    for (const [path, methods] of [
      ['/api/handoffs', ['get']],
      ['/api/handoffs/{id}', ['get']],
      ['/api/handoffs/{id}/accept', ['post']],
      ['/api/handoffs/{id}/messages', ['post']],
      ['/api/handoffs/{id}/resolve', ['post']],
    ] as const) {
      expect(Object.keys(doc.paths[path] ?? {}), path).toEqual([...methods]);
    }
    const refs = JSON.stringify(Object.entries(doc.paths).filter(([p]) => p.startsWith('/api/handoffs'))).match(/#\/components\/schemas\/\w+/g) ?? [];
    expect(refs.length).toBeGreaterThan(5);
    for (const ref of refs) expect(doc.components.schemas, ref).toHaveProperty(ref.split('/').at(-1)!);
  });

  it('signs out (the cookie stops working) and rate-limits sign-in attempts (429 with Retry-After)', async () => {
    const session = await ConsoleClient.signIn(running.baseUrl, 'cy@example.com');
    expect((await session.request('DELETE', '/agent/api/session')).status).toBe(204);
    expect((await session.request('GET', '/agent/api/handoffs')).status).toBe(401);

    const attempt = () => fetch(`${running.baseUrl}/agent/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'ana@example.com', password: 'wrong password!' }) });
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 10 && limited === undefined; i++) {
      const response = await attempt();
      statuses.push(response.status);
      if (response.status === 429) limited = response;
    }
    expect(statuses[0]).toBe(401);
    expect(limited).toBeDefined();
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await limited!.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
  });
});
