import { timingSafeEqual } from 'node:crypto';
import { jsonRoute, type JsonReply } from './json-route.js';
import type restify from 'restify';
import { z } from 'zod';
import type { Agent } from '../agents/agent.js';
import type { AgentSessions } from '../agents/agent-sessions.js';
import type { Logger } from '../logger.js';
import { ticketReferenceSchema, ticketSchema } from '../tickets/ticket.js';
import { TicketNotFoundError, TicketValidationError } from '../tickets/ticket-store.js';
import { vendorStepSchema, VendorStepError } from '../vendors/vendor-step.js';
import { vendorSchema } from '../vendors/vendors.js';
import type { VendorService } from '../vendors/vendor-service.js';
import { AGENT_API_PREFIX, AGENT_COOKIE, readCookie } from './agent-api.js';
import { HttpError } from './http-error.js';
import { authenticator, TICKETS_API_PREFIX } from './tickets-api.js';

/** Body of `POST …/tickets/:reference/vendor` (console: `requestedBy` is the signed-in agent). */
export const vendorRequestSchema = z.strictObject({
  vendorId: z.string().trim().min(1).max(100),
  requestedBy: z.string().trim().min(1).max(200).optional(),
});

/** Body of `POST …/tickets/:reference/vendor-reply`. `final: false` is an interim update: the ticket keeps waiting. */
export const vendorReplySchema = z.strictObject({
  text: z.string().trim().min(1).max(20_000),
  enteredBy: z.string().trim().min(1).max(200).optional(),
  final: z.boolean().default(true),
});

/** Response of the request and reply routes: the ticket and its vendor step after the change. */
export const vendorStepResultSchema = z.object({ ticket: ticketSchema, vendor: vendorStepSchema });
/** Response of `GET …/tickets/:reference/vendor`: the latest vendor step, or null. */
export const vendorStepViewSchema = z.object({ vendor: vendorStepSchema.nullable() });
/** Response of `GET /api/vendors`. */
export const vendorListSchema = z.object({ vendors: z.array(vendorSchema) });

const referenceParamsSchema = z.object({ reference: ticketReferenceSchema });

export interface VendorApiOptions {
  vendors: VendorService;
  /** API_TOKENS for the bearer routes under /api/tickets. */
  tokens: readonly string[];
  sessions: AgentSessions;
  logger: Logger;
}

function parse<T>(schema: z.ZodType<T>, input: unknown, root: string): T {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const invalid = TicketValidationError.fromZodError(result.error, root);
  throw new HttpError(400, 'invalid_request', invalid.message, invalid.field);
}

function sameString(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function toHttpError(error: unknown, logger: Logger, req: restify.Request): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof TicketValidationError) return new HttpError(400, 'invalid_request', error.message, error.field);
  if (error instanceof TicketNotFoundError) return new HttpError(404, 'ticket_not_found', `No ticket ${error.reference}.`, 'reference');
  if (error instanceof VendorStepError) {
    if (error.code === 'unknown_vendor') return new HttpError(400, error.code, error.message, 'vendorId');
    return new HttpError(409, error.code, error.message);
  }
  logger.error('vendor step request failed', { method: req.method, url: req.url, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  return new HttpError(500, 'internal_error', 'Something went wrong on the server; it has been logged.');
}

/**
 * The vendor step routes (README "Vendor step"): the same actions for the ticket API (bearer
 * token) and the agent console (session cookie + CSRF; agents with the L4 skill or admins).
 */
export function mountVendorApi(server: restify.Server, options: VendorApiOptions): void {
  const { vendors, logger } = options;
  const bearer = authenticator(options.tokens);

  /** Signed-in console agent allowed to work L4 tickets. */
  const l4Agent = async (req: restify.Request): Promise<Agent> => {
    const session = await options.sessions.authenticate(readCookie(req, AGENT_COOKIE));
    if (session === undefined) throw new HttpError(401, 'unauthenticated', 'Sign in to the agent console first.');
    if (req.method !== 'GET' && req.method !== 'HEAD' && !sameString(req.header('x-csrf-token') ?? '', session.csrfToken)) {
      throw new HttpError(403, 'csrf', 'Missing or wrong X-CSRF-Token header; reload the console.');
    }
    if (!session.agent.tiers.includes('L4') && !session.agent.admin) {
      throw new HttpError(403, 'forbidden', 'Only agents with the L4 skill (or admins) can pass tickets to a vendor.');
    }
    return session.agent;
  };

  type Caller = { name: string };
  const route = (who: (req: restify.Request) => Promise<Caller>, handler: (req: restify.Request, caller: Caller) => Promise<JsonReply>) =>
    jsonRoute(who, (error, req) => toHttpError(error, logger, req), handler, (req) => req.getPath().startsWith(TICKETS_API_PREFIX));

  const apiCaller = async (req: restify.Request): Promise<Caller> => {
    bearer(req);
    return { name: 'ticket API' };
  };
  const agentCaller = async (req: restify.Request): Promise<Caller> => ({ name: (await l4Agent(req)).name });

  for (const [prefix, who] of [
    [TICKETS_API_PREFIX, apiCaller],
    [`${AGENT_API_PREFIX}/tickets`, agentCaller],
  ] as const) {
    server.get(
      `${prefix}/:reference/vendor`,
      route(who, async (req) => {
        const { reference } = parse(referenceParamsSchema, req.params, 'reference');
        return { status: 200, body: { vendor: (await vendors.current(reference)) ?? null } };
      }),
    );
    server.post(
      `${prefix}/:reference/vendor`,
      route(who, async (req, caller) => {
        const { reference } = parse(referenceParamsSchema, req.params, 'reference');
        const body = parse(vendorRequestSchema, req.body, 'body');
        // A console agent acts under their own name; an API client may name its user.
        const by = prefix === TICKETS_API_PREFIX ? (body.requestedBy ?? caller.name) : caller.name;
        return { status: 202, body: await vendors.request(reference, body.vendorId, by) };
      }),
    );
    server.post(
      `${prefix}/:reference/vendor-reply`,
      route(who, async (req, caller) => {
        const { reference } = parse(referenceParamsSchema, req.params, 'reference');
        const body = parse(vendorReplySchema, req.body, 'body');
        const by = prefix === TICKETS_API_PREFIX ? (body.enteredBy ?? caller.name) : caller.name;
        return { status: 201, body: await vendors.vendorReply(reference, { text: body.text, enteredBy: by, final: body.final }) };
      }),
    );
  }

  const listVendors = async () => ({ status: 200, body: { vendors: vendors.list() } });
  server.get('/api/vendors', route(apiCaller, listVendors));
  server.get(`${AGENT_API_PREFIX}/vendors`, route(agentCaller, listVendors));
}
