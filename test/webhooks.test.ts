import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../src/logger.js';
import { openDatabase, type SqliteDatabase } from '../src/storage/database.js';
import { SlaChecker } from '../src/tickets/sla-checker.js';
import { SqliteTicketStore } from '../src/tickets/sqlite-ticket-store.js';
import { TicketService } from '../src/tickets/ticket-service.js';
import { WebhookOutbox } from '../src/tickets/webhook-outbox.js';
import {
  signBody,
  verifySignature,
  WebhookDispatcher,
  webhookPayloadSchema,
  type WebhookDispatcherOptions,
  type WebhookPayload,
} from '../src/tickets/webhooks.js';
import { sampleTicket, testSlaHours } from './fixtures/sample-tickets.js';
import { startTestApp, tempDir } from './support/test-app.js';

const SECRET = 'webhook-secret-for-tests';
const t0 = new Date('2025-03-03T09:00:00.000Z');
const hoursAfter = (hours: number) => new Date(t0.getTime() + hours * 3_600_000);

interface Received {
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  verified: boolean;
  payload: WebhookPayload;
}

/** What the receiver does with request number `n` (1-based): answer with a status, or never answer. */
type Behaviour = (n: number) => number | 'hang';

/** An HTTP receiver on loopback that verifies each delivery's signature like a real helpdesk would. */
async function startReceiver(behaviour: Behaviour = () => 200) {
  const received: Received[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      received.push({
        headers: req.headers,
        rawBody,
        verified: verifySignature(rawBody, req.headers['x-tierdesk-signature'], SECRET),
        payload: webhookPayloadSchema.parse(JSON.parse(rawBody.toString('utf8'))),
      });
      for (const waiter of waiters.filter((w) => received.length >= w.count)) waiter.resolve();
      const action = behaviour(received.length);
      if (action === 'hang') return;
      res.statusCode = action; // not writeHead(): restify, loaded in this process, patches it
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/tierdesk`,
    received,
    /** Resolves once `count` requests have arrived. */
    waitFor: (count: number) =>
      received.length >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve })),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A URL on loopback where nothing listens. */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/hooks`;
}

/** Polls `condition` every few milliseconds until it holds (fails the test after a few seconds). */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function capturingLogger(): { logger: Logger; lines: { level: string; message: string; [key: string]: unknown }[] } {
  const lines: { level: string; message: string }[] = [];
  return { logger: createLogger('debug', (line) => lines.push(JSON.parse(line) as { level: string; message: string })), lines };
}

describe('verifySignature', () => {
  const body = JSON.stringify({ event: 'ticket.created', id: 'e1' });

  it('accepts the signature of the exact body under the shared secret', () => {
    expect(verifySignature(body, signBody(body, SECRET), SECRET)).toBe(true);
    expect(verifySignature(Buffer.from(body), signBody(body, SECRET), SECRET)).toBe(true);
  });

  it('rejects another secret, a changed body, and malformed or missing headers', () => {
    const signature = signBody(body, SECRET);
    expect(verifySignature(body, signature, 'another-secret')).toBe(false);
    expect(verifySignature(body.replace('e1', 'e2'), signature, SECRET)).toBe(false);
    expect(verifySignature(body, signature.replace('sha256=', 'sha1='), SECRET)).toBe(false);
    expect(verifySignature(body, signature.slice(0, -2), SECRET)).toBe(false);
    expect(verifySignature(body, 'sha256=zz', SECRET)).toBe(false);
    expect(verifySignature(body, undefined, SECRET)).toBe(false);
    expect(verifySignature(body, [signature], SECRET)).toBe(false);
  });
});

describe('webhooks for ticket events', () => {
  let dir: string;
  let dbFile: string;
  let db: SqliteDatabase;
  let service: TicketService;
  let log: ReturnType<typeof capturingLogger>;
  const cleanups: (() => Promise<void>)[] = [];

  beforeEach(() => {
    dir = tempDir('tierdesk-webhooks-');
    dbFile = path.join(dir, 'tierdesk.db');
    db = openDatabase(dbFile);
    log = capturingLogger();
    service = new TicketService(new SqliteTicketStore(db, testSlaHours), { logger: log.logger });
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A dispatcher on the test database (as of the call) that is not subscribed to any service. */
  function startDispatcher(urls: string[], options: Partial<WebhookDispatcherOptions> = {}) {
    const dispatcher = new WebhookDispatcher({ outbox: new WebhookOutbox(db), urls, secret: SECRET, logger: log.logger, baseDelayMs: 1, ...options });
    cleanups.push(() => dispatcher.stop());
    return dispatcher;
  }

  function dispatcherFor(urls: string[], options: Partial<WebhookDispatcherOptions> = {}) {
    const dispatcher = startDispatcher(urls, options);
    dispatcher.subscribeTo(service);
    return dispatcher;
  }

  async function receiver(behaviour?: Behaviour) {
    const started = await startReceiver(behaviour);
    cleanups.push(started.close);
    return started;
  }

  it('posts created, status changed, commented and SLA breached events, each signed', async () => {
    const hook = await receiver();
    const dispatcher = dispatcherFor([hook.url]);
    const checker = new SlaChecker({ service, intervalSeconds: 60, logger: log.logger });

    await service.create(sampleTicket({ tier: 'L3' }), t0);
    await service.changeStatus('TD-1001', 'open', hoursAfter(1));
    await service.addComment('TD-1001', { author: 'Jonas (L3)', text: 'Looking at the query plan.' }, hoursAfter(2));
    expect((await checker.checkOnce(hoursAfter(5))).map((t) => t.reference)).toEqual(['TD-1001']);
    await dispatcher.idle();

    expect(hook.received).toHaveLength(4);
    for (const delivery of hook.received) {
      expect(delivery.verified).toBe(true);
      expect(delivery.headers['x-tierdesk-event']).toBe(delivery.payload.event);
      expect(delivery.headers['x-tierdesk-delivery']).toMatch(/^[0-9a-f-]{36}$/);
      expect(delivery.headers['content-type']).toBe('application/json');
      expect(delivery.payload.ticket.reference).toBe('TD-1001');
    }
    expect(new Set(hook.received.map((d) => d.headers['x-tierdesk-delivery'])).size).toBe(4);
    expect(new Set(hook.received.map((d) => d.payload.id)).size).toBe(4);

    // Deliveries run concurrently, so receivers order by the ticket's own times, not arrival.
    const byEvent = (name: string) => hook.received.filter((d) => d.payload.event === name).map((d) => d.payload);
    expect(byEvent('ticket.created')).toMatchObject([{ ticket: { status: 'new', tier: 'L3' } }]);
    expect(byEvent('ticket.updated')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ change: { type: 'status', status: 'open' }, ticket: expect.objectContaining({ status: 'open' }) }),
        expect.objectContaining({
          change: { type: 'comment', comment: { author: 'Jonas (L3)', text: 'Looking at the query plan.', at: hoursAfter(2).toISOString() } },
        }),
      ]),
    );
    expect(byEvent('ticket.sla_breached')).toMatchObject([{ ticket: { slaBreachedAt: hoursAfter(5).toISOString() } }]);
  });

  it('announces an SLA breach once, however often the check runs', async () => {
    const hook = await receiver();
    const dispatcher = dispatcherFor([hook.url]);
    const checker = new SlaChecker({ service, intervalSeconds: 60, logger: log.logger });
    await service.create(sampleTicket({ tier: 'L3' }), t0);
    await service.create(sampleTicket({ tier: 'L1' }), t0);

    expect(await checker.checkOnce(hoursAfter(3))).toEqual([]);
    expect((await checker.checkOnce(hoursAfter(5))).map((t) => t.reference)).toEqual(['TD-1001']);
    expect(await checker.checkOnce(hoursAfter(6))).toEqual([]);
    await dispatcher.idle();

    expect(hook.received.filter((d) => d.payload.event === 'ticket.sla_breached')).toHaveLength(1);
    await checker.stop();
  });

  it('sends every event to every configured URL', async () => {
    const first = await receiver();
    const second = await receiver();
    const dispatcher = dispatcherFor([first.url, second.url]);
    await service.create(sampleTicket(), t0);
    await dispatcher.idle();
    expect(first.received.map((d) => d.payload.event)).toEqual(['ticket.created']);
    expect(second.received.map((d) => d.payload.event)).toEqual(['ticket.created']);
    expect(first.received[0]?.payload.id).toBe(second.received[0]?.payload.id);
  });

  it('retries a receiver that fails twice, then delivers the same event', async () => {
    const hook = await receiver((n) => (n <= 2 ? 503 : 200));
    const dispatcher = dispatcherFor([hook.url], { maxAttempts: 5, baseDelayMs: 2 });
    await service.create(sampleTicket(), t0);
    await dispatcher.idle();

    expect(hook.received).toHaveLength(3);
    expect(hook.received.every((d) => d.verified)).toBe(true);
    expect(new Set(hook.received.map((d) => d.headers['x-tierdesk-delivery'])).size).toBe(1);
    expect(new Set(hook.received.map((d) => d.payload.id)).size).toBe(1);
    const retries = log.lines.filter((l) => l.message === 'webhook attempt failed; will retry');
    expect(retries.map((l) => [l.attempt, l.retryInMs, l.error])).toEqual([
      [1, 2, 'HTTP 503'],
      [2, 4, 'HTTP 503'],
    ]);
    expect(log.lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  it('gives up after the last attempt and logs it as an error', async () => {
    const hook = await receiver(() => 500);
    const dispatcher = dispatcherFor([hook.url], { maxAttempts: 3 });
    await service.create(sampleTicket(), t0);
    await dispatcher.idle();
    expect(hook.received).toHaveLength(3);
    expect(log.lines.filter((l) => l.level === 'error')).toMatchObject([
      { message: 'webhook failed; giving up', attempts: 3, reference: 'TD-1001', url: hook.url },
    ]);
  });

  it('does not retry a receiver that refuses the delivery with a 4xx', async () => {
    const hook = await receiver(() => 401);
    const dispatcher = dispatcherFor([hook.url]);
    await service.create(sampleTicket(), t0);
    await dispatcher.idle();
    expect(hook.received).toHaveLength(1);
    expect(log.lines.filter((l) => l.level === 'error')).toMatchObject([{ message: 'webhook refused by receiver; not retrying', status: 401 }]);
  });

  it('never blocks or fails filing when receivers are dead or hang', async () => {
    const hanging = await receiver(() => 'hang');
    const dispatcher = dispatcherFor([hanging.url, await deadUrl()], { maxAttempts: 2, timeoutMs: 100 });

    const first = await service.create(sampleTicket(), t0);
    await hanging.waitFor(1);
    // The receiver is holding the first delivery open; filing goes on regardless.
    const second = await service.create(sampleTicket({ subject: 'Second ticket' }), t0);
    expect([first.reference, second.reference]).toEqual(['TD-1001', 'TD-1002']);
    expect((await service.list({ limit: 10, offset: 0 })).total).toBe(2);

    await dispatcher.idle();
    const givenUp = log.lines.filter((l) => l.message === 'webhook failed; giving up');
    expect(givenUp).toHaveLength(4);
    expect(givenUp.map((l) => l.error)).toEqual(expect.arrayContaining(['timed out', expect.stringMatching(/ECONNREFUSED/)]));
  });

  it('stops promptly at shutdown, keeping what is still in flight for the next start (logged)', async () => {
    const hanging = await receiver(() => 'hang');
    const dispatcher = dispatcherFor([hanging.url], { timeoutMs: 60_000 });
    await service.create(sampleTicket(), t0);
    await hanging.waitFor(1);
    await dispatcher.stop();
    expect(log.lines).toContainEqual(
      expect.objectContaining({ message: 'webhook not delivered yet; kept for the next start', reason: 'stopped while sending' }),
    );
    // The interrupted attempt is not counted against the receiver.
    expect(await new WebhookOutbox(db).list()).toMatchObject([{ ticketReference: 'TD-1001', attempts: 0, deadAt: undefined }]);

    await service.create(sampleTicket(), t0); // no longer subscribed: nothing queued, nothing thrown
    await dispatcher.idle();
    expect(hanging.received).toHaveLength(1);
    expect(await new WebhookOutbox(db).list()).toHaveLength(1);
  });

  it('a delivery that failed before a restart is delivered after the restart', async () => {
    let receiverUp = false;
    const hook = await receiver(() => (receiverUp ? 200 : 503));
    const beforeRestart = dispatcherFor([hook.url], { baseDelayMs: 50 });
    await service.create(sampleTicket(), t0);
    await until(() => log.lines.some((l) => l.message === 'webhook attempt failed; will retry'), 'the first attempt to fail');
    await beforeRestart.stop();
    db.close();

    db = openDatabase(dbFile);
    expect(await new WebhookOutbox(db).list()).toMatchObject([
      { ticketReference: 'TD-1001', attempts: 1, lastError: 'HTTP 503', deadAt: undefined },
    ]);
    receiverUp = true;
    const afterRestart = startDispatcher([hook.url], { baseDelayMs: 50 });
    await afterRestart.idle();

    expect(hook.received).toHaveLength(2);
    const [failed, delivered] = hook.received;
    expect(delivered?.verified).toBe(true);
    expect(delivered?.payload).toMatchObject({ event: 'ticket.created', ticket: { reference: 'TD-1001' } });
    expect(delivered?.headers['x-tierdesk-delivery']).toBe(failed?.headers['x-tierdesk-delivery']);
    expect(delivered?.rawBody.equals(failed?.rawBody ?? Buffer.alloc(0))).toBe(true);
    expect(await new WebhookOutbox(db).list()).toEqual([]);
  });

  it('a receiver that keeps failing ends dead and is not retried forever', async () => {
    const failing = await receiver(() => 503);
    const refusing = await receiver(() => 410);
    const dispatcher = dispatcherFor([failing.url, refusing.url], { maxAttempts: 3 });
    const ticket = await service.create(sampleTicket(), t0);
    await dispatcher.idle();

    expect(failing.received).toHaveLength(3);
    expect(refusing.received).toHaveLength(1);
    const dead = await new WebhookOutbox(db).list();
    expect(dead).toHaveLength(2);
    expect(dead.find((d) => d.url === failing.url)).toMatchObject({ attempts: 3, lastError: 'HTTP 503', deadAt: expect.any(String) });
    expect(dead.find((d) => d.url === refusing.url)).toMatchObject({ attempts: 1, lastError: 'HTTP 410', deadAt: expect.any(String) });
    expect(log.lines.filter((l) => l.level === 'error').map((l) => l.message).sort()).toEqual([
      'webhook failed; giving up',
      'webhook refused by receiver; not retrying',
    ]);

    // Neither a restart nor later events revive a dead delivery.
    await dispatcher.stop();
    const restarted = dispatcherFor([failing.url], { maxAttempts: 3 });
    const later = await service.create(sampleTicket({ subject: 'Later ticket' }), t0);
    await restarted.idle();
    expect(failing.received.filter((d) => d.payload.ticket.reference === ticket.reference)).toHaveLength(3);
    expect(failing.received.filter((d) => d.payload.ticket.reference === later.reference)).toHaveLength(3);
    expect(refusing.received).toHaveLength(1);
  });

  it('files the ticket and logs it when the outbox cannot be written', async () => {
    const brokenDb = openDatabase(':memory:');
    dispatcherFor([await deadUrl()], { outbox: new WebhookOutbox(brokenDb) });
    brokenDb.close();
    const ticket = await service.create(sampleTicket(), t0);
    expect(ticket.reference).toBe('TD-1001');
    expect(log.lines).toContainEqual(
      expect.objectContaining({ level: 'error', message: 'webhook not queued: outbox write failed', reference: 'TD-1001' }),
    );
  });

  it('keeps logged URLs free of query strings and credentials', async () => {
    const dispatcher = dispatcherFor([`${await deadUrl()}?token=secret-in-url`], { maxAttempts: 1 });
    await service.create(sampleTicket(), t0);
    await dispatcher.idle();
    expect(JSON.stringify(log.lines)).not.toContain('secret-in-url');
    expect(log.lines.filter((l) => l.level === 'error')).toHaveLength(1);
  });

  it('logs a failing event listener without failing the write', async () => {
    service.onEvent(() => {
      throw new Error('listener exploded');
    });
    service.onEvent(async () => {
      throw new Error('async listener exploded');
    });
    const ticket = await service.create(sampleTicket(), t0);
    expect(ticket.reference).toBe('TD-1001');
    await Promise.resolve(); // let the rejected listener promise settle
    const errors = log.lines.filter((l) => l.message === 'ticket event listener failed');
    expect(errors.map((l) => String(l.error))).toEqual([
      expect.stringContaining('listener exploded'),
      expect.stringContaining('async listener exploded'),
    ]);
  });
});

describe('webhooks wired into the app (WEBHOOK_URLS)', () => {
  it('delivers a signed ticket.created for a ticket filed through app.tickets', async () => {
    const hook = await startReceiver();
    const running = await startTestApp({ WEBHOOK_URLS: hook.url, WEBHOOK_SECRET: SECRET });
    try {
      const ticket = await running.app.tickets.create(sampleTicket());
      await hook.waitFor(1);
      expect(hook.received[0]).toMatchObject({ verified: true, payload: { event: 'ticket.created', ticket: { reference: ticket.reference } } });
    } finally {
      await running.stop();
      await hook.close();
    }
  });
});
