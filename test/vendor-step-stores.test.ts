import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { en } from '../src/i18n/en.js';
import { silentLogger } from '../src/logger.js';
import { PersonalDataRegistry } from '../src/privacy/personal-data.js';
import type { Stores } from '../src/storage/stores.js';
import { TicketService } from '../src/tickets/ticket-service.js';
import { VendorService } from '../src/vendors/vendor-service.js';
import type { NewVendorStep } from '../src/vendors/vendor-step-store.js';
import type { Vendor } from '../src/vendors/vendors.js';
import { useStoreBackends, type OpenedStores } from './support/store-backends.js';

const HOUR = 3_600_000;
const T0 = new Date('2026-11-23T10:00:00.000Z');
const at = (hours: number) => new Date(T0.getTime() + hours * HOUR);
const ACME: Vendor = { id: 'acme', name: 'ACME Hardware', email: 'support@acme.example', responseHours: 48 };
const step = (ticketReference: string, conversationId = 'c1'): NewVendorStep => ({
  ticketReference,
  vendor: { id: ACME.id, name: ACME.name, email: ACME.email },
  channelId: 'webchat',
  conversationId,
  requestedBy: 'Vera',
});

/** Rows of a vendor table, read straight from whichever database the stores use. */
async function count(stores: Stores, table: 'vendor_steps' | 'vendor_messages'): Promise<number> {
  if (stores.pool !== undefined) return (await stores.pool.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM ${table}`)).rows[0]!.n;
  return stores.sqlite.prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).get()!.n;
}

// The VendorStepStore contract (src/vendors/vendor-step-store.ts) on the embedded SQLite file and on
// PostgreSQL, where a second `openStores` on the same database stands for another instance.
describe.each(useStoreBackends())('vendor step store on $name', (backend) => {
  let opened: OpenedStores;
  beforeEach(async () => {
    opened = await backend.open();
  });
  afterEach(async () => {
    await opened.close();
  });

  it('opens one step per ticket (also when two instances try at once), moves it compare-and-set and omits unset times', async () => {
    const store = opened.stores.vendorSteps;
    const other = (await opened.another()).vendorSteps;
    const created = await store.create(step('TD-1001'), T0);
    expect(created).toEqual({
      id: created!.id,
      ticketReference: 'TD-1001',
      vendor: { id: 'acme', name: 'ACME Hardware', email: 'support@acme.example' },
      state: 'consent_pending',
      requestedBy: 'Vera',
      requestedAt: T0.toISOString(),
    });
    expect(await other.create(step('TD-1001'), at(1))).toBeUndefined();
    // Another instance sees the step the customer has to answer.
    expect(await other.pendingConsent('webchat', 'c1')).toEqual(created);
    expect(await other.pendingConsent('webchat', 'c2')).toBeUndefined();
    await other.markAsked(created!.id, at(1));
    expect((await store.latest('TD-1001'))?.askedAt).toBe(at(1).toISOString());

    // Two instances take the same "yes" at once: exactly one moves the step.
    const change = { since: at(2).toISOString(), expectedBy: at(50).toISOString() };
    const moves = await Promise.all([store.move(created!.id, 'consent_pending', 'waiting', change), other.move(created!.id, 'consent_pending', 'waiting', change)]);
    expect(moves.filter((m) => m !== undefined)).toHaveLength(1);
    expect(await store.isWaiting('TD-1001')).toBe(true);
    expect(await other.isWaiting('TD-1002')).toBe(false);
    expect(await store.pendingConsent('webchat', 'c1')).toBeUndefined();
    expect(await store.create(step('TD-1001'), at(3))).toBeUndefined(); // still open while waiting

    // A wait of 40 days (past a 32-bit count of milliseconds) round-trips exactly.
    const paused = 40 * 24 * HOUR;
    const replied = await other.move(created!.id, 'waiting', 'replied', { endedAt: at(960).toISOString(), slaPausedMs: paused });
    expect(replied).toMatchObject({ state: 'replied', since: at(2).toISOString(), expectedBy: at(50).toISOString(), endedAt: at(960).toISOString(), slaPausedMs: paused });
    expect(replied?.declinedAt).toBeUndefined();
    expect(await store.move(created!.id, 'waiting', 'replied', {})).toBeUndefined();
    expect(await store.isWaiting('TD-1001')).toBe(false);

    // After a final reply a new step can start; it is the ticket's latest.
    const results = await Promise.all([store.create(step('TD-1001'), at(961)), other.create(step('TD-1001'), at(961))]);
    const next = results.filter((r) => r !== undefined);
    expect(next).toHaveLength(1);
    expect(await other.latest('TD-1001')).toEqual(next[0]);
    expect(next[0]!.id).toBeGreaterThan(created!.id);
    expect(await store.latest('TD-404')).toBeUndefined();
  });

  it('keeps lines to the customer until delivered: due by time, deferred with a count, deleted once delivered', async () => {
    const store = opened.stores.vendorSteps;
    const other = (await opened.another()).vendorSteps;
    const created = (await store.create(step('TD-1001'), T0))!;
    const reference = { channelId: 'webchat', conversation: { id: 'c1' }, user: { id: 'u1', name: 'Ann' } };
    const first = await store.enqueueMessage({ stepId: created.id, conversationReference: reference, text: 'Flash firmware 2.1' }, T0);
    const second = await other.enqueueMessage({ stepId: created.id, conversationReference: reference, text: 'Second line' }, at(1));
    expect(first).toEqual({ id: first.id, stepId: created.id, conversationReference: reference, text: 'Flash firmware 2.1', attempts: 0 });
    expect((await other.dueMessages(T0, 10)).map((m) => m.text)).toEqual(['Flash firmware 2.1']);
    expect(await store.dueMessages(at(1), 10)).toEqual([first, { ...second, attempts: 0 }]);
    expect(await store.dueMessages(at(1), 1)).toEqual([first]);

    await other.deferMessage(first.id, at(3), 'channel down '.repeat(100));
    expect((await store.dueMessages(at(2), 10)).map((m) => m.id)).toEqual([second.id]);
    expect(await store.dueMessages(at(3), 10)).toEqual([{ ...first, attempts: 1 }, second]);

    await store.markDelivered(first.id, at(3));
    await other.markDelivered(second.id, at(3));
    expect(await store.dueMessages(at(100), 10)).toEqual([]);
    expect(await count(opened.stores, 'vendor_messages')).toBe(0);
  });

  it('keeps steps and undelivered lines after a restart', async () => {
    const created = (await opened.stores.vendorSteps.create(step('TD-1001'), T0))!;
    await opened.stores.vendorSteps.enqueueMessage({ stepId: created.id, conversationReference: { conversation: { id: 'c1' } }, text: 'kept' }, T0);
    opened = await opened.reopen();
    expect(await opened.stores.vendorSteps.latest('TD-1001')).toEqual(created);
    expect((await opened.stores.vendorSteps.dueMessages(T0, 10)).map((m) => m.text)).toEqual(['kept']);
  });

  it('a step requested on one instance is answered through another: consent, SLA pause and the relayed reply', async () => {
    const sent: string[] = [];
    const service = (stores: Stores, tickets: TicketService) =>
      new VendorService({
        store: stores.vendorSteps,
        tickets,
        vendors: [ACME],
        sender: { send: async (_reference, activities) => void sent.push(...activities.map((a) => String(a.text))) },
        slaMode: 'paused',
        liveChatActive: async () => false,
        languageOf: async () => 'en',
        logger: silentLogger,
        now: () => at(1),
      });
    const tickets = new TicketService(opened.stores.tickets, { logger: silentLogger });
    const ticket = await tickets.create(
      {
        kind: 'ticket',
        tier: 'L4',
        subject: 'Printer firmware bricked',
        customer: { userId: 'u1' },
        channel: { channelId: 'webchat', conversationId: 'c1', conversationReference: { channelId: 'webchat', conversation: { id: 'c1' } } },
      },
      T0,
    );
    const a = service(opened.stores, tickets);
    const otherStores = await opened.another();
    const b = service(otherStores, new TicketService(otherStores.tickets, { logger: silentLogger }));
    await a.request(ticket.reference, 'acme', 'Vera');
    await expect(b.request(ticket.reference, 'acme', 'Vera')).rejects.toMatchObject({ code: 'vendor_step_open' });
    const pending = (await b.pendingConsent('webchat', 'c1'))!;
    expect((await b.consentMessage(pending, 'hello?', 'en')).reply).toBe(en.vendorConsentQuestion('ACME Hardware', ticket.reference));
    expect((await b.consentMessage((await b.pendingConsent('webchat', 'c1'))!, 'yes', 'en')).answer).toBe('yes');
    expect(await a.current(ticket.reference)).toMatchObject({ state: 'waiting', since: at(1).toISOString() });
    // Paused vendor time: instance A's SLA check does not breach a ticket B put on hold.
    expect(await tickets.recordSlaBreaches(at(30))).toEqual([]);
    await a.vendorReply(ticket.reference, { text: 'Flash firmware 2.1', enteredBy: 'Vera', final: true });
    expect(sent).toEqual([en.vendorReply('ACME Hardware', ticket.reference, 'Flash firmware 2.1')]);
    expect(await b.current(ticket.reference)).toMatchObject({ state: 'replied' });
  });

  it("erasure drops the customer's queued lines and anonymises their steps; retention deletes finished old steps", async () => {
    const s = opened.stores;
    await s.customerConversations.record('webchat', 'conv-anna', 'user-anna', T0.toISOString());
    await s.customerConversations.record('webchat', 'conv-bob', 'user-bob', T0.toISOString());
    const anna = (await s.vendorSteps.create(step('TD-2001', 'conv-anna'), T0))!;
    const bob = (await s.vendorSteps.create(step('TD-2002', 'conv-bob'), T0))!;
    await s.vendorSteps.enqueueMessage({ stepId: anna.id, conversationReference: { user: { id: 'user-anna' } }, text: 'for Anna' }, T0);
    await s.vendorSteps.enqueueMessage({ stepId: bob.id, conversationReference: { user: { id: 'user-bob' } }, text: 'for Bob' }, T0);

    const registry = new PersonalDataRegistry(s.personalData);
    const report = await registry.eraseCustomer('user-anna', 'erased-1');
    expect(report.touched).toMatchObject({ vendor_steps: 1, vendor_messages: 1 });
    expect(await s.vendorSteps.pendingConsent('webchat', 'conv-anna')).toBeUndefined();
    expect(await s.vendorSteps.latest('TD-2001')).toEqual(anna); // the ticket's vendor history stays
    expect((await s.vendorSteps.dueMessages(at(1), 10)).map((m) => m.text)).toEqual(['for Bob']);
    expect(await s.vendorSteps.pendingConsent('webchat', 'conv-bob')).toEqual(bob);
    expect((await registry.eraseCustomer('user-anna', 'erased-2')).touched).toMatchObject({ vendor_steps: 0, vendor_messages: 0 });

    // Anna's step is declined long ago; Bob's is still open (kept however old).
    await s.vendorSteps.move(anna.id, 'consent_pending', 'declined', { declinedAt: at(1).toISOString() });
    const now = at(24 * 100);
    expect((await registry.purge(30, now, true)).deleted).toMatchObject({ vendor_steps: 1, vendor_messages: 1 });
    expect(await count(s, 'vendor_steps')).toBe(2);
    expect((await registry.purge(30, now, false)).deleted).toMatchObject({ vendor_steps: 1, vendor_messages: 1 });
    expect(await s.vendorSteps.latest('TD-2001')).toBeUndefined();
    expect(await s.vendorSteps.latest('TD-2002')).toEqual(bob);
    expect(await s.vendorSteps.dueMessages(now, 10)).toEqual([]);
  });
});
