import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_FILES } from '../src/server/web-routes.js';
import { DirectLineTestClient } from './support/directline-client.js';
import { startTestApp, type RunningApp } from './support/test-app.js';

/**
 * Hostile and malformed input on every public route: broken JSON, wrong types, huge strings, deep
 * nesting, unicode edge cases, prototype-pollution keys, wrong content types and methods. Every
 * answer must be a 2xx (the input happened to be valid) or a 4xx with `{ error: { code, message } }`;
 * never a 5xx, a hang or a crash. FUZZ_RUNS sets the number of requests (default 5,000).
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 5000);
const BATCH = 10;
const API_TOKEN = 'fuzz-test-api-token-0123456789';
const SITE_SECRET = 'fuzz-test-site-secret-0123456789abcdefgh';

interface FuzzRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** A route template: its path (with `{conversation}` / `{fuzz}` placeholders) and the credential it expects. */
interface RouteTemplate {
  method: FuzzRequest['method'];
  path: string;
  auth: 'none' | 'api' | 'secret' | 'token';
}

const ROUTES: RouteTemplate[] = [
  { method: 'POST', path: '/api/messages', auth: 'none' },
  { method: 'POST', path: '/api/webchat/session', auth: 'none' },
  { method: 'POST', path: '/v3/directline/tokens/generate', auth: 'secret' },
  { method: 'POST', path: '/v3/directline/tokens/refresh', auth: 'token' },
  { method: 'POST', path: '/v3/directline/conversations', auth: 'secret' },
  { method: 'GET', path: '/v3/directline/conversations/{conversation}?watermark={fuzz}', auth: 'token' },
  { method: 'GET', path: '/v3/directline/conversations/{conversation}/activities?watermark={fuzz}', auth: 'token' },
  { method: 'POST', path: '/v3/directline/conversations/{conversation}/activities', auth: 'token' },
  { method: 'POST', path: '/v3/directline/conversations/{fuzz}/activities', auth: 'token' },
  { method: 'POST', path: '/v3/directline/conversations/{conversation}/upload', auth: 'token' },
  { method: 'GET', path: '/api/tickets?{fuzz}', auth: 'api' },
  { method: 'GET', path: '/api/tickets/{fuzz}', auth: 'api' },
  { method: 'POST', path: '/api/tickets/TD-1001/status', auth: 'api' },
  { method: 'POST', path: '/api/tickets/{fuzz}/comments', auth: 'api' },
  { method: 'DELETE', path: '/api/customers/{fuzz}', auth: 'api' },
  { method: 'GET', path: '/api/handoffs?{fuzz}', auth: 'api' },
  { method: 'GET', path: '/api/handoffs/{fuzz}', auth: 'api' },
  { method: 'POST', path: '/api/handoffs/{fuzz}/accept', auth: 'api' },
  { method: 'POST', path: '/api/handoffs/{fuzz}/messages', auth: 'api' },
  { method: 'POST', path: '/api/handoffs/{fuzz}/resolve', auth: 'api' },
  { method: 'GET', path: '/api/gaps?{fuzz}', auth: 'api' },
  { method: 'POST', path: '/agent/api/session', auth: 'none' },
  { method: 'GET', path: '/agent/api/handoffs', auth: 'none' },
  { method: 'POST', path: '/agent/api/handoffs/{fuzz}/messages', auth: 'none' },
  { method: 'GET', path: '/agent/assets/{fuzz}', auth: 'none' },
  { method: 'GET', path: '/agent', auth: 'none' },
  { method: 'GET', path: '/chat', auth: 'none' },
  { method: 'GET', path: '/web/{fuzz}', auth: 'none' },
  { method: 'GET', path: '/{fuzz}', auth: 'none' },
  { method: 'GET', path: '/health', auth: 'none' },
  { method: 'GET', path: '/api/openapi.json', auth: 'none' },
];

/** Lone surrogates replaced (encodeURIComponent refuses them; they still reach bodies unencoded). */
function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

const protoKeys = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__');
const edgeStrings = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '\u0000', '\uFEFF', '\u202E', 'e\u0301', '👩‍👩‍👧‍👦', '\uD800', '%00', '../../etc/passwd', '<script>alert(1)</script>', "' OR 1=1 --", 'NaN', '-1', '1e309', 'TD-1001'),
);
const hugeString = fc.constantFrom(10_000, 100_000, 300_000).map((n) => 'x'.repeat(n));
const deepNesting = fc.tuple(fc.integer({ min: 30, max: 20_000 }), fc.constantFrom('[', '{"a":')).map(([depth, open]) => {
  const close = open === '[' ? ']' : '}';
  return `${open.repeat(depth)}1${close.repeat(depth)}`;
});
const pollutedObject = fc.dictionary(fc.oneof(protoKeys, edgeStrings), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 });

/** A plausible activity with one part broken, so validation deeper than the first check is exercised. */
const almostValidActivity = fc
  .record({
    type: fc.oneof(fc.constantFrom('message', 'event', 'typing', 'conversationUpdate', 'invoke', 'endOfConversation'), fc.jsonValue()),
    text: fc.oneof(edgeStrings, fc.jsonValue({ maxDepth: 2 }), fc.constant('x'.repeat(5000))),
    value: fc.jsonValue({ maxDepth: 4 }),
    locale: fc.oneof(edgeStrings, fc.constantFrom('en-US', 'pt-BR', 'pl')),
    channelData: pollutedObject,
    attachments: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.array(pollutedObject, { maxLength: 3 })),
  }, { requiredKeys: ['type'] })
  .chain((activity) =>
    fc.record({
      activity: fc.constant(activity),
      envelope: fc.record({
        channelId: fc.oneof(fc.constant('test'), edgeStrings, fc.jsonValue()),
        conversation: fc.oneof(fc.record({ id: fc.oneof(edgeStrings, fc.constant(`conv-${randomUUID()}`)) }), fc.jsonValue()),
        from: fc.oneof(fc.record({ id: edgeStrings, name: edgeStrings }), fc.jsonValue()),
        recipient: fc.constant({ id: 'tierdesk-bot' }),
        serviceUrl: fc.constant('http://127.0.0.1:9/unused'),
        deliveryMode: fc.constantFrom('expectReplies', 'expectReplies', 'normal'),
      }, { requiredKeys: [] }),
    }),
  )
  .map(({ activity, envelope }) => JSON.stringify({ ...envelope, ...activity }));

const body = fc.oneof(
  { weight: 6, arbitrary: almostValidActivity },
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 5 }).map((value) => JSON.stringify(value)) },
  { weight: 2, arbitrary: pollutedObject.map((value) => JSON.stringify(value)) },
  { weight: 2, arbitrary: fc.json().chain((json) => fc.integer({ min: 0, max: Math.max(0, json.length - 1) }).map((cut) => json.slice(0, cut))) },
  { weight: 1, arbitrary: deepNesting },
  { weight: 1, arbitrary: hugeString.map((text) => JSON.stringify({ type: 'message', text })) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  { weight: 1, arbitrary: fc.constant('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"type":"message","text":"hi"}') },
);

const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=utf-16', 'image/png', '') },
);

const credential = fc.constantFrom<'right' | 'wrong' | 'none'>('right', 'right', 'right', 'wrong', 'none');

/** Text safe to put in a URL path or query (percent-encoded). */
const urlPart = fc.oneof(edgeStrings, fc.constant('x'.repeat(3000)), protoKeys).map((text) => encodeURIComponent(wellFormed(text)));

function requestArbitrary(conversation: { conversationId: string; token: string }): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      route: fc.constantFrom(...ROUTES),
      method: fc.oneof({ weight: 9, arbitrary: fc.constant<FuzzRequest['method'] | undefined>(undefined) }, { weight: 1, arbitrary: fc.constantFrom<FuzzRequest['method'] | undefined>('GET', 'PUT', 'DELETE', 'PATCH', 'POST') }),
      fuzz: urlPart,
      body,
      contentType,
      credential,
    })
    .map(({ route, method, fuzz, body, contentType, credential }) => {
      const chosen = method ?? route.method;
      const headers: Record<string, string> = {};
      const secretFor = { none: undefined, api: API_TOKEN, secret: SITE_SECRET, token: conversation.token }[route.auth];
      if (credential === 'right' && secretFor !== undefined) headers.authorization = `Bearer ${secretFor}`;
      if (credential === 'wrong') headers.authorization = `Bearer ${fuzz.slice(0, 100) || 'x'}`;
      const path = route.path.replace('{conversation}', conversation.conversationId).replace('{fuzz}', fuzz);
      if (chosen === 'GET' || chosen === 'DELETE') return { method: chosen, path, headers };
      if (contentType !== '') headers['content-type'] = contentType;
      return { method: chosen, path, headers, body };
    });
}

interface Outcome {
  status: number;
  problem?: string;
}

/** Sends one request; answers its status and what is wrong with the answer, if anything. */
async function send(baseUrl: string, request: FuzzRequest): Promise<Outcome> {
  const response = await fetch(`${baseUrl}${request.path}`, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  const { status } = response;
  // 501 is the deliberate 5xx: Direct Line's upload route, which this bot does not offer, and the
  // Bot Framework's "invoke not handled" answer to an invoke activity no handler takes (Teams expects it).
  const deliberate =
    status === 501 &&
    (request.path.split('?')[0]!.endsWith('/upload') || (request.path === '/api/messages' && /"type":"invoke"/.test(request.body ?? '')));
  if (deliberate) return { status };
  if (status >= 500) return { status, problem: `${status}: ${text.slice(0, 300)}` };
  if (status < 400) return { status };
  if (!/^application\/json/.test(response.headers.get('content-type') ?? '')) return { status, problem: `${status} without JSON: ${text.slice(0, 200)}` };
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof parsed.error?.code !== 'string' || typeof parsed.error.message !== 'string') {
      return { status, problem: `${status} without the error shape: ${text.slice(0, 200)}` };
    }
  } catch {
    return { status, problem: `${status} with a body that is not JSON: ${text.slice(0, 200)}` };
  }
  return { status };
}

describe(`fuzzing every public route (${RUNS} hostile requests)`, () => {
  let running: RunningApp;
  let conversation: { conversationId: string; token: string };
  beforeAll(async () => {
    running = await startTestApp({ API_TOKENS: API_TOKEN, DIRECTLINE_SECRET: SITE_SECRET });
    const directLine = new DirectLineTestClient(running.baseUrl);
    conversation = await directLine.json(await directLine.request('POST', '/conversations', SITE_SECRET));
  });
  afterAll(async () => {
    await running.stop();
  });

  it('answers every one with a 2xx or a 4xx JSON error, never a 5xx, and keeps serving with bounded memory', async () => {
    const statuses = new Map<number, number>();
    const rssBefore = process.memoryUsage().rss;
    await fc.assert(
      fc.asyncProperty(fc.array(requestArbitrary(conversation), { minLength: BATCH, maxLength: BATCH }), async (batch) => {
        const outcomes = await Promise.all(batch.map((request) => send(running.baseUrl, request)));
        outcomes.forEach((outcome, i) => {
          statuses.set(outcome.status, (statuses.get(outcome.status) ?? 0) + 1);
            if (outcome.problem !== undefined) {
            const request = batch[i]!;
            throw new Error(`${request.method} ${request.path.slice(0, 200)} (${request.headers['content-type'] ?? 'no type'}, body ${request.body?.slice(0, 200)}): ${outcome.problem}`);
          }
        });
      }),
      { numRuns: Math.ceil(RUNS / BATCH), endOnFailure: true },
    );
    const sent = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(sent).toBeGreaterThanOrEqual(RUNS);
    // Both outcomes happen: the generators reach valid requests as well as refused ones.
    expect([...statuses.keys()].some((status) => status < 300)).toBe(true);
    expect([...statuses.keys()].some((status) => status >= 400)).toBe(true);
    // Still serving, the conversation still works, and memory did not run away.
    expect((await fetch(`${running.baseUrl}/health`)).status).toBe(200);
    const directLine = new DirectLineTestClient(running.baseUrl);
    expect(await directLine.say(conversation.conversationId, conversation.token, 'still there?')).toMatch(/\|/);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(512 * 1024 * 1024);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 300_000);

  it('refuses the inputs that used to crash /api/messages with a 400 naming the problem', async () => {
    for (const input of [{ type: 1 }, { a: [[[[]]]] }, { type: 'message', text: 'hi' }, { type: 'message', channelId: 'test', conversation: {} }]) {
      const response = await fetch(`${running.baseUrl}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input) });
      expect(response.status, JSON.stringify(input)).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'invalid_activity', message: expect.any(String), field: expect.any(String) } });
    }
    // Prototype keys are not file names (this used to read web/__proto__ and answer its path in a 500).
    const proto = await fetch(`${running.baseUrl}/web/__proto__`);
    expect(proto.status).toBe(404);
    expect(await proto.text()).not.toMatch(/ENOENT|\/web\//);
    // Every file /web/ lists is there (a listed, missing widget.css used to answer 500); others are 404.
    for (const [file, type] of Object.entries(PUBLIC_FILES)) {
      const served = await fetch(`${running.baseUrl}/web/${file}`);
      expect(served.status, file).toBe(200);
      expect(served.headers.get('content-type'), file).toBe(type);
    }
    expect((await fetch(`${running.baseUrl}/web/widget.css`)).status).toBe(404);
    const deep = await fetch(`${running.baseUrl}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `${'['.repeat(50_000)}${']'.repeat(50_000)}` });
    expect(deep.status).toBe(400);
  });
});
