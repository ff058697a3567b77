import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import type { NewOutboxDelivery } from '../src/tickets/webhook-outbox.js';
import { WebhookDispatcher } from '../src/tickets/webhooks.js';
import { sampleTicket } from './fixtures/sample-tickets.js';
import { useStoreBackends, type OpenedStores } from './support/store-backends.js';
import { startHookReceiver } from './support/webhook-receiver.js';

const t0 = new Date('2025-03-03T09:00:00.000Z');
const later = (ms: number) => new Date(t0.getTime() + ms);

function delivery(n: number, url = 'http://127.0.0.1:9/hook'): NewOutboxDelivery {
  return { deliveryId: `d-${n}`, eventId: `e-${n}`, eventName: 'ticket.created', ticketReference: `TD-${1000 + n}`, url, body: JSON.stringify({ n }) };
}

// Webhook outbox contract on both backends, and several dispatchers (instances) sharing one outbox.
describe.each(useStoreBackends())('webhook outbox on $name', (backend) => {
  let opened: OpenedStores;
  const cleanups: (() => Promise<void>)[] = [];
  beforeEach(async () => {
    opened = await backend.open();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await opened.close();
  });

  it('queues up to the limit, leases due rows, retries, buries and deletes them', async () => {
    const outbox = opened.stores.webhookOutbox;
    expect(await outbox.enqueue([delivery(1), delivery(2), delivery(3)], t0, 2)).toEqual([delivery(3)]);
    expect(await outbox.nextAttemptAt()).toEqual(t0);

    const claimed = await outbox.claimDue(t0, 10, later(60_000));
    expect(claimed.map((d) => d.deliveryId)).toEqual(['d-1', 'd-2']);
    expect(claimed[0]).toMatchObject({ ...delivery(1), attempts: 0, lastError: undefined, deadAt: undefined, createdAt: t0.toISOString() });
    // Leased: nobody else gets them before the lease ends; after it, they are due again.
    expect(await outbox.claimDue(later(1_000), 10, later(61_000))).toEqual([]);
    expect(await outbox.nextAttemptAt()).toEqual(later(60_000));

    await outbox.retryLater('d-1', { attempts: 1, error: 'HTTP 503', nextAttemptAt: later(5_000) });
    await outbox.markDead('d-2', { attempts: 1, error: 'HTTP 410', at: later(1_000) });
    expect(await outbox.claimDue(later(5_000), 10, later(70_000))).toMatchObject([{ deliveryId: 'd-1', attempts: 1, lastError: 'HTTP 503' }]);
    await outbox.release('d-1', later(6_000));
    expect(await outbox.nextAttemptAt()).toEqual(later(6_000));
    await outbox.delivered('d-1');
    expect(await outbox.nextAttemptAt()).toBeUndefined();
    expect(await outbox.list()).toMatchObject([{ deliveryId: 'd-2', deadAt: later(1_000).toISOString(), lastError: 'HTTP 410' }]);
  });

  it('never hands one delivery to two instances claiming at the same time', async () => {
    const a = opened.stores.webhookOutbox;
    const b = (await opened.another()).webhookOutbox;
    await a.enqueue(Array.from({ length: 40 }, (_, i) => delivery(i)), t0, 1000);
    const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? a : b).claimDue(t0, 7, later(60_000))));
    const ids = claims.flat().map((d) => d.deliveryId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(40);
  });

  it('two dispatchers on one outbox deliver every event once, and take over the lease of an instance that died', async () => {
    const hook = await startHookReceiver(20);
    cleanups.push(hook.close);
    const logger = createLogger('error');
    const other = await opened.another();
    const start = (outbox: typeof other.webhookOutbox) => {
      const dispatcher = new WebhookDispatcher({ outbox, urls: [hook.url], secret: 's3cret', logger, pollMs: 50, timeoutMs: 500, concurrency: 3 });
      cleanups.push(() => dispatcher.stop());
      return dispatcher;
    };
    // An instance that "died" mid-send: its claim is a lease in the table that nobody finishes.
    await opened.stores.webhookOutbox.enqueue([delivery(99, hook.url)], new Date(), 100);
    expect(await opened.stores.webhookOutbox.claimDue(new Date(), 1, new Date(Date.now() + 300))).toHaveLength(1);

    const dispatchers = [start(opened.stores.webhookOutbox), start(other.webhookOutbox)];
    const ticket = await opened.stores.tickets.create(sampleTicket(), t0);
    for (let i = 0; i < 20; i++) dispatchers[i % 2]!.dispatch({ id: randomUUID(), name: 'ticket.created', at: t0.toISOString(), ticket });
    await Promise.all(dispatchers.map((d) => d.idle()));

    const ids = hook.received.map((r) => r.deliveryId);
    expect(ids).toHaveLength(21);
    expect(new Set(ids).size).toBe(21);
    expect(ids).toContain('d-99');
    expect(await opened.stores.webhookOutbox.list()).toEqual([]);
  });
});
