import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { en } from '../src/i18n/en.js';
import { pt } from '../src/i18n/pt.js';
import { silentLogger } from '../src/logger.js';
import { openDatabase, type SqliteDatabase } from '../src/storage/database.js';
import { SqliteTicketStore } from '../src/tickets/sqlite-ticket-store.js';
import type { Ticket } from '../src/tickets/ticket.js';
import { TicketService, type TicketEvent } from '../src/tickets/ticket-service.js';
import { SqliteVendorStepStore } from '../src/vendors/sqlite-vendor-step-store.js';
import { canMoveVendorStep, slaPushMs, vendorStepTransitions, type VendorSlaMode } from '../src/vendors/vendor-step.js';
import { consentAnswer, VendorService } from '../src/vendors/vendor-service.js';
import { loadVendors, VendorsFileError, type Vendor } from '../src/vendors/vendors.js';
import { tempDir } from './support/test-app.js';

const HOUR = 3_600_000;
const T0 = new Date('2026-11-23T10:00:00Z');
const at = (hours: number) => new Date(T0.getTime() + hours * HOUR);
const SLA = { L1: 24, L2: 8, L3: 4, L4: 8 };
const ACME: Vendor = { id: 'acme', name: 'ACME Hardware', email: 'support@acme.example', responseHours: 48 };

describe('vendor step rules (pure)', () => {
  it('the sub-state machine allows exactly: ask → yes/no, wait → interim/final reply; declined and replied are final', () => {
    expect(vendorStepTransitions).toEqual({
      consent_pending: ['declined', 'waiting'],
      declined: [],
      waiting: ['waiting', 'replied'],
      replied: [],
    });
    expect(canMoveVendorStep('consent_pending', 'replied')).toBe(false);
    expect(canMoveVendorStep('declined', 'waiting')).toBe(false);
  });

  it('SLA_VENDOR_TIME: paused pushes the due time by the whole wait, running by nothing', () => {
    expect(slaPushMs('paused', at(1), at(5))).toBe(4 * HOUR);
    expect(slaPushMs('running', at(1), at(5))).toBe(0);
  });

  it('yes / no are read in the customer language, English always works, anything else is unclear', () => {
    expect(consentAnswer(pt, 'Sim, pode.')).toBe('unclear');
    expect(consentAnswer(pt, 'pode sim')).toBe('yes');
    expect(consentAnswer(pt, 'não')).toBe('no');
    expect(consentAnswer(pt, 'yes')).toBe('yes');
    expect(consentAnswer(en, 'Yes please!')).toBe('yes');
    expect(consentAnswer(en, 'my printer is still broken')).toBe('unclear');
  });
});

describe('vendors file', () => {
  let dir: string;
  beforeEach(() => (dir = tempDir('tierdesk-vendors-')));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('the bundled knowledge/vendors.yaml is valid', () => {
    expect(loadVendors(path.resolve(import.meta.dirname, '../knowledge/vendors.yaml')).map((v) => v.id)).toEqual(['acme-hardware', 'cloudnet']);
  });

  it('a bad file stops the start with the file and the field named', () => {
    const file = path.join(dir, 'vendors.yaml');
    writeFileSync(file, 'vendors:\n  - id: acme\n    name: ACME\n    email: not-an-email\n    responseHours: 24\n');
    expect(() => loadVendors(file)).toThrow(VendorsFileError);
    expect(() => loadVendors(file)).toThrow(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: vendors\\.0\\.email`));
    writeFileSync(file, 'vendors:\n  - {id: a, name: A, email: a@x.example, responseHours: 1}\n  - {id: a, name: B, email: b@x.example, responseHours: 1}\n');
    expect(() => loadVendors(file)).toThrow(/vendors\.1\.id: duplicate vendor id "a"/);
    expect(loadVendors(path.join(dir, 'missing.yaml'))).toEqual([]);
  });
});

describe('vendor step on real SQLite: consent first, SLA paused vs running', () => {
  let dir: string;
  let db: SqliteDatabase;
  let clock: Date;
  let tickets: TicketService;
  let events: TicketEvent[];
  let sent: { conversation: string; text: string }[];

  function service(slaMode: VendorSlaMode, liveChat = false): VendorService {
    return new VendorService({
      store: new SqliteVendorStepStore(db),
      tickets,
      vendors: [ACME],
      sender: { send: async (reference, activities) => void sent.push(...activities.map((a) => ({ conversation: String(reference.conversation?.id), text: String(a.text) }))) },
      slaMode,
      liveChatActive: async () => liveChat,
      languageOf: async () => 'en',
      logger: silentLogger,
      now: () => clock,
    });
  }

  async function l4Ticket(): Promise<Ticket> {
    return tickets.create(
      {
        kind: 'ticket',
        tier: 'L4',
        subject: 'Printer firmware bricked',
        customer: { userId: 'u1', email: 'cus@example.com' },
        channel: { channelId: 'test', conversationId: 'c1', conversationReference: { channelId: 'test', conversation: { id: 'c1' } } },
      },
      T0,
    );
  }

  beforeEach(() => {
    dir = tempDir('tierdesk-vendor-');
    db = openDatabase(path.join(dir, 'tierdesk.db'));
    tickets = new TicketService(new SqliteTicketStore(db, SLA), { logger: silentLogger });
    events = [];
    sent = [];
    tickets.onEvent((event) => void events.push(event));
    clock = T0;
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('nothing is marked shared before "yes": the step waits for consent, the ticket is not waiting on the vendor', async () => {
    const vendors = service('paused');
    const ticket = await l4Ticket();
    const { vendor } = await vendors.request(ticket.reference, 'acme', 'Vera');
    expect(vendor).toMatchObject({ state: 'consent_pending', vendor: { name: 'ACME Hardware' } });
    expect(vendor.since).toBeUndefined();
    expect(vendor.askedAt).toBeUndefined(); // no live chat: asked on the customer's next message
    expect(sent).toEqual([]);
    expect((await tickets.get(ticket.reference))!.status).toBe('new');
    expect(events.map((e) => e.name)).toEqual(['ticket.created', 'ticket.updated', 'ticket.vendor_requested']);
    // A vendor reply cannot be entered before consent.
    await expect(vendors.vendorReply(ticket.reference, { text: 'x', enteredBy: 'Vera', final: true })).rejects.toThrow(/not agreed yet/);
    // A second request while one is open is refused.
    await expect(vendors.request(ticket.reference, 'acme', 'Vera')).rejects.toMatchObject({ code: 'vendor_step_open' });

    // The next message asks; an unclear answer asks again; "yes" starts the vendor clock.
    const pending = (await vendors.pendingConsent('test', 'c1'))!;
    expect((await vendors.consentMessage(pending, 'any news?', 'en')).reply).toBe(en.vendorConsentQuestion('ACME Hardware', ticket.reference));
    const asked = (await vendors.pendingConsent('test', 'c1'))!;
    expect((await vendors.consentMessage(asked, 'what does that mean', 'en')).reply).toBe(en.vendorConsentAgain('ACME Hardware'));
    expect((await tickets.get(ticket.reference))!.status).toBe('new');
    clock = at(1);
    expect((await vendors.consentMessage(asked, 'yes', 'en')).answer).toBe('yes');
    const waiting = await vendors.current(ticket.reference);
    expect(waiting).toMatchObject({ state: 'waiting', since: at(1).toISOString(), expectedBy: at(49).toISOString() });
    expect((await tickets.get(ticket.reference))!.status).toBe('pending');
    expect(events.at(-1)).toMatchObject({ name: 'ticket.vendor_consented', change: { type: 'vendor', vendor: { state: 'waiting' } } });
  });

  it('"no" keeps the ticket in-house and says so; nothing goes to the vendor', async () => {
    const vendors = service('paused', true);
    const ticket = await l4Ticket();
    await vendors.request(ticket.reference, 'acme', 'Vera');
    // In a live chat the question goes out at once, through the channel.
    expect(sent).toEqual([{ conversation: 'c1', text: en.vendorConsentQuestion('ACME Hardware', ticket.reference) }]);
    const step = (await vendors.pendingConsent('test', 'c1'))!;
    const outcome = await vendors.consentMessage(step, 'No thanks', 'en');
    expect(outcome).toEqual({ answer: 'no', reply: en.vendorConsentRefused('ACME Hardware') });
    expect(await vendors.current(ticket.reference)).toMatchObject({ state: 'declined' });
    const after = (await tickets.get(ticket.reference))!;
    expect(after.status).toBe('new');
    expect(after.comments.at(-1)!.text).toMatch(/declined sharing with ACME Hardware; the ticket stays in-house/);
    expect(events.at(-1)!.name).toBe('ticket.vendor_declined');
    expect(events.some((e) => e.name === 'ticket.vendor_consented')).toBe(false);
    await expect(vendors.vendorReply(ticket.reference, { text: 'x', enteredBy: 'Vera', final: true })).rejects.toMatchObject({ code: 'not_waiting_on_vendor' });
  });

  for (const mode of ['paused', 'running'] as const) {
    it(`SLA_VENDOR_TIME=${mode}: ${mode === 'paused' ? 'no breach while waiting; the due time moves by the 4 h wait' : 'the SLA breaches while waiting; the due time stays'}`, async () => {
      const vendors = service(mode);
      const ticket = await l4Ticket();
      expect(ticket.dueAt).toBe(at(8).toISOString());
      await vendors.request(ticket.reference, 'acme', 'Vera');
      const step = (await vendors.pendingConsent('test', 'c1'))!;
      await vendors.consentMessage(step, 'hi', 'en');
      clock = at(1);
      await vendors.consentMessage((await vendors.pendingConsent('test', 'c1'))!, 'yes', 'en');
      // 9 h after filing: past the original due time, while waiting on the vendor.
      const breached = await tickets.recordSlaBreaches(at(9));
      expect(breached.map((t) => t.reference)).toEqual(mode === 'paused' ? [] : [ticket.reference]);
      clock = at(10);
      await vendors.vendorReply(ticket.reference, { text: 'Interim: we are looking', enteredBy: 'Vera', final: false });
      expect(await vendors.current(ticket.reference)).toMatchObject({ state: 'waiting' });
      clock = at(12);
      const { ticket: replied, vendor } = await vendors.vendorReply(ticket.reference, { text: 'Flash firmware 2.1', enteredBy: 'Vera', final: true });
      const waitedMs = 11 * HOUR; // from consent (1 h) to the final reply (12 h)
      expect(vendor).toMatchObject({ state: 'replied', endedAt: at(12).toISOString(), slaPausedMs: mode === 'paused' ? waitedMs : 0 });
      expect(replied.dueAt).toBe(mode === 'paused' ? at(8 + 11).toISOString() : at(8).toISOString());
      expect(replied.status).toBe('open');
      // With the wait paused, the ticket is not overdue right after the reply (due at 19 h).
      expect((await tickets.recordSlaBreaches(at(12))).length).toBe(0);
      expect(sent.map((s) => s.text)).toEqual([
        en.vendorReply('ACME Hardware', ticket.reference, 'Interim: we are looking'),
        en.vendorReply('ACME Hardware', ticket.reference, 'Flash firmware 2.1'),
      ]);
      expect(events.filter((e) => e.name === 'ticket.vendor_replied').map((e) => e.change)).toMatchObject([
        { type: 'vendor', reply: { text: 'Interim: we are looking', enteredBy: 'Vera' } },
        { type: 'vendor', vendor: { state: 'replied' }, reply: { text: 'Flash firmware 2.1' } },
      ]);
    });
  }

  it('a reply that cannot be delivered now is kept and delivered by the next sweep', async () => {
    let down = true;
    const vendors = new VendorService({
      store: new SqliteVendorStepStore(db),
      tickets,
      vendors: [ACME],
      sender: {
        send: async (_reference, activities) => {
          if (down) throw new Error('channel down');
          sent.push(...activities.map((a) => ({ conversation: 'c1', text: String(a.text) })));
        },
      },
      slaMode: 'paused',
      liveChatActive: async () => false,
      languageOf: async () => 'en',
      logger: silentLogger,
      now: () => clock,
    });
    const ticket = await l4Ticket();
    await vendors.request(ticket.reference, 'acme', 'Vera');
    await vendors.consentMessage((await vendors.pendingConsent('test', 'c1'))!, 'hi', 'en');
    await vendors.consentMessage((await vendors.pendingConsent('test', 'c1'))!, 'yes', 'en');
    await vendors.vendorReply(ticket.reference, { text: 'Fixed in 2.1', enteredBy: 'Vera', final: true });
    expect(sent).toEqual([]);
    down = false;
    clock = at(1); // past the first retry delay
    await vendors.sweep();
    expect(sent.map((s) => s.text)).toEqual([en.vendorReply('ACME Hardware', ticket.reference, 'Fixed in 2.1')]);
    await vendors.sweep();
    expect(sent).toHaveLength(1);
    // Delivered lines are not kept (the text is on the ticket; the row held the customer's conversation reference).
    expect(db.prepare('SELECT COUNT(*) AS n FROM vendor_messages').get()).toEqual({ n: 0 });
  });
});
