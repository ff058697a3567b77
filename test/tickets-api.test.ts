import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ticketPageSchema } from '../src/server/tickets-api.js';
import { ticketSchema, type Ticket } from '../src/tickets/ticket.js';
import { sampleTicket } from './fixtures/sample-tickets.js';
import { startTestApp, type RunningApp } from './support/test-app.js';

const TOKEN = 'staff-token-0123456789abcdef';
const OTHER_TOKEN = 'integration-token-fedcba9876543210';

interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

/** Calls the API like a staff tool would; `token: null` sends no Authorization header. */
function apiClient(baseUrl: string) {
  return async (
    path: string,
    options: { method?: string; body?: unknown; rawBody?: string; contentType?: string; token?: string | null; authorization?: string } = {},
  ) => {
    const headers: Record<string, string> = {};
    const token = options.token === undefined ? TOKEN : options.token;
    if (options.authorization !== undefined) headers.authorization = options.authorization;
    else if (token !== null) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (options.rawBody !== undefined || options.body !== undefined) {
      body = options.rawBody ?? JSON.stringify(options.body);
      headers['content-type'] = options.contentType ?? 'application/json';
    }
    const response = await fetch(`${baseUrl}${path}`, { method: options.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
    const text = await response.text();
    return { status: response.status, headers: response.headers, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
  };
}

describe('ticket REST API (/api/tickets on the real app)', () => {
  let running: RunningApp;
  let api: ReturnType<typeof apiClient>;
  const filed: Ticket[] = [];
  const t0 = Date.parse('2025-03-03T09:00:00.000Z');

  beforeAll(async () => {
    running = await startTestApp({ API_TOKENS: `${TOKEN},${OTHER_TOKEN}` });
    api = apiClient(running.baseUrl);
    const variants = [
      { tier: 'L1', kind: 'ticket', subject: 'Invoice shows the wrong VAT rate' },
      { tier: 'L2', kind: 'callback', subject: 'Antivirus blocks the app' },
      { tier: 'L3', kind: 'handoff', subject: 'Database is slow after the update' },
      { tier: 'L3', kind: 'ticket', subject: 'Regular expression for invoice numbers' },
      { tier: 'L1', kind: 'ticket', subject: 'Activate the paid plan' },
    ] as const;
    for (const [i, variant] of variants.entries()) {
      filed.push(
        await running.app.tickets.create(
          sampleTicket({ ...variant, description: 'Details follow.', customer: { userId: i % 2 === 0 ? 'user-anna' : 'user-ben' } }),
          new Date(t0 + i * 60_000),
        ),
      );
    }
    await running.app.tickets.changeStatus('TD-1002', 'open');
  });
  afterAll(async () => {
    await running.stop();
  });

  describe('authentication', () => {
    it('refuses a call without a token with 401 and says how to authenticate', async () => {
      const response = await api('/api/tickets', { token: null });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((response.json as ErrorBody).error).toMatchObject({ code: 'unauthorized', message: expect.stringMatching(/Bearer/) });
    });

    it('refuses a wrong token, a prefix of the right one, and another scheme', async () => {
      for (const authorization of ['Bearer wrong-token-0000000000000', `Bearer ${TOKEN.slice(0, -1)}`, `Bearer ${TOKEN}x`, `Basic ${TOKEN}`, 'Bearer']) {
        const response = await api('/api/tickets/TD-1001', { authorization });
        expect(response.status, authorization).toBe(401);
        expect((response.json as ErrorBody).error.code).toBe('unauthorized');
      }
    });

    it('accepts any of the configured tokens', async () => {
      expect((await api('/api/tickets/TD-1001')).status).toBe(200);
      expect((await api('/api/tickets/TD-1001', { token: OTHER_TOKEN })).status).toBe(200);
    });

    it('checks the token before looking at the request', async () => {
      const response = await api('/api/tickets?limit=0', { token: 'wrong-token-0000000000000' });
      expect(response.status).toBe(401);
    });
  });

  describe('GET /api/tickets', () => {
    it('pages newest first with the total, limit and offset, in the documented shape', async () => {
      const first = await api('/api/tickets?limit=2');
      expect(first.status).toBe(200);
      const page = ticketPageSchema.parse(first.json);
      expect(page.items.map((t) => t.reference)).toEqual(['TD-1005', 'TD-1004']);
      expect(page).toMatchObject({ total: 5, limit: 2, offset: 0 });

      const last = ticketPageSchema.parse((await api('/api/tickets?limit=2&offset=4')).json);
      expect(last.items.map((t) => t.reference)).toEqual(['TD-1001']);
      expect(last).toMatchObject({ total: 5, limit: 2, offset: 4 });
    });

    it('defaults to 20 per page from the start', async () => {
      const page = ticketPageSchema.parse((await api('/api/tickets')).json);
      expect(page).toMatchObject({ total: 5, limit: 20, offset: 0 });
      expect(page.items).toHaveLength(5);
    });

    it('filters by tier, kind, status, text and customer', async () => {
      const refs = async (query: string) => ticketPageSchema.parse((await api(`/api/tickets?${query}`)).json).items.map((t) => t.reference);
      expect(await refs('tier=L3')).toEqual(['TD-1004', 'TD-1003']);
      expect(await refs('tier=L1&kind=ticket')).toEqual(['TD-1005', 'TD-1001']);
      expect(await refs('status=open')).toEqual(['TD-1002']);
      expect(await refs('text=INVOICE')).toEqual(['TD-1004', 'TD-1001']);
      expect(await refs(`text=${encodeURIComponent('td-1003')}`)).toEqual(['TD-1003']);
      expect(await refs('customerUserId=user-ben')).toEqual(['TD-1004', 'TD-1002']);
      const filtered = ticketPageSchema.parse((await api('/api/tickets?tier=L3&limit=1')).json);
      expect(filtered).toMatchObject({ total: 2, limit: 1 });
    });

    it('refuses a bad query with 400 naming the parameter', async () => {
      const cases: [string, string][] = [
        ['limit=0', 'limit'],
        ['limit=101', 'limit'],
        ['limit=ten', 'limit'],
        ['offset=-1', 'offset'],
        ['status=escalated', 'status'],
        ['tier=L0', 'tier'],
        ['kind=email', 'kind'],
        ['stauts=open', 'stauts'],
      ];
      for (const [query, field] of cases) {
        const response = await api(`/api/tickets?${query}`);
        expect(response.status, query).toBe(400);
        expect((response.json as ErrorBody).error, query).toMatchObject({ code: 'invalid_request', field });
      }
    });
  });

  describe('GET /api/tickets/:reference', () => {
    it('returns the whole ticket', async () => {
      const response = await api('/api/tickets/TD-1003');
      expect(response.status).toBe(200);
      expect(ticketSchema.parse(response.json)).toEqual(filed[2]);
      expect(response.headers.get('cache-control')).toBe('no-store');
    });

    it('answers 404 for an unknown reference and 400 for a malformed one', async () => {
      const unknown = await api('/api/tickets/TD-9999');
      expect(unknown.status).toBe(404);
      expect((unknown.json as ErrorBody).error).toMatchObject({ code: 'ticket_not_found', message: expect.stringContaining('TD-9999') });
      const malformed = await api('/api/tickets/ticket-1');
      expect(malformed.status).toBe(400);
      expect((malformed.json as ErrorBody).error.field).toBe('reference');
    });

    it('keeps the JSON error shape for routes that do not exist under /api/tickets', async () => {
      const response = await api('/api/tickets/TD-1001/history');
      expect(response.status).toBe(404);
      expect((response.json as ErrorBody).error).toMatchObject({ code: 'not_found', message: expect.any(String) });
    });
  });

  describe('POST /api/tickets/:reference/status', () => {
    it('moves a ticket along its lifecycle', async () => {
      const response = await api('/api/tickets/TD-1001/status', { body: { status: 'pending' } });
      expect(response.status).toBe(200);
      expect(ticketSchema.parse(response.json)).toMatchObject({ reference: 'TD-1001', status: 'pending' });
      expect((await running.app.tickets.get('TD-1001'))?.status).toBe('pending');
    });

    it('refuses an illegal transition with 409 and leaves the ticket as it was', async () => {
      expect((await api('/api/tickets/TD-1005/status', { body: { status: 'closed' } })).status).toBe(200);
      const before = await running.app.tickets.get('TD-1005');
      const response = await api('/api/tickets/TD-1005/status', { body: { status: 'open' } });
      expect(response.status).toBe(409);
      expect((response.json as ErrorBody).error).toMatchObject({
        code: 'illegal_transition',
        field: 'status',
        message: expect.stringMatching(/closed.*open/),
      });
      expect(await running.app.tickets.get('TD-1005')).toEqual(before);
    });

    it('refuses a bad body with 400 naming the field', async () => {
      const cases: [unknown, string][] = [
        [{ status: 'escalated' }, 'status'],
        [{}, 'status'],
        [{ status: 'open', note: 'x' }, 'note'],
        [['open'], 'body'],
      ];
      for (const [body, field] of cases) {
        const response = await api('/api/tickets/TD-1003/status', { body });
        expect(response.status, JSON.stringify(body)).toBe(400);
        expect((response.json as ErrorBody).error, JSON.stringify(body)).toMatchObject({ code: 'invalid_request', field });
      }
      expect((await running.app.tickets.get('TD-1003'))?.status).toBe('new');
    });

    it('answers 404 for an unknown ticket', async () => {
      const response = await api('/api/tickets/TD-9999/status', { body: { status: 'open' } });
      expect(response.status).toBe(404);
      expect((response.json as ErrorBody).error.code).toBe('ticket_not_found');
    });

    it('keeps errors from the body parser in the same JSON shape (400, 413, 415)', async () => {
      const malformed = await api('/api/tickets/TD-1003/status', { rawBody: '{"status": ' });
      expect(malformed.status).toBe(400);
      expect((malformed.json as ErrorBody).error).toMatchObject({ code: 'invalid_request', message: expect.any(String) });

      const tooLarge = await api('/api/tickets/TD-1003/comments', { body: { author: 'Jonas', text: 'x'.repeat(300_000) } });
      expect(tooLarge.status).toBe(413);
      expect((tooLarge.json as ErrorBody).error.code).toBe('payload_too_large');

      const notJson = await api('/api/tickets/TD-1003/status', { rawBody: 'status=open', contentType: 'text/plain' });
      expect(notJson.status).toBe(415);
      expect((notJson.json as ErrorBody).error.code).toBe('unsupported_media_type');
    });
  });

  describe('POST /api/tickets/:reference/comments', () => {
    it('adds a comment and answers 201 with the ticket', async () => {
      const response = await api('/api/tickets/TD-1004/comments', { body: { author: 'Jonas (L3)', text: 'Try ^INV-\\d{6}$' } });
      expect(response.status).toBe(201);
      const ticket = ticketSchema.parse(response.json);
      expect(ticket.comments).toEqual([{ author: 'Jonas (L3)', text: 'Try ^INV-\\d{6}$', at: expect.any(String) }]);
      expect((await running.app.tickets.get('TD-1004'))?.comments).toHaveLength(1);
    });

    it('refuses a comment without text or author, naming the field', async () => {
      for (const [body, field] of [
        [{ author: 'Jonas' }, 'text'],
        [{ author: 'Jonas', text: '   ' }, 'text'],
        [{ text: 'hello' }, 'author'],
      ] as const) {
        const response = await api('/api/tickets/TD-1004/comments', { body });
        expect(response.status).toBe(400);
        expect((response.json as ErrorBody).error.field).toBe(field);
      }
    });

    it('answers 404 for an unknown ticket', async () => {
      expect((await api('/api/tickets/TD-9999/comments', { body: { author: 'Jonas', text: 'hi' } })).status).toBe(404);
    });
  });

  describe('GET /api/openapi.json', () => {
    it('serves an OpenAPI 3.1 document of the ticket API without auth', async () => {
      const response = await api('/api/openapi.json', { token: null });
      expect(response.status).toBe(200);
      const doc = response.json as {
        openapi: string;
        info: { title: string; version: string };
        paths: Record<string, Record<string, { parameters?: { name: string; in: string }[]; responses: Record<string, unknown> }>>;
        components: { schemas: Record<string, { type?: string; properties?: Record<string, unknown>; required?: string[] }>; securitySchemes: Record<string, unknown> };
        security: unknown[];
      };
      expect(doc.openapi).toBe('3.1.0');
      expect(doc.info.title).toMatch(/tierdesk/);
      // The ticket routes (other staff APIs — customers, handoffs, gaps — share the document).
      expect(Object.keys(doc.paths).filter((path) => path.startsWith('/api/tickets')).sort()).toEqual([
        '/api/tickets',
        '/api/tickets/{reference}',
        '/api/tickets/{reference}/comments',
        '/api/tickets/{reference}/status',
        '/api/tickets/{reference}/vendor',
        '/api/tickets/{reference}/vendor-reply',
      ]);
      expect(doc.paths['/api/tickets']?.get?.parameters?.map((p) => p.name)).toEqual(
        expect.arrayContaining(['status', 'tier', 'kind', 'text', 'limit', 'offset']),
      );
      expect(doc.paths['/api/tickets/{reference}/status']?.post?.responses).toHaveProperty('409');
      expect(doc.components.securitySchemes).toMatchObject({ bearerAuth: { type: 'http', scheme: 'bearer' } });
      expect(doc.security).toEqual([{ bearerAuth: [] }]);

      const ticket = doc.components.schemas.Ticket;
      expect(ticket?.type).toBe('object');
      expect(Object.keys(ticket?.properties ?? {})).toEqual(expect.arrayContaining(['reference', 'status', 'tier', 'transcript', 'comments', 'dueAt']));
      expect(ticket?.required).toEqual(expect.arrayContaining(['reference', 'status', 'createdAt']));
      expect(doc.components.schemas).toHaveProperty('Error');
      expect(doc.components.schemas).toHaveProperty('StatusChange');
      expect(doc.components.schemas).toHaveProperty('NewComment');

      // Every $ref points at something the document defines.
      const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/(\w+)\/(\w+)"/g)];
      expect(refs.length).toBeGreaterThan(0);
      for (const [, section, name] of refs) {
        expect((doc.components as Record<string, Record<string, unknown>>)[section!]).toHaveProperty(name!);
      }
    });
  });
});

describe('ticket REST API without API_TOKENS', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startTestApp();
  });
  afterAll(async () => {
    await running.stop();
  });

  it('refuses every call with 401 saying API_TOKENS is not set', async () => {
    const api = apiClient(running.baseUrl);
    for (const path of ['/api/tickets', '/api/tickets/TD-1001']) {
      const response = await api(path);
      expect(response.status).toBe(401);
      expect((response.json as ErrorBody).error).toMatchObject({ code: 'api_disabled', message: expect.stringContaining('API_TOKENS is not set') });
    }
    const post = await api('/api/tickets/TD-1001/status', { body: { status: 'open' } });
    expect(post.status).toBe(401);
  });
});
