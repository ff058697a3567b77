import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAgent, CapturingChannel, ConsoleClient } from './support/agent-console-client.js';
import { DirectLineTestClient } from './support/directline-client.js';
import { ExpectRepliesClient, heroCard, type OutgoingActivity, type ReplyActivity } from './support/bot-client.js';
import { startTestApp, tempDir, type RunningApp } from './support/test-app.js';
import { en } from '../src/i18n/en.js';
import { pl } from '../src/i18n/pl.js';
import { pt } from '../src/i18n/pt.js';

const said = (replies: ReplyActivity[]) => replies.map((r) => [r.text, heroCard(r)?.text].filter(Boolean).join('\n')).join('\n');
const ALWAYS_OPEN = { BUSINESS_HOURS: 'Mon-Sun 00:00-24:00', TIME_ZONE: 'UTC' };

interface HandoffView {
  id: string;
  state: string;
  tier: string;
  ticketReference: string;
  position?: number;
  satisfaction?: number;
}

/** A customer on a Bot Framework channel whose proactive messages land in `channel`. */
function customer(running: RunningApp, channel: CapturingChannel, same?: { conversationId: string; userId: string }) {
  const client = new ExpectRepliesClient(running.baseUrl, 'test', same);
  const say = async (text: string) => said(await client.send({ type: 'message', text, serviceUrl: channel.url } as OutgoingActivity));
  return { client, say };
}

/** Asks for a person and picks the expert tier; returns what the bot said last. */
async function askForExpert(say: (text: string) => Promise<string>): Promise<string> {
  const first = await say('I want to speak to someone');
  if (/what kind of help/.test(first)) return say('An expert for a technical problem');
  return first;
}


/** Asks for a person and picks the vendor tier (L4). */
async function askForVendor(say: (text: string) => Promise<string>): Promise<string> {
  const first = await say('I want to speak to someone');
  if (/what kind of help/.test(first)) return say('A problem with third-party hardware or hosting');
  return first;
}

// Monday 23 Nov 2026, 10:00 UTC (inside Mon-Fri 09:00-17:00); a test moves it to the weekend.
const MONDAY = new Date('2026-11-23T10:00:00Z');
const DIRECTLINE_SECRET = 'handoff-test-directline-secret-0123456789';
// The default message limit per conversation (tests turn it off otherwise): customer typing must not spend it.
const HOURS = { BUSINESS_HOURS: 'Mon-Fri 09:00-17:00', TIME_ZONE: 'UTC', HANDOFF_QUEUE_TIMEOUT_MINUTES: '10', DIRECTLINE_SECRET, RATE_LIMIT_MESSAGES_PER_MINUTE: '30' };

describe('live handoff to an agent, end to end (real HTTP, SQLite, proactive delivery through CloudAdapter)', () => {
  let running: RunningApp;
  let channel: CapturingChannel;
  let clock = MONDAY;
  const consoles: ConsoleClient[] = [];
  // One app for the whole file (starting one costs seconds): each test uses its own tier's queue.
  beforeAll(async () => {
    channel = new CapturingChannel();
    await channel.start();
    running = await startTestApp(HOURS, { handoffClock: () => clock });
  });
  afterAll(async () => {
    for (const c of consoles.splice(0)) c.disconnect();
    await running.stop();
    await channel.stop();
  });

  async function onlineAgent(email: string, tiers: string): Promise<ConsoleClient> {
    await addAgent(running.app.agents, { name: email.split('@')[0]!.replace(/^./, (c) => c.toUpperCase()), email, tiers });
    const console = await ConsoleClient.signIn(running.baseUrl, email);
    await console.json('PUT', '/agent/api/me', { status: 'online' });
    await console.connect();
    consoles.push(console);
    return console;
  }

  it('"I want to speak to someone" → L3 queue → agent accepts, both talk, resolves → satisfaction stored → the bot answers again', async () => {
    const ana = await onlineAgent('ana@example.com', 'L3');
    const { say, client } = customer(running, channel);

    const offer = await askForExpert(say);
    expect(offer).toMatch(/Someone from our expert team can chat with you live right now/);
    const queued = await say('Chat with a person now');
    expect(queued).toMatch(/You're number 1 in the queue for our expert team/);

    const queueEvent = await ana.waitForEvent((e) => e.event === 'queue' && (e.data as { queued: unknown[] }).queued.length === 1);
    const waiting = (queueEvent.data as { queued: HandoffView[] }).queued[0]!;
    expect(waiting).toMatchObject({ tier: 'L3', state: 'queued', position: 1 });

    // While queued the bot answers nothing itself; the line is kept for the agent.
    expect(await say('are you there?')).toBe('');

    const accepted = await ana.json<{ handoff: HandoffView; messages: { from: string; text: string }[] }>('POST', `/agent/api/handoffs/${waiting.id}/accept`);
    expect(accepted.handoff.state).toBe('active');
    const lines = accepted.messages.map((m) => `${m.from}: ${m.text}`);
    expect(lines[0]).toBe('customer: I want to speak to someone');
    expect(lines).toContain('customer: are you there?');
    await channel.waitForText(client.conversationId, /Ana from our expert team has joined the chat/);

    // Typing indicators both ways.
    await client.send({ type: 'typing', serviceUrl: channel.url } as OutgoingActivity);
    await ana.waitForEvent((e) => e.event === 'typing' && (e.data as { handoffId: string }).handoffId === waiting.id);
    expect((await ana.request('POST', `/agent/api/handoffs/${waiting.id}/typing`)).status).toBe(204);
    await expect.poll(() => channel.activities.some((a) => a.conversationId === client.conversationId && a.type === 'typing')).toBe(true);

    expect(await say('My sync server crashes at night')).toBe('');
    const relayed = await ana.waitForEvent((e) => e.event === 'message' && (e.data as { message: { text: string } }).message.text === 'My sync server crashes at night');
    expect((relayed.data as { message: { from: string } }).message.from).toBe('customer');

    const sent = await ana.json<{ message: { id: string; from: string } }>('POST', `/agent/api/handoffs/${waiting.id}/messages`, { text: 'Please send me the error log.' });
    expect(sent.message.from).toBe('agent');
    await channel.waitForText(client.conversationId, /^Please send me the error log\.$/);
    await ana.json('POST', `/agent/api/handoffs/${waiting.id}/notes`, { text: 'Probably the 2.3 sync bug' }, [201]);
    expect(channel.textsFor(client.conversationId).some((t) => t.includes('2.3 sync bug'))).toBe(false);

    const ticket = await running.app.tickets.get(waiting.ticketReference);
    expect(ticket).toMatchObject({ kind: 'handoff', tier: 'L3', status: 'open' });

    await ana.json('POST', `/agent/api/handoffs/${waiting.id}/resolve`, { closingMessage: 'Glad we fixed it!' });
    await channel.waitForText(client.conversationId, /^Glad we fixed it!$/);
    await channel.waitForText(client.conversationId, /from 1 \(not at all\) to 5/);
    const question = channel.activities.find((a) => /from 1 \(not at all\) to 5/.test(a.text ?? ''));
    expect(question?.suggestedActions?.actions.map((a) => a.value)).toEqual(['1', '2', '3', '4', '5']);

    expect(await say('4')).toMatch(/Thank you for the rating/);
    const after = await ana.json<{ handoff: HandoffView }>('GET', `/agent/api/handoffs/${waiting.id}`);
    expect(after.handoff).toMatchObject({ state: 'resolved', satisfaction: 4 });
    const resolvedTicket = await running.app.tickets.get(waiting.ticketReference);
    expect(resolvedTicket!.status).toBe('resolved');
    expect(resolvedTicket!.comments.map((c) => c.text)).toContain('Customer satisfaction: 4/5.');

    // Back to the bot: a new question gets the bot's own answer, nothing is relayed.
    expect(await say('how do I reset my password?')).not.toBe('');
  });

  it('offers live chat as a card with two buttons on every channel, and understands typed answers ("no thanks", "yes please")', async () => {
    const raw = new ExpectRepliesClient(running.baseUrl, 'test');
    const send = (text: string) => raw.send({ type: 'message', text, serviceUrl: channel.url } as OutgoingActivity);
    let replies = await send('I want to speak to someone');
    if (/what kind of help/.test(said(replies))) replies = await send('An expert for a technical problem');
    const offer = heroCard(replies.find((r) => /chat with you live/.test(heroCard(r)?.text ?? '')));
    expect(offer?.buttons?.map((b) => b.title)).toEqual([en.liveChatYes, en.liveChatTicketInstead]);
    // Typed instead of clicked: "no thanks" is the second choice → the ticket dialog.
    expect(said(await send('no thanks'))).toMatch(/Which email address/);
    expect(said(await send('cancel'))).toBe(en.cancelled);

    const { say } = customer(running, channel);
    await askForExpert(say);
    expect(await say('yes please')).toMatch(/You're number 1 in the queue for our expert team/);
    expect(await say('cancel')).toMatch(/you've left the queue/);
    expect(await say('cancel')).toBe(en.cancelled);
  });

  it('with nobody online or outside business hours: no queue, the bot says so and files the ticket', async () => {
    await addAgent(running.app.agents, { name: 'Lou', email: 'lou@example.com', tiers: 'L1' }); // exists, never signs in
    const nobody = customer(running, channel);
    const first = await nobody.say('I want to speak to someone');
    const answer = /what kind of help/.test(first) ? await nobody.say('A question for the support team') : first;
    expect(answer).toMatch(/Nobody from our support team is free to chat live right now/);
    expect(answer).toMatch(/Which email address/);
    expect(answer).not.toMatch(/queue/);

    // Saturday 10:00 UTC: the L3 agent is online, but live chat is Mon-Fri only.
    clock = new Date('2026-11-28T10:00:00Z');
    try {
      await onlineAgent('sam@example.com', 'L3');
      const before = (await running.app.handoffs.list({ limit: 100 })).length;
      const weekend = customer(running, channel);
      const closed = await askForExpert(weekend.say);
      expect(closed).toMatch(/chats live during business hours \(Mon-Fri 09:00-17:00, UTC\)/);
      expect(closed).toMatch(/Which email address/);
      expect((await running.app.handoffs.list({ limit: 100 })).length).toBe(before);
    } finally {
      clock = MONDAY;
    }
  });

  it('leaving the queue ("cancel") continues with the ticket dialog; the live chat ticket is closed with its outcome and linked', async () => {
    await onlineAgent('vic@example.com', 'L4');
    const leaver = customer(running, channel);
    await askForVendor(leaver.say);
    await leaver.say('Chat with a person now');
    const stayer = customer(running, channel);
    await askForVendor(stayer.say);
    expect(await stayer.say('Chat with a person now')).toMatch(/number 2 in the queue/);
    const leaving = (await running.app.handoffs.list({ tier: 'L4', state: 'queued', limit: 10 })).find((h) => h.conversationId === leaver.client.conversationId);
    expect(await leaver.say('I also tried rebooting the router')).toBe('');

    // Today's flow continues: no ticket is filed behind the customer's back, the ticket dialog asks.
    const left = await leaver.say('cancel');
    expect(left).toMatch(/you've left the queue\. Let's write your question down as a ticket/);
    expect(left).toMatch(/Which email address should they reply to\?/);
    expect(left).not.toMatch(/TD-\d+/);
    expect(await leaver.say('lea@example.com')).toMatch(/Here's the ticket I'd file:[\s\S]*Handled by:\*\* our partner team/);
    const filed = await leaver.say('File the ticket');
    const reference = /Done — your ticket is \*\*(TD-\d+)\*\*/.exec(filed)![1]!;
    const ticket = (await running.app.tickets.get(reference))!;
    expect(ticket).toMatchObject({ kind: 'ticket', tier: 'L4', status: 'new', customer: { email: 'lea@example.com' } });
    expect(ticket.description).toContain(`Follows up live chat request ${leaving!.ticketReference} (the customer left the queue).`);
    // The transcript is carried, including what the customer wrote while waiting.
    expect(ticket.transcript.map((line) => line.text)).toEqual(expect.arrayContaining(['I want to speak to someone', 'I also tried rebooting the router']));
    // The live chat's own ticket is not left open for nobody: closed, with its outcome and the follow-up's reference.
    const handoffTicket = (await running.app.tickets.get(leaving!.ticketReference))!;
    expect(handoffTicket).toMatchObject({ kind: 'handoff', status: 'closed' });
    expect(handoffTicket.comments.map((c) => c.text)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Outcome: cancelled — the customer left the live chat queue/), `Followed up as ticket ${reference}.`]),
    );
    expect((await running.app.handoffs.list({ tier: 'L4', limit: 10 })).find((h) => h.id === leaving!.id)?.state).toBe('cancelled');
    // The one behind moves up and is told.
    await channel.waitForText(stayer.client.conversationId, /You're now number 1 in the queue/);
    // Afterwards the bot is the bot again.
    expect(await leaver.say('how do I reset my password?')).toMatch(/Forgot password\?[\s\S]*Did this help\?/);
  });

  it('a queue timeout is told proactively; the next message starts the ticket dialog (L4) or the callback dialog (L2), once', async () => {
    const [stayer] = await running.app.handoffs.list({ tier: 'L4', state: 'queued', limit: 10 });
    expect(stayer).toBeDefined();
    const waiting = customer(running, channel, { conversationId: stayer!.conversationId, userId: stayer!.customer.userId });
    await onlineAgent('cleo@example.com', 'L2');
    const caller = customer(running, channel);
    expect(await caller.say('please call me back')).toMatch(/Someone from our technicians can chat with you live right now/);
    expect(await caller.say('Chat with a person now')).toMatch(/number 1 in the queue for our technicians/);
    const calling = (await running.app.handoffs.list({ tier: 'L2', state: 'queued', limit: 10 })).find((h) => h.conversationId === caller.client.conversationId);

    await running.app.handoffs.sweep(new Date(MONDAY.getTime() + 11 * 60_000));
    // Nobody is typing when the wait runs out: the bot says so on its own, without filing anything yet.
    const told = await channel.waitForText(waiting.client.conversationId, /nobody became free within 10 minutes/);
    expect(told).toMatch(/Send me any message and I'll write your question down as a ticket/);
    expect(told).not.toMatch(/TD-\d+/);
    await channel.waitForText(caller.client.conversationId, /nobody became free within 10 minutes\. Send me any message and I'll book a call from our technicians/);
    expect((await running.app.handoffs.list({ tier: 'L4', limit: 10 })).find((h) => h.id === stayer!.id)?.state).toBe('timed_out');
    const closed = (await running.app.tickets.get(stayer!.ticketReference))!;
    expect(closed.status).toBe('closed');
    expect(closed.comments.map((c) => c.text)).toEqual(expect.arrayContaining([expect.stringMatching(/^Outcome: timed out — no agent accepted the live chat within 10 minutes/)]));

    // L4: the next message starts the ticket dialog; after it, the bot answers normally again.
    expect(await waiting.say('ok')).toMatch(/Which email address should they reply to\?/);
    await waiting.say('sol@example.com');
    const filed = await waiting.say('File the ticket');
    const reference = /Done — your ticket is \*\*(TD-\d+)\*\*/.exec(filed)![1]!;
    expect((await running.app.tickets.get(reference))!.description).toContain(`Follows up live chat request ${stayer!.ticketReference} (no agent became free in time).`);
    expect((await running.app.tickets.get(stayer!.ticketReference))!.comments.at(-1)!.text).toBe(`Followed up as ticket ${reference}.`);
    expect(await waiting.say('how do I reset my password?')).toMatch(/Forgot password\?[\s\S]*Did this help\?/);

    // L2: the callback dialog (phone, then a slot), exactly as when nobody is available.
    expect(await caller.say('sure')).toMatch(/What number should our technician call\?/);
    expect(await caller.say('+44 20 7946 0958')).toMatch(/When should we call\?/);
    const booked = await caller.say('the first one');
    const callback = /Booked — \*\*(TD-\d+)\*\*/.exec(booked)![1]!;
    expect(await running.app.tickets.get(callback)).toMatchObject({ kind: 'callback', tier: 'L2', customer: { phone: '+442079460958' } });
    expect((await running.app.tickets.get(calling!.ticketReference))!.comments.at(-1)!.text).toBe(`Followed up as callback ${callback}.`);
  });

  it('"cancel" as the first message after a timeout files nothing and the bot carries on', async () => {
    await onlineAgent('max@example.com', 'L1');
    const { say, client } = customer(running, channel);
    const first = await say('I want to speak to someone');
    expect(/what kind of help/.test(first) ? await say('A question for the support team') : first).toMatch(/can chat with you live right now/);
    expect(await say('Chat with a person now')).toMatch(/number 1 in the queue/);
    const before = (await running.app.tickets.list({ limit: 1, offset: 0 })).total;
    await running.app.handoffs.sweep(new Date(MONDAY.getTime() + 11 * 60_000));
    await channel.waitForText(client.conversationId, /nobody became free within 10 minutes/);
    expect(await say('cancel')).toMatch(/nothing was filed/);
    expect(await say('how do I reset my password?')).toMatch(/Forgot password\?[\s\S]*Did this help\?/);
    expect((await running.app.tickets.list({ limit: 1, offset: 0 })).total).toBe(before);
  });

  it('"I want to speak to someone" and other phrasings (en, pt, pl) lead to the human path, not a search', async () => {
    // The tier question, or (when the classifier is sure) the live chat offer or its honest "nobody is free" + the ticket / callback.
    const starts = [en, pt, pl].flatMap((t) => [
      t.tierQuestion,
      t.askEmail,
      t.askPhone,
      ...Object.values(t.tierTeams).flatMap((team) => [t.liveChatOffer(team), t.liveChatNobodyFree(team)]),
    ]);
    for (const phrasing of ['I want to speak to someone', 'talk to a human', 'agent please', 'can I speak to a real person?', 'quero falar com um atendente', 'chcę porozmawiać z konsultantem']) {
      const { say } = customer(running, channel);
      const reply = await say(phrasing);
      expect(starts.some((start) => reply.includes(start)), `${phrasing} → ${reply}`).toBe(true);
    }
  });

  it('works for a Web Chat / widget customer too: agent lines arrive through the self-hosted Direct Line, customer typing reaches the agent', async () => {
    const bob = await onlineAgent('bob@example.com', 'L2');
    const dl = new DirectLineTestClient(running.baseUrl);
    const generated = await dl.generateToken(DIRECTLINE_SECRET);
    const { conversationId, token } = await dl.start(generated.token);
    const texts = async () => (await dl.allPages(conversationId, token)).flatMap((page) => page.activities).filter((a) => a.from.role === 'bot').map((a) => [a.text, ...(a.attachments ?? []).map((c) => c.content.text)].filter(Boolean).join('\n'));
    const waitFor = async (pattern: RegExp) => {
      await expect.poll(async () => (await texts()).some((t) => pattern.test(t)), { timeout: 5000 }).toBe(true);
    };
    // "Call me back" picks L2 (technicians) without asking.
    await dl.say(conversationId, token, 'please call me back');
    await waitFor(/Someone from our technicians can chat with you live right now/);
    await dl.say(conversationId, token, 'Chat with a person now');
    await waitFor(/You're number 1 in the queue for our technicians/);
    const { queued } = await bob.json<{ queued: HandoffView[] }>('GET', '/agent/api/handoffs');
    const mine = queued.find((h) => h.tier === 'L2')!;
    await bob.json('POST', `/agent/api/handoffs/${mine.id}/accept`);
    await waitFor(/Bob from our technicians has joined the chat/);
    await dl.say(conversationId, token, 'Hello Bob');
    await bob.waitForEvent((e) => e.event === 'message' && (e.data as { message: { text: string } }).message.text === 'Hello Bob');

    // The customer's typing reaches Bob's console over Direct Line...
    const logged = async () => (await dl.allPages(conversationId, token)).flatMap((page) => page.activities);
    const [loggedBefore, transcriptBefore] = [(await logged()).length, (await running.app.stores.transcripts.read('directline', conversationId)).length];
    await dl.post(conversationId, token, { type: 'typing', from: { id: 'ignored-by-server', role: 'user' } });
    await bob.waitForEvent((e) => e.event === 'typing' && (e.data as { handoffId: string }).handoffId === mine.id);
    // ...from its own budget: a typing flood is capped (429) while the customer's next message still goes through.
    const typingStatuses: number[] = [];
    for (let i = 0; i < 35; i += 1) typingStatuses.push((await dl.request('POST', `/conversations/${conversationId}/activities`, token, { type: 'typing' })).status);
    expect(typingStatuses.slice(0, 29)).toEqual(Array(29).fill(200));
    expect(typingStatuses.at(-1)).toBe(429);
    // Nothing of it is kept: not in the Direct Line log a reloaded page replays, not in the transcript.
    expect((await logged()).length).toBe(loggedBefore);
    expect((await running.app.stores.transcripts.read('directline', conversationId)).length).toBe(transcriptBefore);
    await dl.say(conversationId, token, 'Still there?');
    await bob.waitForEvent((e) => e.event === 'message' && (e.data as { message: { text: string } }).message.text === 'Still there?');
    await bob.json('POST', `/agent/api/handoffs/${mine.id}/messages`, { text: 'Hi! What number should I call?' });
    await waitFor(/^Hi! What number should I call\?$/);
    const delivered = await bob.waitForEvent((e) => e.event === 'message' && (e.data as { message: { text: string; delivered?: boolean } }).message.delivered === true);
    expect((delivered.data as { message: { from: string } }).message.from).toBe('agent');
  });
});

describe('live handoff across a restart of the bot process', () => {
  let running: RunningApp;
  let channel: CapturingChannel;
  beforeAll(async () => {
    channel = new CapturingChannel();
    await channel.start();
  });
  afterAll(async () => {
    await running?.stop();
    await channel.stop();
  });

  async function onlineAgent(email: string, tiers: string): Promise<ConsoleClient> {
    await addAgent(running.app.agents, { name: email.split('@')[0]!.replace(/^./, (c) => c.toUpperCase()), email, tiers });
    const console = await ConsoleClient.signIn(running.baseUrl, email);
    await console.json('PUT', '/agent/api/me', { status: 'online' });
    await console.connect();
    return console;
  }

  it('a restart between the customer message and the agent reply loses nothing; a queued customer survives too', async () => {
    const dataDir = tempDir();
    running = await startTestApp(ALWAYS_OPEN, {}, dataDir);
    const ana = await onlineAgent('ana@example.com', 'L3');
    const first = customer(running, channel);
    await askForExpert(first.say);
    await first.say('Chat with a person now');
    const second = customer(running, channel);
    await askForExpert(second.say);
    expect(await second.say('Chat with a person now')).toMatch(/number 2 in the queue/);
    const { queued } = await ana.json<{ queued: HandoffView[] }>('GET', '/agent/api/handoffs');
    await ana.json('POST', `/agent/api/handoffs/${queued[0]!.id}/accept`);
    expect(await first.say('Here is my log: E1234')).toBe('');

    // The customer's channel is down when the agent answers: the line is stored, not delivered yet.
    channel.failWith = 403;
    await ana.json('POST', `/agent/api/handoffs/${queued[0]!.id}/messages`, { text: 'Looking at E1234 now.' });
    await running.app.handoffs.idle();
    const pending = await ana.json<{ messages: { text: string; delivered?: boolean }[] }>('GET', `/agent/api/handoffs/${queued[0]!.id}`);
    expect(pending.messages.find((m) => m.text === 'Looking at E1234 now.')?.delivered).toBe(false);

    ana.disconnect();
    await running.stop({ keepData: true });
    channel.failWith = undefined;
    running = await startTestApp(ALWAYS_OPEN, {}, dataDir);
    // Retried from the outbox on start.
    await channel.waitForText(first.client.conversationId, /^Looking at E1234 now\.$/);

    // The same cookie still works (sessions are in the database); the chat and the queue are intact.
    const back = new ConsoleClient(running.baseUrl);
    Object.assign(back, { cookie: ana.cookie, csrfToken: ana.csrfToken });
    await back.connect();
    const inbox = await back.json<{ queued: HandoffView[]; active: HandoffView[] }>('GET', '/agent/api/handoffs');
    expect(inbox.active.map((h) => h.id)).toEqual([queued[0]!.id]);
    expect(inbox.queued.map((h) => h.id)).toEqual([queued[1]!.id]);
    const detail = await back.json<{ messages: { from: string; text: string }[] }>('GET', `/agent/api/handoffs/${queued[0]!.id}`);
    expect(detail.messages.map((m) => `${m.from}: ${m.text}`)).toContain('customer: Here is my log: E1234');

    await back.json('POST', `/agent/api/handoffs/${queued[0]!.id}/messages`, { text: 'Thanks, E1234 is a known issue.' });
    await channel.waitForText(first.client.conversationId, /E1234 is a known issue/);
    // The conversation continues after the restart: still relayed, not answered by the bot.
    const again = customer(running, channel, { conversationId: first.client.conversationId, userId: first.client.userId });
    expect(await again.say('great, thanks')).toBe('');
    await back.waitForEvent((e) => e.event === 'message' && (e.data as { message: { text: string } }).message.text === 'great, thanks');
      back.disconnect();
  }, 120_000);
});
