import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATED_SECRET_FILE } from '../src/directline/site-secret.js';
import { DirectLineTokens } from '../src/directline/tokens.js';
import { DirectLineTestClient, heroCardOf, StreamRecorder, type DirectLineActivity } from './support/directline-client.js';
import { startTestApp, tempDir, type RunningApp } from './support/test-app.js';

const SECRET = 'test-site-secret-0123456789-abcdefghijklmnop';
const PASSWORD_QUESTION = 'How do I request a new password?';

describe('Direct Line 3.0 endpoint (real HTTP and websocket on loopback)', () => {
  let running: RunningApp;
  let client: DirectLineTestClient;
  beforeAll(async () => {
    running = await startTestApp({ DIRECTLINE_SECRET: SECRET, DIRECTLINE_TOKEN_TTL_SECONDS: '600' });
    client = new DirectLineTestClient(running.baseUrl);
  });
  afterAll(async () => {
    await running.stop();
  });

  /** A started conversation with the token the start returned. */
  async function conversation() {
    const generated = await client.generateToken(SECRET);
    const started = await client.start(generated.token);
    expect(started.conversationId).toBe(generated.conversationId);
    return started;
  }

  it('exchanges the site secret for a conversation token, and refuses anything else with 401 JSON', async () => {
    const generated = await client.generateToken(SECRET, { id: 'dl_alice', name: 'Alice' });
    expect(generated.conversationId).toMatch(/^dl-/);
    expect(generated.expires_in).toBe(600);
    const claims = JSON.parse(Buffer.from(generated.token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    // Web Chat reads the user id from the token's "user" claim.
    expect(claims).toMatchObject({ conv: generated.conversationId, user: 'dl_alice' });

    const wrong = await client.request('POST', '/tokens/generate', 'not-the-secret');
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: { code: 'BadSecret' } });
    const missing = await client.request('POST', '/tokens/generate');
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ error: { code: 'MissingToken' } });
    // A conversation token is not the site secret.
    expect((await client.request('POST', '/tokens/generate', generated.token)).status).toBe(401);
  });

  it('starts a conversation with a greeting from the bot and a websocket stream URL', async () => {
    const started = await conversation();
    expect(started.streamUrl).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:\\d+/v3/directline/conversations/${started.conversationId}/stream\\?watermark=0&t=`));
    const { activities, watermark } = await client.activities(started.conversationId, started.token);
    expect(activities).toHaveLength(1);
    expect(activities[0]).toMatchObject({ type: 'message', from: { role: 'bot', name: 'tierdesk' }, conversation: { id: started.conversationId } });
    expect(activities[0]?.text).toMatch(/support assistant/);
    expect(watermark).toBe('1');
    // Starting again with the same token is idempotent: no second greeting.
    const again = await client.request('POST', '/conversations', started.token, {});
    expect(again.status).toBe(200);
    expect((await client.activities(started.conversationId, started.token)).activities).toHaveLength(1);
  });

  it("answers through the same bot: the reply arrives via GET activities, after the customer's own message echoed with its client id", async () => {
    const { conversationId, token } = await conversation();
    const { watermark } = await client.activities(conversationId, token);
    const id = await client.say(conversationId, token, PASSWORD_QUESTION, 'client-1');
    expect(id).toBe(`${conversationId}|0000002`);

    const { activities } = await client.activities(conversationId, token, watermark);
    const [echo, answer] = activities;
    expect(echo).toMatchObject({ id, text: PASSWORD_QUESTION, from: { role: 'user' }, channelData: { clientActivityID: 'client-1' } });
    // The server, not the client, says who the sender is.
    expect(echo?.from.id).toMatch(/^dl_/);
    expect(answer?.from.role).toBe('bot');
    expect(answer?.replyToId).toBe(id);
    expect(heroCardOf(answer)?.title).toBe(PASSWORD_QUESTION);
    expect(heroCardOf(answer)?.buttons?.map((b) => b.title)).toEqual(['Read the full article', 'Yes, that helped', 'No']);
  });

  it('pushes the answer and the thanks for feedback over the websocket', async () => {
    const { conversationId, token, streamUrl } = await conversation();
    const stream = await StreamRecorder.open(streamUrl);
    try {
      await stream.waitFor((a) => /support assistant/.test(a.text ?? ''));
      await client.say(conversationId, token, PASSWORD_QUESTION);
      const answer = await stream.waitFor((a) => heroCardOf(a) !== undefined);
      expect(heroCardOf(answer)?.title).toBe(PASSWORD_QUESTION);

      const yes = heroCardOf(answer)?.buttons?.find((b) => b.title === 'Yes, that helped');
      await client.post(conversationId, token, { type: 'message', text: '', value: yes?.value, channelData: { messageBack: { displayText: 'Yes, that helped' } } });
      await stream.waitFor((a) => /Thanks for letting me know/.test(a.text ?? ''));

      // Every frame carries the watermark of its last activity, and nothing arrives twice.
      const ids = stream.activities.map((a) => a.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(stream.frames.at(-1)?.watermark).toBe(String(ids.length));
      const row = running.app.db.prepare('SELECT helpful, channel_id FROM feedback WHERE conversation_id = ?').get(conversationId);
      expect(row).toEqual({ helpful: 1, channel_id: 'directline' });
    } finally {
      await stream.close();
    }
  });

  it('reconnects: GET conversation returns a fresh token and a stream URL that resumes after the watermark', async () => {
    const { conversationId, token } = await conversation();
    await client.say(conversationId, token, PASSWORD_QUESTION);
    const reconnect = await client.json<{ token: string; streamUrl: string; conversationId: string }>(
      await client.request('GET', `/conversations/${conversationId}?watermark=1`, token),
      200,
    );
    expect(reconnect.conversationId).toBe(conversationId);
    expect(reconnect.streamUrl).toContain('watermark=1&t=');
    const stream = await StreamRecorder.open(reconnect.streamUrl);
    try {
      await stream.waitFor((a) => heroCardOf(a) !== undefined);
      // The greeting (position 1) is not sent again.
      expect(stream.activities.map((a) => a.id)).toEqual([`${conversationId}|0000002`, `${conversationId}|0000003`]);
    } finally {
      await stream.close();
    }
  });

  it('refuses a token for conversation A on conversation B with 403, on every endpoint including the stream', async () => {
    const a = await conversation();
    const b = await conversation();
    const forbidden = [
      await client.request('GET', `/conversations/${b.conversationId}/activities`, a.token),
      await client.request('POST', `/conversations/${b.conversationId}/activities`, a.token, { type: 'message', text: 'hi' }),
      await client.request('GET', `/conversations/${b.conversationId}`, a.token),
    ];
    for (const response of forbidden) {
      expect(response.status).toBe(403);
      expect(await response.json()).toMatchObject({ error: { code: 'Forbidden' } });
    }
    const streamOfB = b.streamUrl.replace(encodeURIComponent(b.token), encodeURIComponent(a.token));
    await expect(StreamRecorder.open(streamOfB)).rejects.toMatchObject({ status: 403 });
    // Nothing was posted to B.
    expect((await client.activities(b.conversationId, b.token)).activities).toHaveLength(1);
  });

  it('refuses expired tokens with 403 and forged ones with 401, with a JSON error', async () => {
    const { conversationId, token, streamUrl } = await conversation();
    const anHourAgo = () => new Date(Date.now() - 3_600_000);
    const expired = (await new DirectLineTokens(SECRET, 60, anHourAgo).issue(conversationId, 'dl_someone')).token;
    const forged = (await new DirectLineTokens('another-secret-0123456789-abcdefghijklmnop', 600).issue(conversationId, 'dl_someone')).token;
    const [header, payload] = token.split('.');
    const unsigned = `${header}.${payload}.`;

    for (const [credential, status, code] of [
      [expired, 403, 'TokenExpired'],
      [forged, 401, 'BadToken'],
      [unsigned, 401, 'BadToken'],
      ['garbage', 401, 'BadToken'],
    ] as const) {
      for (const response of [
        await client.request('GET', `/conversations/${conversationId}/activities`, credential),
        await client.request('POST', `/conversations/${conversationId}/activities`, credential, { type: 'message', text: 'hi' }),
        await client.request('POST', '/tokens/refresh', credential),
      ]) {
        expect(response.status, `${code} on ${response.url}`).toBe(status);
        expect(await response.json()).toMatchObject({ error: { code } });
      }
      await expect(StreamRecorder.open(streamUrl.replace(encodeURIComponent(token), encodeURIComponent(credential)))).rejects.toMatchObject({ status });
    }
    const noToken = await client.request('GET', `/conversations/${conversationId}/activities`);
    expect(noToken.status).toBe(401);
  });

  it('refreshes a valid token for the same conversation and user', async () => {
    const { conversationId, token } = await conversation();
    const refreshed = await client.json<{ conversationId: string; token: string; expires_in: number }>(await client.request('POST', '/tokens/refresh', token), 200);
    expect(refreshed.conversationId).toBe(conversationId);
    expect(refreshed.expires_in).toBe(600);
    expect((await client.activities(conversationId, refreshed.token)).activities.length).toBeGreaterThan(0);
  });

  it('returns every activity exactly once when paging by watermark, across page boundaries and while the log grows', async () => {
    const { conversationId, token } = await conversation();
    const seen: DirectLineActivity[] = [];
    let watermark = '';
    for (let i = 0; i < 60; i++) {
      await client.say(conversationId, token, i % 2 === 0 ? `zebra quantum lasagna ${i}` : PASSWORD_QUESTION);
      if (i % 7 === 0) {
        for (const page of await client.allPages(conversationId, token, watermark)) {
          seen.push(...page.activities);
          watermark = page.watermark;
        }
      }
    }
    for (const page of await client.allPages(conversationId, token, watermark)) {
      seen.push(...page.activities);
      watermark = page.watermark;
    }

    // Over 100 activities: at least one full page and one more.
    const fromScratch = await client.allPages(conversationId, token);
    expect(fromScratch.length).toBeGreaterThanOrEqual(2);
    expect(fromScratch[0]?.activities).toHaveLength(100);
    const all = fromScratch.flatMap((page) => page.activities);
    expect(all.length).toBeGreaterThan(100);
    expect(new Set(all.map((a) => a.id)).size).toBe(all.length);
    expect(seen.map((a) => a.id)).toEqual(all.map((a) => a.id));
    expect(watermark).toBe(String(all.length));
    expect((await client.activities(conversationId, token, watermark)).activities).toEqual([]);
    expect(all.filter((a) => a.from.role === 'user')).toHaveLength(60);
  });

  it('answers bad requests with 400 naming the field, oversize with 413, unknown conversations with 404', async () => {
    const { conversationId, token } = await conversation();
    const badType = await client.request('POST', `/conversations/${conversationId}/activities`, token, { type: 'teleport', text: 'hi' });
    expect(badType.status).toBe(400);
    expect(await badType.json()).toMatchObject({ error: { code: 'BadArgument', field: 'type' } });

    const badText = await client.request('POST', `/conversations/${conversationId}/activities`, token, { type: 'message', text: 42 });
    expect(badText.status).toBe(400);
    expect(await badText.json()).toMatchObject({ error: { field: 'text' } });

    const badWatermark = await client.request('GET', `/conversations/${conversationId}/activities?watermark=abc`, token);
    expect(badWatermark.status).toBe(400);
    expect(await badWatermark.json()).toMatchObject({ error: { field: 'watermark' } });

    const badUser = await client.request('POST', '/tokens/generate', SECRET, { user: { id: 'has spaces' } });
    expect(badUser.status).toBe(400);
    expect(await badUser.json()).toMatchObject({ error: { field: 'user.id' } });

    const oversize = await client.request('POST', `/conversations/${conversationId}/activities`, token, { type: 'message', text: 'x'.repeat(300_000) });
    expect(oversize.status).toBe(413);

    // A valid token for a conversation that was never started.
    const notStarted = await client.generateToken(SECRET);
    const unknown = await client.request('GET', `/conversations/${notStarted.conversationId}/activities`, notStarted.token);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'NotFound' } });
  });

  it('gives the chat page a token without the secret, and resumes its conversation only with that conversation’s valid token', async () => {
    const session = (body: unknown) =>
      fetch(`${running.baseUrl}/api/webchat/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    type Session = { conversationId: string; token: string; expiresIn: number; resumed: boolean };

    const fresh = (await (await session({})).json()) as Session;
    expect(fresh).toMatchObject({ resumed: false, expiresIn: 600 });
    expect(JSON.stringify(fresh)).not.toContain(SECRET);
    // Web Chat starts it with the token, as createDirectLine({ token }) does.
    const started = await client.start(fresh.token);
    expect(started.conversationId).toBe(fresh.conversationId);

    const resumed = (await (await session({ conversationId: fresh.conversationId, token: fresh.token })).json()) as Session;
    expect(resumed).toMatchObject({ resumed: true, conversationId: fresh.conversationId });
    expect((await client.activities(resumed.conversationId, resumed.token)).activities[0]?.text).toMatch(/support assistant/);

    const other = await conversation();
    const foreign = (await (await session({ conversationId: other.conversationId, token: fresh.token })).json()) as Session;
    expect(foreign.resumed).toBe(false);
    expect([fresh.conversationId, other.conversationId]).not.toContain(foreign.conversationId);

    const expired = (await new DirectLineTokens(SECRET, 60, () => new Date(Date.now() - 3_600_000)).issue(fresh.conversationId, 'dl_x')).token;
    expect(((await (await session({ conversationId: fresh.conversationId, token: expired })).json()) as Session).resumed).toBe(false);

    const bad = await session({ conversationId: '../../etc', token: 'x' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { field: 'conversationId' } });
  });

  it('answers CORS preflights, so a page on another origin can use a token its own server fetched', async () => {
    const preflight = await fetch(`${running.baseUrl}/v3/directline/conversations`, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
  });

  it('lets a server holding the site secret start a conversation directly', async () => {
    const started = await client.start(SECRET);
    expect(started.conversationId).toMatch(/^dl-/);
    const { activities } = await client.activities(started.conversationId, started.token);
    expect(activities[0]?.text).toMatch(/support assistant/);
  });
});

describe('Direct Line without a configured secret, across a restart', () => {
  it('generates and keeps a site secret, and the conversation and its history survive an app restart', async () => {
    const dataDir = tempDir();
    let running = await startTestApp({}, {}, dataDir);
    try {
      const secretFile = path.join(dataDir, GENERATED_SECRET_FILE);
      expect(existsSync(secretFile)).toBe(true);
      const secret = readFileSync(secretFile, 'utf8').trim();
      expect(secret.length).toBeGreaterThanOrEqual(32);

      let client = new DirectLineTestClient(running.baseUrl);
      const { conversationId, token } = await client.start((await client.generateToken(secret)).token);
      await client.say(conversationId, token, PASSWORD_QUESTION);
      const before = await client.activities(conversationId, token);
      expect(before.activities).toHaveLength(3);

      await running.stop({ keepData: true });
      running = await startTestApp({}, {}, dataDir);
      client = new DirectLineTestClient(running.baseUrl);

      // Same secret, so the old token still works; the log and its watermarks are intact.
      const after = await client.activities(conversationId, token);
      expect(after).toEqual(before);
      const reconnect = await client.json<{ streamUrl: string }>(await client.request('GET', `/conversations/${conversationId}?watermark=`, token), 200);
      const stream = await StreamRecorder.open(reconnect.streamUrl);
      try {
        await stream.waitFor((a) => heroCardOf(a) !== undefined);
        expect(stream.activities.map((a) => a.id)).toEqual(before.activities.map((a) => a.id));
        // The dialog state survived too: "yes" is taken as feedback on the answer from before the restart.
        await client.say(conversationId, token, 'yes');
        await stream.waitFor((a) => /Thanks for letting me know/.test(a.text ?? ''));
        expect(stream.activities.at(-1)?.id).toBe(`${conversationId}|0000005`);
      } finally {
        await stream.close();
      }
    } finally {
      await running.stop();
    }
  });
});
