import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en } from '../src/i18n/en.js';
import { verifySignature } from '../src/tickets/webhooks.js';
import { addAgent, ConsoleClient } from './support/agent-console-client.js';
import { DirectLineTestClient } from './support/directline-client.js';
import { startTestApp, tempDir, type RunningApp } from './support/test-app.js';

const API_TOKEN = 'vendor-step-api-token-0123456789';
const WEBHOOK_SECRET = 'vendor-step-webhook-secret';
const DIRECTLINE_SECRET = 'vendor-step-directline-secret-0123456789';

interface Hook {
  event: string;
  reference: string;
  change?: { type: string; vendor?: { state: string }; reply?: { text: string } };
  verified: boolean;
}

describe('vendor step over real HTTP: console and ticket API, Direct Line customer, webhooks', () => {
  let running: RunningApp;
  let hooks: { url: string; received: Hook[]; close(): Promise<void> };
  let dl: DirectLineTestClient;
  const consoles: ConsoleClient[] = [];

  beforeAll(async () => {
    const received: Hook[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const body = JSON.parse(raw.toString('utf8')) as { event: string; ticket: { reference: string }; change?: Hook['change'] };
        received.push({ event: body.event, reference: body.ticket.reference, ...(body.change ? { change: body.change } : {}), verified: verifySignature(raw, req.headers['x-tierdesk-signature'], WEBHOOK_SECRET) });
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    hooks = {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
      received,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
    const dir = tempDir('tierdesk-vendors-http-');
    const vendorsFile = path.join(dir, 'vendors.yaml');
    writeFileSync(vendorsFile, 'vendors:\n  - id: acme\n    name: ACME Hardware\n    email: support@acme.example\n    responseHours: 24\n');
    running = await startTestApp({
      API_TOKENS: API_TOKEN,
      WEBHOOK_URLS: hooks.url,
      WEBHOOK_SECRET,
      DIRECTLINE_SECRET,
      VENDORS_FILE: vendorsFile,
      SLA_VENDOR_TIME: 'paused',
      BUSINESS_HOURS: 'Mon-Sun 00:00-24:00',
      TIME_ZONE: 'UTC',
    });
    dl = new DirectLineTestClient(running.baseUrl);
  });
  afterAll(async () => {
    for (const c of consoles.splice(0)) c.disconnect();
    await running.stop();
    await hooks.close();
  });

  async function agent(email: string, tiers: string): Promise<ConsoleClient> {
    await addAgent(running.app.agents, { name: email.split('@')[0]!.replace(/^./, (c) => c.toUpperCase()), email, tiers });
    const client = await ConsoleClient.signIn(running.baseUrl, email);
    consoles.push(client);
    return client;
  }

  async function directLineCustomer() {
    const generated = await dl.generateToken(DIRECTLINE_SECRET);
    const { conversationId, token } = await dl.start(generated.token);
    const botTexts = async () =>
      (await dl.allPages(conversationId, token)).flatMap((page) => page.activities).filter((a) => a.from.role === 'bot').map((a) => [a.text, ...(a.attachments ?? []).map((c) => c.content.text)].filter(Boolean).join('\n'));
    const waitFor = async (pattern: RegExp | string) => {
      const matches = (t: string) => (typeof pattern === 'string' ? t === pattern : pattern.test(t));
      await expect.poll(async () => (await botTexts()).some(matches), { timeout: 5000 }).toBe(true);
    };
    return { conversationId, token, botTexts, waitFor, say: (text: string) => dl.say(conversationId, token, text) };
  }

  const api = (method: string, url: string, body?: unknown, token: string | null = API_TOKEN) =>
    fetch(`${running.baseUrl}${url}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('L4 live chat: the agent passes the ticket to the vendor, the customer is asked in the chat, says yes; the vendor reply posted to the API reaches their Direct Line conversation and the webhook receiver', async () => {
    const vera = await agent('vera@example.com', 'L4');
    await vera.json('PUT', '/agent/api/me', { status: 'online' });
    await vera.connect();
    const customer = await directLineCustomer();
    await customer.say('I want to speak to someone');
    await expect.poll(async () => (await customer.botTexts()).join('\n'), { timeout: 5000 }).toMatch(/what kind of help|can chat with you live/);
    if (!(await customer.botTexts()).some((t) => /can chat with you live/.test(t))) await customer.say('A problem with third-party hardware or hosting');
    await customer.waitFor(/can chat with you live right now/);
    await customer.say('Chat with a person now');
    await customer.waitFor(/in the queue/);
    const { queued } = await vera.json<{ queued: { id: string; tier: string; ticketReference: string }[] }>('GET', '/agent/api/handoffs');
    const chat = queued.find((h) => h.tier === 'L4')!;
    await vera.json('POST', `/agent/api/handoffs/${chat.id}/accept`);
    await customer.waitFor(/has joined the chat/);
    const reference = chat.ticketReference;

    // The console passes it on; the question reaches the customer in the live chat at once. Nothing is shared yet.
    const requested = await vera.json<{ vendor: { state: string; askedAt?: string; since?: string; requestedBy: string } }>('POST', `/agent/api/tickets/${reference}/vendor`, { vendorId: 'acme' }, [202]);
    expect(requested.vendor).toMatchObject({ state: 'consent_pending', requestedBy: 'Vera' });
    expect(requested.vendor.askedAt).toBeDefined();
    expect(requested.vendor.since).toBeUndefined();
    await customer.waitFor(en.vendorConsentQuestion('ACME Hardware', reference));
    expect((await running.app.tickets.get(reference))!.status).not.toBe('pending');

    // "yes" is the answer (and the agent sees it in the chat); the ticket waits on the vendor with its own clock.
    await customer.say('yes');
    await customer.waitFor(en.vendorConsentGiven('ACME Hardware'));
    await vera.waitForEvent((e) => e.event === 'message' && (e.data as { message: { text: string } }).message.text === 'yes');
    const waiting = await vera.json<{ vendor: { state: string; since: string; expectedBy: string } }>('GET', `/agent/api/tickets/${reference}/vendor`);
    expect(waiting.vendor.state).toBe('waiting');
    expect(new Date(waiting.vendor.expectedBy).getTime() - new Date(waiting.vendor.since).getTime()).toBe(24 * 3_600_000);
    expect((await running.app.tickets.get(reference))!.status).toBe('pending');

    // The vendor's answer comes in through the ticket API (bearer) and reaches the customer's Direct Line conversation.
    const reply = await api('POST', `/api/tickets/${reference}/vendor-reply`, { text: 'Please update the firmware to 2.1.', enteredBy: 'ACME portal' });
    expect(reply.status).toBe(201);
    const replied = (await reply.json()) as { ticket: { status: string; comments: { author: string; text: string }[] }; vendor: { state: string } };
    expect(replied.vendor.state).toBe('replied');
    expect(replied.ticket.status).toBe('open');
    expect(replied.ticket.comments.at(-1)).toMatchObject({ author: 'ACME Hardware (vendor, entered by ACME portal)', text: 'Please update the firmware to 2.1.' });
    await customer.waitFor(en.vendorReply('ACME Hardware', reference, 'Please update the firmware to 2.1.'));

    await expect
      .poll(() => hooks.received.filter((h) => h.reference === reference && h.event.startsWith('ticket.vendor_')).map((h) => h.event), { timeout: 10_000 })
      .toEqual(['ticket.vendor_requested', 'ticket.vendor_consented', 'ticket.vendor_replied']);
    const hook = hooks.received.find((h) => h.reference === reference && h.event === 'ticket.vendor_replied')!;
    expect(hook).toMatchObject({ verified: true, change: { type: 'vendor', vendor: { state: 'replied' }, reply: { text: 'Please update the firmware to 2.1.' } } });
  });

  it('no live chat: the ticket API records consent as pending, the next message asks, "no" keeps the ticket in-house', async () => {
    const customer = await directLineCustomer();
    await customer.say('hello');
    await expect.poll(async () => (await customer.botTexts()).length, { timeout: 5000 }).toBeGreaterThan(0);
    const ticket = await running.app.tickets.create({
      kind: 'ticket',
      tier: 'L4',
      subject: 'Hosting provider blocks port 25',
      customer: { userId: 'dl-user' },
      channel: {
        channelId: 'directline',
        conversationId: customer.conversationId,
        conversationReference: { channelId: 'directline', conversation: { id: customer.conversationId }, user: { id: 'dl-user' }, bot: { id: 'tierdesk' } },
      },
    });
    const before = (await customer.botTexts()).length;
    const requested = await api('POST', `/api/tickets/${ticket.reference}/vendor`, { vendorId: 'acme', requestedBy: 'Zendesk: Joe' });
    expect(requested.status).toBe(202);
    expect(((await requested.json()) as { vendor: { state: string; askedAt?: string } }).vendor).toEqual(expect.objectContaining({ state: 'consent_pending' }));
    // Not asked yet (no live chat): nothing was sent to the conversation.
    await running.app.vendors.idle();
    expect((await customer.botTexts()).length).toBe(before);

    await customer.say('any news on my ticket?');
    await customer.waitFor(en.vendorConsentQuestion('ACME Hardware', ticket.reference));
    await customer.say('no');
    await customer.waitFor(en.vendorConsentRefused('ACME Hardware'));
    const step = await api('GET', `/api/tickets/${ticket.reference}/vendor`);
    expect(((await step.json()) as { vendor: { state: string } }).vendor.state).toBe('declined');
    const after = (await running.app.tickets.get(ticket.reference))!;
    expect(after.status).toBe('new');
    expect(after.comments.map((c) => c.text)).toContain('any news on my ticket?');
    const noReply = await api('POST', `/api/tickets/${ticket.reference}/vendor-reply`, { text: 'too late' });
    expect(noReply.status).toBe(409);
    expect(((await noReply.json()) as { error: { code: string } }).error.code).toBe('not_waiting_on_vendor');
    // After "no" the bot is back: the next message is answered by the dialogs, not by the consent question.
    const count = (await customer.botTexts()).length;
    await customer.say('how do I reset my password?');
    await expect.poll(async () => (await customer.botTexts()).length, { timeout: 5000 }).toBeGreaterThan(count);
    expect((await customer.botTexts()).slice(count).join('\n')).not.toContain('ACME');
    await expect
      .poll(() => hooks.received.filter((h) => h.reference === ticket.reference).map((h) => h.event), { timeout: 10_000 })
      .toEqual(expect.arrayContaining(['ticket.vendor_requested', 'ticket.vendor_declined']));
  });

  it('401 / 403 / 400 / 409 on the new routes', async () => {
    const ticket = await running.app.tickets.create({
      kind: 'ticket',
      tier: 'L3',
      subject: 'Not a vendor case',
      customer: { userId: 'u-l3' },
      channel: { channelId: 'test', conversationId: 'c-l3' },
    });
    const ref = ticket.reference;
    for (const [method, url, body] of [
      ['GET', `/api/tickets/${ref}/vendor`, undefined],
      ['POST', `/api/tickets/${ref}/vendor`, { vendorId: 'acme' }],
      ['POST', `/api/tickets/${ref}/vendor-reply`, { text: 'x' }],
      ['GET', '/api/vendors', undefined],
    ] as const) {
      expect((await api(method, url, body, null)).status, `${method} ${url} without token`).toBe(401);
      expect((await api(method, url, body, 'wrong-token-wrong-token-000')).status, `${method} ${url} wrong token`).toBe(401);
    }
    for (const [method, url] of [
      ['GET', `/agent/api/tickets/${ref}/vendor`],
      ['POST', `/agent/api/tickets/${ref}/vendor`],
      ['POST', `/agent/api/tickets/${ref}/vendor-reply`],
      ['GET', '/agent/api/vendors'],
    ] as const) {
      expect((await fetch(`${running.baseUrl}${url}`, { method })).status, `${method} ${url} signed out`).toBe(401);
    }
    // An L1 agent may not pass tickets to vendors; an L4 agent without the CSRF header may not either.
    const lou = await agent('lou@example.com', 'L1');
    expect((await lou.request('POST', `/agent/api/tickets/${ref}/vendor`, { vendorId: 'acme' })).status).toBe(403);
    expect((await lou.request('GET', '/agent/api/vendors')).status).toBe(403);
    const val = await agent('val@example.com', 'L4');
    expect((await val.request('POST', `/agent/api/tickets/${ref}/vendor`, { vendorId: 'acme' }, { 'x-csrf-token': 'wrong' })).status).toBe(403);
    expect(await val.json('GET', '/agent/api/vendors')).toEqual({ vendors: [{ id: 'acme', name: 'ACME Hardware', email: 'support@acme.example', responseHours: 24 }] });
    // Validation and rules.
    const unknown = await val.request('POST', `/agent/api/tickets/${ref}/vendor`, { vendorId: 'nobody' });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { field: string } }).error.field).toBe('vendorId');
    const notL4 = await val.request('POST', `/agent/api/tickets/${ref}/vendor`, { vendorId: 'acme' });
    expect(notL4.status).toBe(409);
    expect(((await notL4.json()) as { error: { code: string } }).error.code).toBe('not_l4');
    expect((await api('POST', `/api/tickets/${ref}/vendor`, { vendorId: 'acme', extra: 1 })).status).toBe(400);
    expect((await api('POST', '/api/tickets/TD-999999/vendor', { vendorId: 'acme' })).status).toBe(404);
  });

  it('documents the bearer routes in /api/openapi.json with resolvable schemas', async () => {
    const doc = (await (await fetch(`${running.baseUrl}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } };
    expect(Object.keys(doc.paths['/api/tickets/{reference}/vendor']!).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/tickets/{reference}/vendor-reply']!)).toEqual(['post']);
    expect(Object.keys(doc.paths['/api/vendors']!)).toEqual(['get']);
    const refs = [...JSON.stringify(doc).matchAll(/"#\/components\/schemas\/([A-Za-z]+)"/g)].map((m) => m[1]!);
    expect(refs).toEqual(expect.arrayContaining(['VendorRequest', 'VendorReply', 'VendorStepResult', 'VendorStepView', 'VendorList']));
    for (const ref of refs) expect(doc.components.schemas[ref], ref).toBeDefined();
  });
});
