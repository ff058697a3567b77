import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { SlaChecker } from '../src/tickets/sla-checker.js';
import { TicketService } from '../src/tickets/ticket-service.js';
import { sampleTicket, testSlaHours } from './fixtures/sample-tickets.js';
import { useStoreBackends, type OpenedStores } from './support/store-backends.js';

const t0 = new Date('2025-03-03T09:00:00.000Z');

describe.each(useStoreBackends())('SLA checks from several instances on $name', (backend) => {
  let opened: OpenedStores;
  beforeEach(async () => {
    opened = await backend.open();
  });
  afterEach(async () => {
    await opened.close();
  });

  it('announces each breach once although every instance checks at the same moment', async () => {
    const logger = createLogger('error');
    const instances = [opened.stores, await opened.another(), await opened.another()].map((stores) => {
      const service = new TicketService(stores.tickets, { logger });
      const events: string[] = [];
      service.onEvent((event) => {
        if (event.name === 'ticket.sla_breached') events.push(event.ticket.reference);
      });
      return { service, events, checker: new SlaChecker({ service, intervalSeconds: 60, logger, lock: stores.jobLock }) };
    });
    for (let i = 0; i < 6; i++) await instances[0]!.service.create(sampleTicket({ subject: `Overdue ${i}` }), t0);
    const past = new Date(t0.getTime() + (testSlaHours.L1 + 1) * 3_600_000);

    // Rounds of simultaneous checks with the same clock: whoever runs must be the only one.
    for (let round = 0; round < 3; round++) await Promise.all(instances.map((i) => i.checker.checkOnce(past)));

    const announced = instances.flatMap((i) => i.events).sort();
    expect(announced).toEqual(Array.from({ length: 6 }, (_, i) => `TD-${1001 + i}`));
    const page = await opened.stores.tickets.list({ limit: 10, offset: 0 });
    expect(page.items.every((t) => t.slaBreachedAt === past.toISOString())).toBe(true);
  });

  it('skips a job while another instance runs it, and runs it once that one is done', async () => {
    const a = opened.stores.jobLock;
    const b = (await opened.another()).jobLock;
    let started!: () => void;
    let finish!: () => void;
    const inside = new Promise<void>((resolve) => (started = resolve));
    const held = new Promise<void>((resolve) => (finish = resolve));
    const first = a.runExclusive('nightly', async () => {
      started();
      await held;
      return 'a';
    });
    await inside;
    expect(await b.runExclusive('nightly', async () => 'b')).toBeUndefined();
    expect(await b.runExclusive('another-job', async () => 'b')).toBe('b');
    finish();
    expect(await first).toBe('a');
    expect(await b.runExclusive('nightly', async () => 'b')).toBe('b');
  });
});
