import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenBucketLimiter } from '../src/security/rate-limiter.js';
import { TYPING_PER_MINUTE } from '../src/security/request-limits.js';
import { ExpectRepliesClient } from './support/bot-client.js';
import { DirectLineTestClient } from './support/directline-client.js';
import { startTestApp, type RunningApp } from './support/test-app.js';

describe('token bucket limiter', () => {
  it('serves a burst up to capacity, then refuses with the seconds until a token is back', () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ capacity: 3, refillPerSecond: 0.5, now: () => now });
    expect([1, 2, 3].map(() => limiter.take('a').allowed)).toEqual([true, true, true]);
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: 2 });
    now += 2000;
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
  });

  it('keeps one bucket per key', () => {
    const now = 0;
    const limiter = new TokenBucketLimiter({ capacity: 1, refillPerSecond: 1, now: () => now });
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
    expect(limiter.take('b').allowed).toBe(true);
  });

  it('never refills beyond capacity after a long quiet time', () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ capacity: 2, refillPerSecond: 1, now: () => now });
    limiter.take('a');
    now += 3_600_000;
    expect(limiter.take('a')).toEqual({ allowed: true, remaining: 1 });
    expect(limiter.take('a')).toEqual({ allowed: true, remaining: 0 });
    expect(limiter.take('a').allowed).toBe(false);
  });

  it('bounds memory: a flood of distinct keys keeps at most maxKeys buckets', () => {
    const now = 0;
    const limiter = new TokenBucketLimiter({ capacity: 1, refillPerSecond: 1, maxKeys: 100, now: () => now });
    for (let i = 0; i < 10_000; i += 1) limiter.take(`key-${i}`);
    expect(limiter.size).toBeLessThanOrEqual(100);
    // the most recent key is still limited
    expect(limiter.take('key-9999').allowed).toBe(false);
  });

  it('forgets idle keys whose bucket has refilled', () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ capacity: 1, refillPerSecond: 1, now: () => now });
    for (let i = 0; i < 500; i += 1) limiter.take(`idle-${i}`);
    now += 10_000;
    for (let i = 0; i < 1000; i += 1) limiter.take('busy');
    expect(limiter.size).toBe(1);
  });
});

describe('rate limits over HTTP (real server on loopback)', () => {
  let running: RunningApp;
  let started: { conversationId: string; token: string };
  const API_TOKEN = 'rate-limit-test-token-0123456789';
  const SITE_SECRET = 'rate-limit-test-site-secret-0123456789abcdef';
  beforeAll(async () => {
    running = await startTestApp({
      API_TOKENS: API_TOKEN,
      DIRECTLINE_SECRET: SITE_SECRET,
      RATE_LIMIT_SESSIONS_PER_MINUTE: '5',
      RATE_LIMIT_MESSAGES_PER_MINUTE: '4',
      RATE_LIMIT_API_PER_MINUTE: '3',
    });
    // One conversation started up front: it spends 1 of the address's 5 tokens.
    const directLine = new DirectLineTestClient(running.baseUrl);
    started = await directLine.json(await directLine.request('POST', '/conversations', SITE_SECRET));
  });
  afterAll(async () => {
    await running.stop();
  });

  const session = (headers: Record<string, string> = {}) =>
    fetch(`${running.baseUrl}/api/webchat/session`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });

  it('serves 5 chat sessions (or Direct Line conversations) per minute to one address, then answers 429 with Retry-After and the JSON error', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await session()).status);
    expect(statuses).toEqual([200, 200, 200, 200]);
    const refused = await session();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toEqual({ error: { code: 'rate_limited', message: expect.stringMatching(/Too many requests/) } });
    // The Direct Line token and conversation routes share the per-address budget.
    const token = await fetch(`${running.baseUrl}/v3/directline/tokens/generate`, { method: 'POST', headers: { authorization: `Bearer ${SITE_SECRET}` } });
    expect(token.status).toBe(429);
    expect(token.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY is set (a client cannot pick a fresh address per request)', async () => {
    const spoofed = await session({ 'x-forwarded-for': '203.0.113.77' });
    expect(spoofed.status).toBe(429);
  });

  it('limits messages per conversation on Direct Line and /api/messages, not per customer; typing has its own budget', async () => {
    const directLine = new DirectLineTestClient(running.baseUrl);
    const activities = `/conversations/${started.conversationId}/activities`;
    // A customer typing (Web Chat sends one every 3 s) spends none of the messages' budget…
    const typed = [];
    for (let i = 0; i < TYPING_PER_MINUTE + 1; i += 1) typed.push((await directLine.request('POST', activities, started.token, { type: 'typing' })).status);
    // …but a typing flood is capped by its own.
    expect(typed.slice(0, TYPING_PER_MINUTE)).toEqual(Array(TYPING_PER_MINUTE).fill(200));
    expect(typed.at(-1)).toBe(429);
    const posted = [];
    for (let i = 0; i < 5; i += 1) posted.push((await directLine.request('POST', activities, started.token, { type: 'event', name: 'ping' })).status);
    expect(posted).toEqual([200, 200, 200, 200, 429]);

    const one = new ExpectRepliesClient(running.baseUrl);
    const other = new ExpectRepliesClient(running.baseUrl);
    const event = { type: 'event', name: 'ping' };
    expect((await one.post({ type: 'typing' })).status).toBe(200);
    const statuses = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await one.post(event)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    expect((await other.post(event)).status).toBe(200);
  });

  it('limits the staff API per bearer token', async () => {
    const list = (token: string) => fetch(`${running.baseUrl}/api/tickets`, { headers: { authorization: `Bearer ${token}` } });
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await list(API_TOKEN)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    // Another (wrong) token has its own budget and still learns it is wrong.
    expect((await list('some-other-token-entirely')).status).toBe(401);
  });
});

describe('rate limits behind a trusted proxy (TRUST_PROXY=true)', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startTestApp({ TRUST_PROXY: 'true', RATE_LIMIT_SESSIONS_PER_MINUTE: '2' });
  });
  afterAll(async () => {
    await running.stop();
  });

  it('keys the per-address limit on the address the proxy appended', async () => {
    const session = (forwardedFor: string) =>
      fetch(`${running.baseUrl}/api/webchat/session`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor }, body: '{}' });
    expect((await session('198.51.100.1')).status).toBe(200);
    expect((await session('198.51.100.1')).status).toBe(200);
    expect((await session('198.51.100.1')).status).toBe(429);
    // A client-supplied first entry does not help: the right-most (proxy-appended) one counts.
    expect((await session('10.0.0.1, 198.51.100.1')).status).toBe(429);
    expect((await session('198.51.100.2')).status).toBe(200);
  });
});
