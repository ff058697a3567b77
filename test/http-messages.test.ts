import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExpectRepliesClient, heroCard } from './support/bot-client.js';
import { startTestApp, type RunningApp } from './support/test-app.js';

const CREATE_USER_TITLE = 'How do I create a new user?';
const DEACTIVATE_USER_TITLE = 'How do I deactivate a user who left the company?';

describe('POST /api/messages (real server on loopback, no channel auth)', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startTestApp();
  });
  afterAll(async () => {
    await running.stop();
  });

  it('answers a level-0 question with a card citing the right article and asking whether it helped', async () => {
    const client = new ExpectRepliesClient(running.baseUrl);
    const replies = await client.say('How do I request a new password?');
    const card = heroCard(replies[0]);
    expect(card?.title).toBe('How do I request a new password?');
    expect(card?.text).toContain('Forgot password?');
    expect(card?.text).toContain('Did this help?');
    expect(card?.buttons?.map((b) => b.title)).toEqual(['Read the full article', 'Yes, that helped', 'No']);
    expect(card?.buttons?.[0]?.value).toBe('https://docs.foldera.example/accounts/password-reset');
  });

  it('stores a "Did this help?" click', async () => {
    const client = new ExpectRepliesClient(running.baseUrl);
    const [answer] = await client.say('Which databases are supported?');
    const yes = heroCard(answer)?.buttons?.find((b) => b.title === 'Yes, that helped');
    expect(yes).toBeDefined();
    const replies = await client.click(yes!.value);
    expect(replies[0]?.text).toMatch(/Thanks for letting me know/);
    const rows = running.app.db.prepare('SELECT article_id, helpful, conversation_id FROM feedback').all();
    expect(rows).toContainEqual({ article_id: 'supported-databases', helpful: 1, conversation_id: client.conversationId });
  });

  it('takes a typed "no" as feedback on a text-only channel and says what happens next', async () => {
    const client = new ExpectRepliesClient(running.baseUrl, 'sms');
    const [answer] = await client.say('How do I create a new user?');
    expect(answer?.text).toContain('Did this help? Reply "yes" or "no".');
    const replies = await client.say('no');
    expect(replies[0]?.text).toBe("Sorry that didn't help.");
    // …and it moves on to getting human help instead of leaving the customer there.
    expect(replies.map((r) => r.text).join('\n')).toMatch(/what kind of help do you need|Which email address/);
    const row = running.app.db.prepare('SELECT helpful FROM feedback WHERE conversation_id = ?').get(client.conversationId);
    expect(row).toEqual({ helpful: 0 });
  });

  it('asks "did you mean" on a close call and answers the article the customer picks', async () => {
    const client = new ExpectRepliesClient(running.baseUrl);
    const [choices] = await client.say('new user account');
    const card = heroCard(choices);
    expect(card?.title).toBe('Did you mean…');
    expect(card?.buttons?.map((b) => b.title)).toEqual([CREATE_USER_TITLE, DEACTIVATE_USER_TITLE, 'None of these']);
    const [answer] = await client.click(card!.buttons![0]!.value);
    expect(heroCard(answer)?.title).toBe(CREATE_USER_TITLE);

    const other = new ExpectRepliesClient(running.baseUrl);
    const [again] = await other.say('new user account');
    const none = heroCard(again)!.buttons!.find((b) => b.title === 'None of these')!;
    // Escalates: straight to a ticket or callback when the tier is clear, otherwise it asks which help.
    expect((await other.click(none.value)).map((r) => r.text).join('\n')).toMatch(/what kind of help do you need|I can file a ticket|What number/);
  });

  it('accepts a typed number as the "did you mean" choice on a text-only channel', async () => {
    const client = new ExpectRepliesClient(running.baseUrl, 'sms');
    const [choices] = await client.say('new user account');
    expect(choices?.text).toContain(`1. ${CREATE_USER_TITLE}\n2. ${DEACTIVATE_USER_TITLE}`);
    const [answer] = await client.say('2');
    expect(answer?.text?.startsWith(DEACTIVATE_USER_TITLE)).toBe(true);
  });

  it('does not guess when nothing matches: it says so and asks what kind of help is needed', async () => {
    const client = new ExpectRepliesClient(running.baseUrl);
    const replies = await client.say('zebra quantum lasagna');
    expect(replies[0]?.text).toMatch(/not confident/);
    expect(replies.map((r) => r.text ?? heroCard(r)?.text).join('\n')).toMatch(/what kind of help do you need/);
    expect(replies.some((r) => heroCard(r)?.title !== undefined)).toBe(false); // no article cited
  });

  it('never hands internal state snapshots (trace activities) to the caller', async () => {
    const client = new ExpectRepliesClient(running.baseUrl);
    const replies = [...(await client.say('How do I request a new password?')), ...(await client.say('yes'))];
    expect(replies.length).toBeGreaterThan(1);
    expect(replies.filter((r) => r.type !== 'message')).toEqual([]);
  });

  it('greets a customer who joins the conversation', async () => {
    const client = new ExpectRepliesClient(running.baseUrl);
    const replies = await client.send({ type: 'conversationUpdate', membersAdded: [{ id: client.userId }] });
    expect(replies[0]?.text).toMatch(/support assistant/);
  });

  it('serves /health and /ready with the knowledge status', async () => {
    const health = await fetch(`${running.baseUrl}/health`);
    expect(health.status).toBe(200);
    const body = (await health.json()) as { status: string; knowledge: { state: string; articles: number } };
    expect(body.status).toBe('ok');
    expect(body.knowledge.state).toBe('ready');
    expect(body.knowledge.articles).toBeGreaterThanOrEqual(40);
    expect((await fetch(`${running.baseUrl}/ready`)).status).toBe(200);
  });

  it('refuses an oversized request with 413 and a malformed one with 400', async () => {
    const big = await fetch(`${running.baseUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'message', text: 'x'.repeat(300_000) }),
    });
    expect(big.status).toBe(413);
    const malformed = await fetch(`${running.baseUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"type": "message", ',
    });
    expect(malformed.status).toBe(400);
  });
});

describe('POST /api/messages with channel auth (MICROSOFT_APP_ID set)', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startTestApp({ MICROSOFT_APP_ID: '00000000-0000-0000-0000-000000000001', MICROSOFT_APP_PASSWORD: 'not-a-real-secret' });
  });
  afterAll(async () => {
    await running.stop();
  });

  it('refuses a message without a token with 401', async () => {
    const response = await new ExpectRepliesClient(running.baseUrl).post({ type: 'message', text: 'hello' });
    expect(response.status).toBe(401);
  });

  it('refuses a message with a token that is not a Bot Framework JWT with 401, and no turn runs', async () => {
    const client = new ExpectRepliesClient(running.baseUrl);
    const response = await client.post({ type: 'message', text: 'hello' }, { authorization: 'Bearer not.a.token' });
    expect(response.status).toBe(401);
    expect(await response.text()).not.toContain('activities');
  });
});
