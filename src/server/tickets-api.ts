import { createHash, timingSafeEqual } from 'node:crypto';
import type restify from 'restify';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import {
  commentSchema,
  ticketKindSchema,
  ticketReferenceSchema,
  ticketSchema,
  ticketStatusSchema,
  tierSchema,
} from '../tickets/ticket.js';
import type { TicketService } from '../tickets/ticket-service.js';
import { IllegalTransitionError, TicketNotFoundError, TicketValidationError } from '../tickets/ticket-store.js';
import { jsonRoute, type JsonReply } from './json-route.js';
import { HttpError } from './http-error.js';

// The HTTP contract, as zod schemas: the handlers validate with them and openapi.ts documents them.

/** Query of `GET /api/tickets`. Unknown parameters are refused so a typo never silently means "all". */
export const listTicketsQuerySchema = z.strictObject({
  status: ticketStatusSchema.optional().describe('Only tickets with this status.'),
  tier: tierSchema.optional().describe('Only tickets of this support level.'),
  kind: ticketKindSchema.optional().describe('Only tickets of this kind.'),
  text: z.string().trim().min(1).max(200).optional().describe('Case-insensitive search in subject, description and reference.'),
  customerUserId: z.string().min(1).max(200).optional().describe("Only this customer's tickets (their channel user id)."),
  limit: z.coerce.number().int().min(1).max(100).default(20).describe('Page size.'),
  offset: z.coerce.number().int().min(0).default(0).describe('Tickets to skip (newest first).'),
});

/** Path parameters of the single-ticket routes; a malformed reference is a 400, an unknown one a 404. */
export const ticketReferenceParamsSchema = z.object({ reference: ticketReferenceSchema });

/** Body of `POST /api/tickets/:reference/status`. */
export const statusChangeSchema = z.strictObject({ status: ticketStatusSchema });

/** Body of `POST /api/tickets/:reference/comments`. */
export const newCommentSchema = z.strictObject(commentSchema.pick({ author: true, text: true }).shape);

/** Response of `GET /api/tickets`. */
export const ticketPageSchema = z.object({
  items: z.array(ticketSchema),
  total: z.number().int().min(0),
  limit: z.number().int(),
  offset: z.number().int(),
});

/** Every error response: a stable `code` to switch on, a message to show, and the bad field for 400s. */
export const apiErrorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    field: z.string().optional(),
  }),
});
/** The body of every 4xx/5xx answer from the ticket API. */
export type ApiErrorBody = z.infer<typeof apiErrorSchema>;

/** Paths this module answers for, so framework errors on them (404, 413, 415…) keep our JSON shape. */
export const TICKETS_API_PREFIX = '/api/tickets';


function parse<T>(schema: z.ZodType<T>, input: unknown, root: string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const invalid = TicketValidationError.fromZodError(result.error, root);
  throw new HttpError(400, 'invalid_request', invalid.message, invalid.field);
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Bearer-token check. Tokens are compared as SHA-256 digests with timingSafeEqual, and every
 * configured token is compared, so neither timing nor token length tells a caller anything.
 */
export function authenticator(tokens: readonly string[]): (req: restify.Request) => void {
  const digests = tokens.map(sha256);
  return (req) => {
    if (digests.length === 0) {
      throw new HttpError(401, 'api_disabled', 'The ticket API is disabled: API_TOKENS is not set on the server.');
    }
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.header('authorization') ?? '');
    if (match?.[1] === undefined) {
      throw new HttpError(401, 'unauthorized', 'Send "Authorization: Bearer <token>" with one of the API_TOKENS.');
    }
    const presented = sha256(match[1]);
    let accepted = false;
    for (const digest of digests) accepted = timingSafeEqual(presented, digest) || accepted;
    if (!accepted) throw new HttpError(401, 'unauthorized', 'The bearer token is not one of the API_TOKENS.');
  };
}

/** Domain and framework errors → status and JSON body. Unknown errors are 500 and logged. */
function toApiError(error: unknown, logger: Logger, req: restify.Request): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof TicketValidationError) return new HttpError(400, 'invalid_request', error.message, error.field);
  if (error instanceof TicketNotFoundError) {
    return new HttpError(404, 'ticket_not_found', `No ticket ${error.reference}.`, 'reference');
  }
  if (error instanceof IllegalTransitionError) {
    return new HttpError(409, 'illegal_transition', `${error.message}.`, 'status');
  }
  logger.error('ticket API request failed', {
    method: req.method,
    url: req.url,
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  return new HttpError(500, 'internal_error', 'Something went wrong on the server; it has been logged.');
}

const codeByStatus: Record<number, string> = {
  400: 'invalid_request',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

/**
 * Gives restify's own errors on ticket API paths (body parser 400/413/415, unknown sub-route 404,
 * 405) the same `{ error: { code, message } }` body as the handlers. Call it from the server's
 * single `restifyError` listener (restify runs every listener with one callback, so a second
 * listener would call it twice).
 */
export function presentTicketsApiError(req: restify.Request, error: Error & { statusCode?: number }): void {
  const path = req.getPath();
  if (path !== TICKETS_API_PREFIX && !path.startsWith(`${TICKETS_API_PREFIX}/`)) return;
  const status = error.statusCode ?? 500;
  const body: ApiErrorBody = {
    error: {
      code: codeByStatus[status] ?? (status >= 500 ? 'internal_error' : 'request_error'),
      message:
        status >= 500
          ? 'Something went wrong on the server; it has been logged.'
          : status === 415
            ? `Send the body as JSON (Content-Type: application/json), not ${error.message || 'this type'}.`
            : status === 413
              ? 'The body is larger than the server accepts (MAX_REQUEST_BYTES).'
              : error.message,
    },
  };
  Object.assign(error, { toJSON: () => body });
}

/** What the ticket API needs; passed in so tests and other hosts can mount it on any server. */
export interface TicketsApiOptions {
  service: TicketService;
  /** config.api.tokens; empty means every call is refused with 401. */
  tokens: readonly string[];
  logger: Logger;
}

/** Mounts the staff ticket API under /api/tickets. Routes are thin: validate, call the service, map errors. */
export function mountTicketsApi(server: restify.Server, options: TicketsApiOptions): void {
  const { service, logger } = options;
  const authenticate = authenticator(options.tokens);

  /** Auth, JSON output and error mapping for every route (see jsonRoute). */
  const route = (handler: (req: restify.Request) => Promise<JsonReply>) =>
    jsonRoute(authenticate, (error, req) => toApiError(error, logger, req), (req) => handler(req));

  server.get(
    TICKETS_API_PREFIX,
    route(async (req) => {
      const query = parse(listTicketsQuerySchema, req.query ?? {}, 'query');
      const page = await service.list(query);
      return { status: 200, body: { items: page.items, total: page.total, limit: query.limit, offset: query.offset } };
    }),
  );

  server.get(
    `${TICKETS_API_PREFIX}/:reference`,
    route(async (req) => {
      const { reference } = parse(ticketReferenceParamsSchema, req.params, 'reference');
      const ticket = await service.get(reference);
      if (ticket === undefined) throw new TicketNotFoundError(reference);
      return { status: 200, body: ticket };
    }),
  );

  server.post(
    `${TICKETS_API_PREFIX}/:reference/status`,
    route(async (req) => {
      const { reference } = parse(ticketReferenceParamsSchema, req.params, 'reference');
      const { status } = parse(statusChangeSchema, req.body, 'body');
      return { status: 200, body: await service.changeStatus(reference, status) };
    }),
  );

  server.post(
    `${TICKETS_API_PREFIX}/:reference/comments`,
    route(async (req) => {
      const { reference } = parse(ticketReferenceParamsSchema, req.params, 'reference');
      const comment = parse(newCommentSchema, req.body, 'body');
      return { status: 201, body: await service.addComment(reference, comment) };
    }),
  );
}
