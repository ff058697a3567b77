import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExpectRepliesClient, heroCard, type ReplyActivity } from './support/bot-client.js';
import { startTestApp, type RunningApp } from './support/test-app.js';

/** Text of all replies, cards included (prompts with buttons arrive as hero cards). */
const said = (replies: ReplyActivity[]) => replies.map((r) => [r.text, heroCard(r)?.text].filter(Boolean).join('\n')).join('\n');
const buttons = (replies: ReplyActivity[]) => replies.flatMap((r) => heroCard(r)?.buttons ?? []);

// Monday 23 Nov 2026, 15:10 in Berlin.
const NOW = new Date('2026-11-23T14:10:00Z');

describe('conversations that end in a ticket or a callback (real HTTP, SQLite)', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startTestApp({ TIME_ZONE: 'Europe/Berlin', BUSINESS_HOURS: 'Mon-Fri 09:00-17:00' }, { now: () => NOW });
  });
  afterAll(async () => {
    await running.stop();
  });

  it('files a ticket for an unanswerable question: tier asked, email validated, reference returned, transcript and scores stored', async () => {
    const client = new ExpectRepliesClient(running.baseUrl);
    const first = await client.say('zebra quantum lasagna');
    expect(said(first)).toMatch(/not confident/);
    // The 'test' channel has no buttons, so the four kinds of help come as a numbered list.
    expect(said(first)).toMatch(/what kind of help do you need\?[\s\S]*1\. A question for the support team[\s\S]*4\. A problem with third-party hardware or hosting/);

    expect(said(await client.say('A question for the support team'))).toMatch(/Which email address/);
    expect(said(await client.say('not-an-email'))).toMatch(/doesn't look like an email address/);
    const review = await client.say('ann@example.com');
    expect(said(review)).toMatch(/\*\*Summary:\*\* zebra quantum lasagna/);
    expect(said(review)).toMatch(/\*\*Reply to:\*\* ann@example\.com/);
    expect(said(review)).toMatch(/\(1\) File the ticket, \(2\) Edit the summary, or \(3\) Cancel/);

    const filed = said(await client.say('File the ticket'));
    const reference = /\*\*(TD-\d+)\*\*/.exec(filed)?.[1];
    expect(reference).toBeDefined();
    expect(filed).toMatch(/support team will reply to ann@example\.com by .*\(Europe\/Berlin\)/);

    const ticket = await running.app.tickets.get(reference!);
    expect(ticket).toMatchObject({
      kind: 'ticket',
      tier: 'L1',
      status: 'new',
      subject: 'zebra quantum lasagna',
      customer: { userId: client.userId, email: 'ann@example.com' },
      channel: { channelId: 'test', conversationId: client.conversationId },
      classification: { tier: 'L1', source: 'customer' },
    });
    expect(Object.keys(ticket!.classification!.scores).sort()).toEqual(['L1', 'L2', 'L3', 'L4']);
    expect(ticket!.articlesTried.length).toBeGreaterThan(0);
    const transcript = ticket!.transcript.map((e) => `${e.from}: ${e.text}`);
    expect(transcript[0]).toBe('customer: zebra quantum lasagna');
    expect(transcript).toContain('customer: not-an-email');
    expect(transcript.some((line) => line.startsWith("bot: I'm not confident"))).toBe(true);
  });

  it('tells customers the status of their own tickets only', async () => {
    const owner = new ExpectRepliesClient(running.baseUrl);
    await owner.say('zebra quantum lasagna');
    await owner.say('A question for the support team');
    await owner.say('bob@example.com');
    const reference = /\*\*(TD-\d+)\*\*/.exec(said(await owner.say('File the ticket')))![1]!;

    expect(said(await owner.say(`what is the status of ${reference.toLowerCase()}?`))).toMatch(
      new RegExp(`\\*\\*${reference}\\*\\* — zebra quantum lasagna[\\s\\S]*Status: \\*\\*received\\*\\*`),
    );
    await running.app.tickets.changeStatus(reference, 'open');
    expect(said(await owner.say(`status of ${reference}`))).toMatch(/Status: \*\*in progress\*\*/);

    const stranger = new ExpectRepliesClient(running.baseUrl);
    expect(said(await stranger.say(`status of ${reference}`))).toMatch(new RegExp(`couldn't find a ticket ${reference} for you`));
    expect(said(await stranger.say('status of TD-99999'))).toMatch(/couldn't find a ticket TD-99999/);
  });

  it('lets the customer edit the summary before filing, and remembers their email next time', async () => {
    const client = new ExpectRepliesClient(running.baseUrl);
    await client.say('zebra quantum lasagna');
    await client.say('A question for the support team');
    await client.say('carla@example.com');
    expect(said(await client.say('Edit the summary'))).toMatch(/How should we summarise/);
    expect(said(await client.say('The archive shows wrong dates on scanned letters'))).toMatch(
      /\*\*Summary:\*\* The archive shows wrong dates on scanned letters/,
    );
    const reference = /\*\*(TD-\d+)\*\*/.exec(said(await client.say('File the ticket')))![1]!;
    const ticket = await running.app.tickets.get(reference);
    expect(ticket?.subject).toBe('The archive shows wrong dates on scanned letters');
    expect(ticket?.description).toContain('zebra quantum lasagna');

    await client.say('zebra quantum lasagna again');
    const review = said(await client.say('A question for the support team'));
    expect(review).toMatch(/\*\*Reply to:\*\* carla@example\.com/); // not asked again
    expect(said(await client.say('Cancel'))).toMatch(/haven't filed anything/);
  });

  it('routes by operator rule: a NAS problem goes to the vendor tier (L4) without asking', async () => {
    const client = new ExpectRepliesClient(running.baseUrl);
    const replies = said(await client.say('Our Synology box dropped the archive share overnight'));
    expect(replies).toMatch(/Which email address/);
    await client.say('dan@example.com');
    const filed = said(await client.say('File the ticket'));
    expect(filed).toMatch(/partner team \(with the vendor\)/);
    const reference = /\*\*(TD-\d+)\*\*/.exec(filed)![1]!;
    expect(await running.app.tickets.get(reference)).toMatchObject({ tier: 'L4', classification: { source: 'rule', tier: 'L4' } });
  });

  it('books a callback: refuses an invalid phone number and an out-of-hours slot with a clear message, then succeeds', async () => {
    const client = new ExpectRepliesClient(running.baseUrl);
    expect(said(await client.say('Can someone call me back please?'))).toMatch(/What number should our technician call/);
    expect(said(await client.say('12345'))).toMatch(/doesn't look like a valid phone number/);

    const slots = await client.say('+44 20 7946 0958');
    expect(said(slots)).toMatch(/When should we call\? .*Europe\/Berlin/);
    expect(buttons(slots).map((b) => b.title)[0]).toBe('Mon 23 Nov, 15:30–16:00');

    expect(said(await client.say('2026-11-24 07:30'))).toMatch(/only call during business hours \(Mon-Fri 09:00-17:00, Europe\/Berlin\)/);
    expect(said(await client.say('2026-11-23 10:00'))).toMatch(/already passed/);
    expect(said(await client.say('someday'))).toMatch(/couldn't read that as a date and time/);

    const booked = said(await client.say('2026-11-24 10:00'));
    expect(booked).toMatch(/Booked — \*\*TD-\d+\*\*: a technician will call \+442079460958 on Tue 24 Nov, 10:00–10:30 \(Europe\/Berlin\)/);
    const reference = /\*\*(TD-\d+)\*\*/.exec(booked)![1]!;
    expect(await running.app.tickets.get(reference)).toMatchObject({
      kind: 'callback',
      tier: 'L2',
      customer: { phone: '+442079460958' },
      callback: { phone: '+442079460958', slotStart: '2026-11-24T10:00:00+01:00', slotEnd: '2026-11-24T10:30:00+01:00', timeZone: 'Europe/Berlin' },
    });
  });
});

describe('a restart in the middle of filing a ticket', () => {
  it('loses nothing: the conversation continues where it was after the bot restarts', async () => {
    const first = await startTestApp({}, { now: () => NOW });
    const client = new ExpectRepliesClient(first.baseUrl);
    await client.say('zebra quantum lasagna');
    expect(said(await client.say('A question for the support team'))).toMatch(/Which email address/);
    await first.stop({ keepData: true });

    const second = await startTestApp({}, { now: () => NOW }, first.dataDir);
    try {
      const resumed = new ExpectRepliesClient(second.baseUrl, 'test', client);
      expect(said(await resumed.say('erin@example.com'))).toMatch(/\*\*Summary:\*\* zebra quantum lasagna/);
      const reference = /\*\*(TD-\d+)\*\*/.exec(said(await resumed.say('File the ticket')))![1]!;
      const ticket = await second.app.tickets.get(reference);
      expect(ticket?.transcript.map((e) => e.text)).toEqual(expect.arrayContaining(['zebra quantum lasagna', 'erin@example.com']));
    } finally {
      await second.stop();
    }
  });
});
