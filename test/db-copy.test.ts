import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHandoffStores } from '../src/handoff/handoff-stores.js';
import { runDbCli } from '../src/storage/db-cli.js';
import { openStores, type Stores } from '../src/storage/stores.js';
import { sampleTicket, testSlaHours } from './fixtures/sample-tickets.js';
import { startPostgres, type TestPostgres } from './support/postgres.js';
import { tempDir } from './support/test-app.js';

const t0 = new Date('2025-03-03T09:00:00.000Z');

/** Runs the CLI, capturing what it prints. */
async function cli(args: string[]): Promise<{ code: number; output: string }> {
  let output = '';
  const code = await runDbCli(args, (text) => (output += text));
  return { code, output };
}

describe('moving an SQLite desk to PostgreSQL (npm run db:copy, db:migrate)', () => {
  let cluster: TestPostgres;
  const open: Stores[] = [];
  beforeAll(async () => {
    cluster = await startPostgres();
  });
  afterAll(async () => {
    for (const stores of open) await stores.close();
    await cluster?.stop();
  });

  it('copies every table, checks the counts, and the desk carries on where it was', async () => {
    const dataDir = tempDir('tierdesk-copy-');
    const source = openStores({ databaseUrl: undefined, dataDir, slaHours: testSlaHours });
    open.push(source);
    for (let i = 0; i < 3; i++) await source.tickets.create(sampleTicket({ subject: `Ticket ${i}` }), new Date(t0.getTime() + i * 60_000));
    await source.tickets.addComment('TD-1002', { author: 'Agent', text: 'On it' }, t0);
    await source.tickets.changeStatus('TD-1003', 'open', t0);
    await source.botState.write({ 'directline/conversations/c1': { dialogState: { step: 3 } } });
    await source.transcripts.append('directline', 'c1', { from: 'customer', text: 'hello', at: t0.toISOString() });
    await source.feedback.record({ conversationId: 'c1', channelId: 'directline', articleId: 'reset-password', question: 'q', helpful: false });
    await source.directLine.createConversation({ id: 'c1', userId: 'u1', locale: 'en-US', createdAt: t0.toISOString() });
    await source.directLine.append('c1', { type: 'message', text: 'one' });
    await source.directLine.append('c1', { type: 'message', text: 'two' });
    await openHandoffStores(source).agents.create(
      { name: 'Ana', email: 'ana@example.com', tiers: ['L1'], capacity: 2, admin: true, language: 'en', passwordHash: 'hash' },
      t0,
    );
    const vendor = { id: 'acme', name: 'ACME Hardware', email: 'support@acme.example' };
    const vendorStep = (await source.vendorSteps.create({ ticketReference: 'TD-1003', vendor, channelId: 'directline', conversationId: 'c1', requestedBy: 'Ana' }, t0))!;
    await source.vendorSteps.enqueueMessage({ stepId: vendorStep.id, conversationReference: { conversation: { id: 'c1' } }, text: 'May we share?' }, t0);
    const ticketsBefore = await source.tickets.list({ limit: 10, offset: 0 });
    await source.close();

    const url = await cluster.createDatabase();
    const copied = await cli(['copy', '--from', `sqlite:${path.join(dataDir, 'tierdesk.db')}`, '--to', url]);
    expect(copied.output).toMatch(/tickets\s+3\s+3/);
    expect(copied.output).toMatch(/directline_activities\s+2\s+2/);
    expect(copied.output).toMatch(/agents\s+1\s+1/);
    expect(copied.output).toMatch(/vendor_messages\s+1\s+1/); // after vendor_steps (foreign key)
    expect(copied.output).not.toContain('MISMATCH');
    expect(copied.output).toContain('every count matches');
    expect(copied.code).toBe(0);

    const target = openStores({ databaseUrl: url, dataDir: tempDir('tierdesk-copy-target-'), slaHours: testSlaHours });
    open.push(target);
    await target.ready();
    expect(await target.tickets.list({ limit: 10, offset: 0 })).toEqual(ticketsBefore);
    expect((await target.tickets.create(sampleTicket(), t0)).reference).toBe('TD-1004');
    expect((await target.botState.read(['directline/conversations/c1']))['directline/conversations/c1']).toMatchObject({ dialogState: { step: 3 } });
    expect(await target.transcripts.read('directline', 'c1')).toEqual([{ from: 'customer', text: 'hello', at: t0.toISOString() }]);
    expect(await target.feedback.summary()).toEqual([{ articleId: 'reset-password', helpful: 0, notHelpful: 1 }]);
    expect((await target.directLine.append('c1', { type: 'message', text: 'three' })).seq).toBe(3);
    expect((await openHandoffStores(target).agents.findByEmail('ana@example.com'))?.agent).toMatchObject({ name: 'Ana', admin: true });
    expect(await target.vendorSteps.latest('TD-1003')).toEqual(vendorStep);
    expect((await target.vendorSteps.dueMessages(t0, 10)).map((m) => [m.stepId, m.conversationReference, m.text])).toEqual([[vendorStep.id, { conversation: { id: 'c1' } }, 'May we share?']]);
    const nextStep = await target.vendorSteps.create({ ticketReference: 'TD-1001', vendor, channelId: 'directline', conversationId: 'c2', requestedBy: 'Ana' }, t0);
    expect(nextStep!.id).toBe(vendorStep.id + 1); // the identity continues after the copied ids

    // A second copy into a database that holds a desk is refused: two desks are never merged.
    await expect(cli(['copy', '--from', `sqlite:${path.join(dataDir, 'tierdesk.db')}`, '--to', url])).rejects.toThrow(/already holds data/);
  });

  it('migrates the configured PostgreSQL database, and explains its usage when called wrongly', async () => {
    const url = await cluster.createDatabase();
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = url;
    try {
      expect((await cli(['migrate'])).output).toMatch(/applied migrations 1, 2, 3/);
      expect((await cli(['migrate'])).output).toBe('PostgreSQL schema is up to date.\n');
    } finally {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
    }
    expect(await cli(['copy', '--from', 'tierdesk.db', '--to', url])).toMatchObject({ code: 2, output: expect.stringContaining('usage:') });
  });
});
