import { describe, expect, it, beforeEach, afterEach } from 'vitest';
import { PgTicketStore } from '../src/storage/postgres/pg-ticket-store.js';
import { dueAt } from '../src/tickets/sla.js';
import { SqliteTicketStore } from '../src/tickets/sqlite-ticket-store.js';
import { ticketSchema, type NewTicket } from '../src/tickets/ticket.js';
import { IllegalTransitionError, TicketNotFoundError, TicketValidationError, type TicketStore } from '../src/tickets/ticket-store.js';
import { sampleTicket, testSlaHours } from './fixtures/sample-tickets.js';
import { useStoreBackends, type OpenedStores } from './support/store-backends.js';

const t0 = new Date('2025-03-03T09:00:00.000Z');
const minutesAfter = (start: Date, minutes: number) => new Date(start.getTime() + minutes * 60_000);
const hoursAfter = (start: Date, hours: number) => minutesAfter(start, hours * 60);

// One contract, two backends: the embedded SQLite file and a throwaway PostgreSQL cluster.
describe.each(useStoreBackends())('TicketStore contract on $name', (backend) => {
  let opened: OpenedStores;
  let store: TicketStore;

  beforeEach(async () => {
    opened = await backend.open();
    store = opened.stores.tickets;
  });
  afterEach(async () => {
    await opened.close();
  });

  /** Files `count` tickets one minute apart, each customised by `vary(i)`. */
  async function fileTickets(count: number, vary: (i: number) => Partial<NewTicket> = () => ({})) {
    const tickets = [];
    for (let i = 0; i < count; i++) tickets.push(await store.create(sampleTicket(vary(i)), minutesAfter(t0, i)));
    return tickets;
  }

  describe('filing', () => {
    it('files a ticket and reads back every field by its reference', async () => {
      const input = sampleTicket({
        kind: 'callback',
        tier: 'L2',
        channel: { channelId: 'msteams', conversationId: 'conv-7', conversationReference: { serviceUrl: 'https://smba.example', user: { id: 'u1' } } },
        callback: { phone: '+49 30 1234567', slotStart: '2025-03-04T10:00:00+01:00', slotEnd: '2025-03-04T10:30:00+01:00', timeZone: 'Europe/Berlin' },
      });
      const created = await store.create(input, t0);

      expect(created).toEqual({
        ...input,
        reference: 'TD-1001',
        status: 'new',
        comments: [],
        createdAt: t0.toISOString(),
        updatedAt: t0.toISOString(),
        dueAt: hoursAfter(t0, testSlaHours.L2).toISOString(),
      });
      expect(ticketSchema.parse(created)).toEqual(created);
      expect(await store.get('TD-1001')).toEqual(created);
    });

    it('omits optional parts that were not given instead of storing nulls', async () => {
      const { classification: _c, ...withoutClassification } = sampleTicket();
      const created = await store.create({ ...withoutClassification, description: undefined, transcript: undefined, articlesTried: undefined }, t0);
      expect(created).not.toHaveProperty('classification');
      expect(created).not.toHaveProperty('callback');
      expect(created).not.toHaveProperty('slaBreachedAt');
      expect(created).toMatchObject({ description: '', transcript: [], articlesTried: [] });
    });

    it('gives references that count up from TD-1001', async () => {
      const tickets = await fileTickets(3);
      expect(tickets.map((t) => t.reference)).toEqual(['TD-1001', 'TD-1002', 'TD-1003']);
    });

    it('finds a ticket by the reference as a customer types it', async () => {
      await fileTickets(1);
      expect((await store.get(' td-1001 '))?.reference).toBe('TD-1001');
      expect(await store.get('TD-9999')).toBeUndefined();
    });

    it('refuses invalid input with an error naming the field, and stores nothing', async () => {
      const badEmail = store.create(sampleTicket({ customer: { userId: 'u', email: 'not-an-email' } }), t0);
      await expect(badEmail).rejects.toBeInstanceOf(TicketValidationError);
      await expect(badEmail).rejects.toMatchObject({ field: 'customer.email' });
      await expect(store.create(sampleTicket({ subject: '   ' }), t0)).rejects.toMatchObject({ field: 'subject' });
      await expect(store.create(sampleTicket({ tier: 'L9' as 'L1' }), t0)).rejects.toMatchObject({ field: 'tier' });
      await expect(
        store.create(sampleTicket({ transcript: [{ from: 'customer', text: 'hi', at: 'yesterday' }] }), t0),
      ).rejects.toMatchObject({ field: 'transcript.0.at' });

      expect((await store.list({ limit: 10, offset: 0 })).total).toBe(0);
      expect((await store.create(sampleTicket(), t0)).reference).toBe('TD-1001');
    });

    it('sets the SLA due time from the tier', async () => {
      for (const tier of ['L1', 'L2', 'L3', 'L4'] as const) {
        const ticket = await store.create(sampleTicket({ tier }), t0);
        expect(ticket.dueAt).toBe(hoursAfter(t0, testSlaHours[tier]).toISOString());
        expect(ticket.dueAt).toBe(dueAt(t0, tier, testSlaHours).toISOString());
      }
    });

    it('refuses SLA hours that are not positive when constructed', () => {
      const { sqlite, pool } = opened.stores;
      const construct = () =>
        pool === undefined ? new SqliteTicketStore(sqlite, { ...testSlaHours, L3: 0 }) : new PgTicketStore(pool, { ...testSlaHours, L3: 0 });
      expect(construct).toThrow(/L3/);
    });
  });

  describe('listing', () => {
    it('lists newest first with the total, page by page', async () => {
      await fileTickets(7);
      const first = await store.list({ limit: 3, offset: 0 });
      const second = await store.list({ limit: 3, offset: 3 });
      const last = await store.list({ limit: 3, offset: 6 });
      expect(first.items.map((t) => t.reference)).toEqual(['TD-1007', 'TD-1006', 'TD-1005']);
      expect(second.items.map((t) => t.reference)).toEqual(['TD-1004', 'TD-1003', 'TD-1002']);
      expect(last.items.map((t) => t.reference)).toEqual(['TD-1001']);
      expect([first.total, second.total, last.total]).toEqual([7, 7, 7]);
      expect(await store.list({ limit: 3, offset: 10 })).toEqual({ items: [], total: 7 });
    });

    it('filters by status, tier and kind, and counts only the matches', async () => {
      await fileTickets(6, (i) => ({ tier: i % 2 === 0 ? 'L1' : 'L3', kind: i < 3 ? 'ticket' : 'handoff' }));
      await store.changeStatus('TD-1002', 'open', minutesAfter(t0, 30));
      await store.changeStatus('TD-1005', 'open', minutesAfter(t0, 30));

      const l3 = await store.list({ tier: 'L3', limit: 10, offset: 0 });
      expect(l3.items.map((t) => t.reference)).toEqual(['TD-1006', 'TD-1004', 'TD-1002']);
      expect(l3.total).toBe(3);

      const open = await store.list({ status: 'open', limit: 10, offset: 0 });
      expect(open.items.map((t) => t.reference)).toEqual(['TD-1005', 'TD-1002']);

      const handoffsL1 = await store.list({ kind: 'handoff', tier: 'L1', limit: 1, offset: 0 });
      expect(handoffsL1.items.map((t) => t.reference)).toEqual(['TD-1005']);
      expect(handoffsL1.total).toBe(1);

      const none = await store.list({ status: 'closed', limit: 10, offset: 0 });
      expect(none).toEqual({ items: [], total: 0 });
    });

    it('searches subject, description and reference regardless of case', async () => {
      await fileTickets(1, () => ({ subject: 'Antivirus blocks the app', description: 'Defender quarantines foldera.exe' }));
      await fileTickets(1, () => ({ subject: 'Export invoices to DATEV', description: 'Which format does the export use?' }));
      await fileTickets(1, () => ({ subject: 'Über-Rechnung fehlt', description: 'Die Rechnung für März fehlt' }));
      const search = async (text: string) => (await store.list({ text, limit: 10, offset: 0 })).items.map((t) => t.reference);

      expect(await search('ANTIVIRUS')).toEqual(['TD-1001']);
      expect(await search('quarantines')).toEqual(['TD-1001']);
      expect(await search('td-1002')).toEqual(['TD-1002']);
      expect(await search('über')).toEqual(['TD-1003']);
      expect(await search('export')).toEqual(['TD-1002']);
      expect(await search('nothing like this')).toEqual([]);
    });

    it('treats % and _ in the search text literally', async () => {
      const plain = { description: 'No further details.' };
      await fileTickets(1, () => ({ ...plain, subject: 'Discount of 50% not applied' }));
      await fileTickets(1, () => ({ ...plain, subject: 'Discount of 500 EUR missing' }));
      await fileTickets(1, () => ({ ...plain, subject: 'API returns user_id null' }));
      await fileTickets(1, () => ({ ...plain, subject: 'API returns userXid null' }));
      const search = async (text: string) => (await store.list({ text, limit: 10, offset: 0 })).items.map((t) => t.reference);

      expect(await search('50%')).toEqual(['TD-1001']);
      expect(await search('user_id')).toEqual(['TD-1003']);
      expect(await search('%')).toEqual(['TD-1001']);
      expect(await search('\\')).toEqual([]);
    });

    it("shows a customer only their own tickets", async () => {
      await fileTickets(5, (i) => ({ customer: { userId: i % 2 === 0 ? 'user-anna' : 'user-ben' } }));
      const anna = await store.list({ customerUserId: 'user-anna', limit: 2, offset: 0 });
      expect(anna.items.map((t) => t.reference)).toEqual(['TD-1005', 'TD-1003']);
      expect(anna.total).toBe(3);
      expect(anna.items.every((t) => t.customer.userId === 'user-anna')).toBe(true);
      expect((await store.list({ customerUserId: 'user-nobody', limit: 5, offset: 0 })).total).toBe(0);
    });
  });

  describe('lifecycle', () => {
    it('moves a ticket along the allowed statuses and stamps updatedAt', async () => {
      await fileTickets(1);
      const steps = ['open', 'pending', 'open', 'resolved', 'open', 'closed'] as const;
      for (const [i, status] of steps.entries()) {
        const at = minutesAfter(t0, 10 * (i + 1));
        const ticket = await store.changeStatus('TD-1001', status, at);
        expect(ticket.status).toBe(status);
        expect(ticket.updatedAt).toBe(at.toISOString());
        expect(ticket.createdAt).toBe(t0.toISOString());
      }
    });

    it('refuses a transition the lifecycle forbids and changes nothing', async () => {
      await fileTickets(1);
      await store.changeStatus('TD-1001', 'closed', minutesAfter(t0, 5));
      const before = await store.get('TD-1001');

      const reopen = store.changeStatus('TD-1001', 'open', minutesAfter(t0, 10));
      await expect(reopen).rejects.toBeInstanceOf(IllegalTransitionError);
      await expect(reopen).rejects.toMatchObject({ from: 'closed', to: 'open' });
      await expect(store.changeStatus('TD-1001', 'closed', minutesAfter(t0, 10))).rejects.toBeInstanceOf(IllegalTransitionError);
      expect(await store.get('TD-1001')).toEqual(before);
    });

    it('refuses "new" again once a ticket was opened, an unknown status, and an unknown ticket', async () => {
      await fileTickets(1);
      await store.changeStatus('TD-1001', 'open', t0);
      await expect(store.changeStatus('TD-1001', 'new', t0)).rejects.toBeInstanceOf(IllegalTransitionError);
      await expect(store.changeStatus('TD-1001', 'escalated' as 'open', t0)).rejects.toMatchObject({ field: 'status' });
      await expect(store.changeStatus('TD-4242', 'open', t0)).rejects.toBeInstanceOf(TicketNotFoundError);
    });
  });

  describe('comments', () => {
    it('adds comments in order, each with author and time, and stamps updatedAt', async () => {
      await fileTickets(1);
      await store.addComment('TD-1001', { author: 'Jonas (L1)', text: 'Checked the VAT settings.' }, minutesAfter(t0, 5));
      const ticket = await store.addComment('TD-1001', { author: 'Anna Berg', text: 'Thanks!' }, minutesAfter(t0, 9));
      expect(ticket.comments).toEqual([
        { author: 'Jonas (L1)', text: 'Checked the VAT settings.', at: minutesAfter(t0, 5).toISOString() },
        { author: 'Anna Berg', text: 'Thanks!', at: minutesAfter(t0, 9).toISOString() },
      ]);
      expect(ticket.updatedAt).toBe(minutesAfter(t0, 9).toISOString());
      expect((await store.list({ limit: 5, offset: 0 })).items[0]?.comments).toHaveLength(2);
    });

    it('keeps comments apart per ticket when listing several', async () => {
      await fileTickets(3);
      await store.addComment('TD-1001', { author: 'a', text: 'one' }, t0);
      await store.addComment('TD-1003', { author: 'b', text: 'three' }, t0);
      const { items } = await store.list({ limit: 5, offset: 0 });
      expect(items.map((t) => t.comments.map((c) => c.text))).toEqual([['three'], [], ['one']]);
    });

    it('refuses an empty comment and a comment on an unknown ticket', async () => {
      await fileTickets(1);
      await expect(store.addComment('TD-1001', { author: 'Jonas', text: '   ' }, t0)).rejects.toMatchObject({ field: 'text' });
      await expect(store.addComment('TD-1001', { author: '', text: 'hi' }, t0)).rejects.toMatchObject({ field: 'author' });
      await expect(store.addComment('TD-5555', { author: 'Jonas', text: 'hi' }, t0)).rejects.toBeInstanceOf(TicketNotFoundError);
      expect((await store.get('TD-1001'))?.comments).toEqual([]);
    });
  });

  describe('SLA breaches', () => {
    it('finds open tickets past their due time, and each only until it is marked', async () => {
      await fileTickets(4, (i) => ({ tier: (['L3', 'L1', 'L3', 'L3'] as const)[i] }));
      await store.changeStatus('TD-1003', 'resolved', minutesAfter(t0, 60));
      await store.changeStatus('TD-1004', 'pending', minutesAfter(t0, 60));
      const fiveHoursLater = hoursAfter(t0, 5);

      expect(await store.findDueBreaches(hoursAfter(t0, 3))).toEqual([]);
      // L3 is due after 4 h: TD-1001 and the pending TD-1004 are late; TD-1003 is resolved; L1 has 24 h.
      const due = await store.findDueBreaches(fiveHoursLater);
      expect(due.map((t) => t.reference)).toEqual(['TD-1001', 'TD-1004']);

      const marked = await store.markBreached('TD-1001', fiveHoursLater);
      expect(marked.slaBreachedAt).toBe(fiveHoursLater.toISOString());
      expect((await store.findDueBreaches(fiveHoursLater)).map((t) => t.reference)).toEqual(['TD-1004']);

      // Marking again keeps the first breach time.
      const again = await store.markBreached('TD-1001', hoursAfter(t0, 6));
      expect(again.slaBreachedAt).toBe(fiveHoursLater.toISOString());
    });

    it('counts a ticket due exactly now as breached', async () => {
      const [ticket] = await fileTickets(1, () => ({ tier: 'L3' }));
      expect((await store.findDueBreaches(new Date(ticket!.dueAt))).map((t) => t.reference)).toEqual(['TD-1001']);
    });

    it('does not mark a ticket that was resolved meanwhile, nor an unknown one', async () => {
      await fileTickets(1, () => ({ tier: 'L3' }));
      await store.changeStatus('TD-1001', 'resolved', hoursAfter(t0, 1));
      expect((await store.markBreached('TD-1001', hoursAfter(t0, 5))).slaBreachedAt).toBeUndefined();
      await expect(store.markBreached('TD-7777', t0)).rejects.toBeInstanceOf(TicketNotFoundError);
    });
  });

  describe('concurrency (two instances on one database)', () => {
    it('gives 50 concurrent creations from two instances 50 distinct, gap-free references', async () => {
      const other = (await opened.another()).tickets;
      const created = await Promise.all(
        Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? store : other).create(sampleTicket({ subject: `Request ${i}` }), minutesAfter(t0, i))),
      );
      const numbers = created.map((t) => Number(t.reference.slice(3))).sort((a, b) => a - b);
      expect(numbers).toEqual(Array.from({ length: 50 }, (_, i) => 1001 + i));
      expect((await other.list({ limit: 1, offset: 0 })).total).toBe(50);
    });

    it('lets exactly one of several concurrent status changes through', async () => {
      const other = (await opened.another()).tickets;
      await fileTickets(1);
      const attempts = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? store : other).changeStatus('TD-1001', 'closed', minutesAfter(t0, 5))),
      );
      expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
      const refused = attempts.filter((a): a is PromiseRejectedResult => a.status === 'rejected');
      expect(refused).toHaveLength(7);
      for (const r of refused) expect(r.reason).toBeInstanceOf(IllegalTransitionError);
    });

    it('keeps every comment added concurrently from two instances', async () => {
      const other = (await opened.another()).tickets;
      await fileTickets(1);
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 === 0 ? store : other).addComment('TD-1001', { author: 'Agent', text: `note ${i}` }, minutesAfter(t0, 1 + i)),
        ),
      );
      const ticket = await store.get('TD-1001');
      expect(ticket?.comments.map((c) => c.text).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `note ${i}`).sort());
    });
  });

  it('keeps everything after the database is closed and reopened', async () => {
    await fileTickets(3, (i) => ({ tier: i === 0 ? 'L3' : 'L1' }));
    await store.changeStatus('TD-1002', 'open', minutesAfter(t0, 10));
    await store.addComment('TD-1002', { author: 'Jonas', text: 'Looking into it' }, minutesAfter(t0, 11));
    await store.markBreached('TD-1001', hoursAfter(t0, 5));
    const before = await store.list({ limit: 10, offset: 0 });

    opened = await opened.reopen();
    store = opened.stores.tickets;
    expect(await store.list({ limit: 10, offset: 0 })).toEqual(before);
    expect((await store.create(sampleTicket(), hoursAfter(t0, 6))).reference).toBe('TD-1004');
  });
});
