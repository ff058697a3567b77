import type restify from 'restify';
import { z } from 'zod';
import { handoffMessageSchema, handoffSchema, handoffStateSchema } from '../handoff/handoff.js';
import type { HandoffService } from '../handoff/handoff-service.js';
import type { Logger } from '../logger.js';
import { tierSchema } from '../tickets/ticket.js';
import { parseBody, toHttpError } from './agent-api.js';
import { jsonRoute, type JsonReply } from './json-route.js';
import { HttpError } from './http-error.js';
import { authenticator } from './tickets-api.js';

export const HANDOFFS_API_PREFIX = '/api/handoffs';

// The HTTP contract, as zod schemas: handlers validate with them and openapi.ts documents them.
export const listHandoffsQuerySchema = z.strictObject({
  state: handoffStateSchema.optional().describe('Only handoffs in this state (e.g. queued).'),
  tier: tierSchema.optional().describe('Only handoffs of this support level.'),
  limit: z.coerce.number().int().min(1).max(200).default(50).describe('Most handoffs returned, oldest first.'),
});
/** The external desk's agent, named on every action (shown to the customer and in the transcript). */
export const externalAgentSchema = z.strictObject({ name: z.string().trim().min(1).max(100) });
export const externalAcceptSchema = z.strictObject({ agent: externalAgentSchema });
export const externalMessageSchema = z.strictObject({ agent: externalAgentSchema, text: z.string().trim().min(1).max(4000) });
export const externalResolveSchema = z.strictObject({ agent: externalAgentSchema, closingMessage: z.string().trim().max(4000).optional() });
export const handoffListSchema = z.object({ items: z.array(handoffSchema) });
export const handoffDetailSchema = z.object({ handoff: handoffSchema, messages: z.array(handoffMessageSchema) });
export const handoffResultSchema = z.object({ handoff: handoffSchema });
export const handoffMessageResultSchema = z.object({ message: handoffMessageSchema });

export interface HandoffsApiOptions {
  handoffs: HandoffService;
  /** config.api.tokens (the same bearer tokens as /api/tickets); empty refuses every call. */
  tokens: readonly string[];
  logger: Logger;
}

/**
 * `/api/handoffs` for a team working in another helpdesk: list the queues, accept, message and
 * resolve as a named external agent (every tier, no capacity limit), with the ticket API's tokens.
 */
export function mountHandoffsApi(server: restify.Server, options: HandoffsApiOptions): void {
  const { handoffs, logger } = options;
  const authenticate = authenticator(options.tokens);
  const route = (handler: (req: restify.Request) => Promise<JsonReply>) =>
    jsonRoute(authenticate, (error, req) => toHttpError(error, logger, req), (req) => handler(req));
  const id = (req: restify.Request) => String((req.params as Record<string, unknown>).id ?? '');

  server.get(
    HANDOFFS_API_PREFIX,
    route(async (req) => {
      const result = listHandoffsQuerySchema.safeParse(req.query ?? {});
      if (!result.success) {
        const issue = result.error.issues[0]!;
        const field = issue.path.map(String).join('.') || (issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined) || 'query';
        throw new HttpError(400, 'invalid_request', `${field}: ${issue.message}`, field);
      }
      return { status: 200, body: { items: await handoffs.list(result.data) } };
    }),
  );

  server.get(
    `${HANDOFFS_API_PREFIX}/:id`,
    route(async (req) => ({ status: 200, body: await handoffs.detail(id(req), { kind: 'external', name: 'api' }) })),
  );

  server.post(
    `${HANDOFFS_API_PREFIX}/:id/accept`,
    route(async (req) => {
      const { agent } = parseBody(externalAcceptSchema, req.body);
      return { status: 200, body: await handoffs.accept(id(req), { kind: 'external', name: agent.name }) };
    }),
  );

  server.post(
    `${HANDOFFS_API_PREFIX}/:id/messages`,
    route(async (req) => {
      const { agent, text } = parseBody(externalMessageSchema, req.body);
      return { status: 201, body: { message: await handoffs.agentMessage(id(req), { kind: 'external', name: agent.name }, text) } };
    }),
  );

  server.post(
    `${HANDOFFS_API_PREFIX}/:id/resolve`,
    route(async (req) => {
      const { agent, closingMessage } = parseBody(externalResolveSchema, req.body);
      const handoff = await handoffs.resolve(id(req), { kind: 'external', name: agent.name }, closingMessage === undefined ? {} : { closingMessage });
      return { status: 200, body: { handoff } };
    }),
  );
}
