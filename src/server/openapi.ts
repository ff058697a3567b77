import type restify from 'restify';
import { z } from 'zod';
import { ticketReferenceSchema, ticketSchema } from '../tickets/ticket.js';
import {
  apiErrorSchema,
  listTicketsQuerySchema,
  newCommentSchema,
  statusChangeSchema,
  TICKETS_API_PREFIX,
  ticketPageSchema,
} from './tickets-api.js';
import { CUSTOMERS_API_PREFIX, customerUserIdSchema, erasureReportSchema } from '../privacy/customers-api.js';
import { GAPS_API_PREFIX, gapReportSchema, gapsQuerySchema } from '../gaps/gaps-api.js';
import {
  externalAcceptSchema,
  externalMessageSchema,
  externalResolveSchema,
  HANDOFFS_API_PREFIX,
  handoffDetailSchema,
  handoffListSchema,
  handoffMessageResultSchema,
  handoffResultSchema,
  listHandoffsQuerySchema,
} from './handoffs-api.js';
import { handoffMessageSchema, handoffSchema } from '../handoff/handoff.js';
import { vendorListSchema, vendorReplySchema, vendorRequestSchema, vendorStepResultSchema, vendorStepViewSchema } from './vendor-api.js';

type JsonSchema = Record<string, unknown>;

const componentRef = (id: string) => `#/components/schemas/${id}`;

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) without the keys that do not belong inside a component. */
function clean(schema: JsonSchema): JsonSchema {
  const { $schema: _dialect, $id: _id, ...rest } = schema;
  return rest;
}

/** Ticket, page, bodies and error as components, generated from the schemas the handlers validate with. */
function componentSchemas(): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  registry.add(ticketSchema, { id: 'Ticket' });
  registry.add(ticketPageSchema, { id: 'TicketPage' });
  registry.add(statusChangeSchema, { id: 'StatusChange' });
  registry.add(newCommentSchema, { id: 'NewComment' });
  registry.add(apiErrorSchema, { id: 'Error' });
  registry.add(erasureReportSchema, { id: 'ErasureReport' });
  registry.add(gapReportSchema, { id: 'GapReport' });
  registry.add(handoffSchema, { id: 'Handoff' });
  registry.add(handoffMessageSchema, { id: 'HandoffMessage' });
  registry.add(handoffListSchema, { id: 'HandoffList' });
  registry.add(handoffDetailSchema, { id: 'HandoffDetail' });
  registry.add(handoffResultSchema, { id: 'HandoffResult' });
  registry.add(handoffMessageResultSchema, { id: 'HandoffMessageResult' });
  registry.add(externalAcceptSchema, { id: 'HandoffAccept' });
  registry.add(externalMessageSchema, { id: 'HandoffAgentMessage' });
  registry.add(externalResolveSchema, { id: 'HandoffResolve' });
  registry.add(vendorRequestSchema, { id: 'VendorRequest' });
  registry.add(vendorReplySchema, { id: 'VendorReply' });
  registry.add(vendorStepResultSchema, { id: 'VendorStepResult' });
  registry.add(vendorStepViewSchema, { id: 'VendorStepView' });
  registry.add(vendorListSchema, { id: 'VendorList' });
  const { schemas } = z.toJSONSchema(registry, { target: 'draft-2020-12', uri: componentRef });
  return Object.fromEntries(Object.entries(schemas).map(([id, schema]) => [id, clean(schema as JsonSchema)]));
}

function queryParameters(): JsonSchema[] {
  return Object.entries(listTicketsQuerySchema.shape).map(([name, schema]) => {
    const { description, ...json } = clean(z.toJSONSchema(schema, { io: 'input' }) as JsonSchema);
    return { name, in: 'query', required: false, ...(description === undefined ? {} : { description }), schema: json };
  });
}

const json = (schemaId: string) => ({ 'application/json': { schema: { $ref: componentRef(schemaId) } } });
const errorResponse = (description: string) => ({ description, content: json('Error') });

/**
 * The ticket API as an OpenAPI 3.1 document. Built from the same zod schemas the routes validate
 * with, so the documentation cannot drift from what the server accepts and returns.
 */
export function buildOpenApiDocument(): JsonSchema {
  const referenceParameter = {
    name: 'reference',
    in: 'path',
    required: true,
    description: 'The ticket reference customers quote, e.g. TD-1042.',
    schema: clean(z.toJSONSchema(ticketReferenceSchema) as JsonSchema),
  };
  const common = {
    '401': { $ref: '#/components/responses/Unauthorized' },
  };
  /** What any endpoint with a JSON body can answer about that body. */
  const bodyErrors = {
    '400': errorResponse('The body is invalid; error.field names the field'),
    '413': errorResponse('The body is too large'),
    '415': errorResponse('The body is not JSON'),
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'tierdesk ticket API',
      version: '1.0.0',
      description:
        'Staff access to tickets filed by the tierdesk bot. Authenticate with "Authorization: Bearer <token>" using one of the API_TOKENS; errors are { error: { code, message, field? } }.',
    },
    security: [{ bearerAuth: [] }],
    paths: {
      [TICKETS_API_PREFIX]: {
        get: {
          operationId: 'listTickets',
          summary: 'List tickets, newest first, with filters and paging',
          parameters: queryParameters(),
          responses: {
            '200': { description: 'A page of tickets and the total matching the filters', content: json('TicketPage') },
            '400': errorResponse('A query parameter is invalid; error.field names it'),
            ...common,
          },
        },
      },
      [`${TICKETS_API_PREFIX}/{reference}`]: {
        get: {
          operationId: 'getTicket',
          summary: 'One ticket with transcript and comments',
          parameters: [referenceParameter],
          responses: {
            '200': { description: 'The ticket', content: json('Ticket') },
            '400': errorResponse('The reference is malformed'),
            '404': errorResponse('No ticket has this reference'),
            ...common,
          },
        },
      },
      [`${TICKETS_API_PREFIX}/{reference}/status`]: {
        post: {
          operationId: 'changeTicketStatus',
          summary: 'Move a ticket along its lifecycle',
          parameters: [referenceParameter],
          requestBody: { required: true, content: json('StatusChange') },
          responses: {
            '200': { description: 'The updated ticket', content: json('Ticket') },
            ...bodyErrors,
            '404': errorResponse('No ticket has this reference'),
            '409': errorResponse('The lifecycle does not allow this change (e.g. closed → open)'),
            ...common,
          },
        },
      },
      [`${TICKETS_API_PREFIX}/{reference}/comments`]: {
        post: {
          operationId: 'addTicketComment',
          summary: 'Add a comment to a ticket',
          parameters: [referenceParameter],
          requestBody: { required: true, content: json('NewComment') },
          responses: {
            '201': { description: 'The ticket with the new comment last', content: json('Ticket') },
            ...bodyErrors,
            '404': errorResponse('No ticket has this reference'),
            ...common,
          },
        },
      },
      [`${CUSTOMERS_API_PREFIX}/{userId}`]: {
        delete: {
          operationId: 'eraseCustomer',
          summary: "Erase or anonymise one customer's personal data everywhere",
          description:
            'Deletes the customer\'s transcripts, Direct Line log, feedback, bot state and pending webhook deliveries, and anonymises their tickets (contact details, subject, description and transcript removed; status and SLA history kept). Idempotent.',
          parameters: [
            { name: 'userId', in: 'path', required: true, description: customerUserIdSchema.description, schema: clean(z.toJSONSchema(customerUserIdSchema) as JsonSchema) },
          ],
          responses: {
            '200': { description: 'What was touched, per table', content: json('ErasureReport') },
            '400': errorResponse('The user id is invalid'),
            ...common,
          },
        },
      },
      ...handoffPaths(common, bodyErrors),
      ...vendorPaths(referenceParameter, common, bodyErrors),
      [GAPS_API_PREFIX]: {
        get: {
          operationId: 'contentGaps',
          summary: 'Content-gap report: unresolved questions clustered into topics',
          description:
            'Questions that ended in "No, that didn\'t help", a did-you-mean with none chosen, or a ticket, grouped by meaning (embeddings) into topics with counts, examples and the articles that were offered and did not help. Most frequent topics first.',
          parameters: Object.entries(gapsQuerySchema.shape).map(([name, schema]) => {
            const { description, ...json } = clean(z.toJSONSchema(schema, { io: 'input' }) as JsonSchema);
            return { name, in: 'query', required: false, ...(description === undefined ? {} : { description }), schema: json };
          }),
          responses: {
            '200': { description: 'Topics, most frequent first (text/csv with format=csv)', content: { ...json('GapReport'), 'text/csv': { schema: { type: 'string' } } } },
            '400': errorResponse('A query parameter is invalid; error.field names it'),
            '503': errorResponse('The embedding model is still loading or failed to load'),
            ...common,
          },
        },
      },
    },
    components: {
      schemas: componentSchemas(),
      responses: {
        Unauthorized: errorResponse('No bearer token, a wrong one, or the API is disabled (API_TOKENS not set)'),
      },
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'One of the tokens in API_TOKENS' },
      },
    },
  };
}

/** `/api/handoffs`: live chats for a team working in another helpdesk (acting as a named external agent). */
function handoffPaths(common: JsonSchema, bodyErrors: JsonSchema): JsonSchema {
  const idParameter = { name: 'id', in: 'path', required: true, description: 'The handoff id (h_…).', schema: { type: 'string' } };
  const conflicts = {
    '403': errorResponse('The chat is held by another agent (error.code forbidden)'),
    '404': errorResponse('No such handoff'),
    '409': errorResponse('taken (another agent accepted first), not_queued or not_active'),
  };
  const action = (operationId: string, summary: string, body: string, ok: string, okSchema: string) => ({
    post: {
      operationId,
      summary,
      parameters: [idParameter],
      requestBody: { required: true, content: json(body) },
      responses: { [ok]: { description: summary, content: json(okSchema) }, ...bodyErrors, ...conflicts, ...common },
    },
  });
  return {
    [HANDOFFS_API_PREFIX]: {
      get: {
        operationId: 'listHandoffs',
        summary: 'Live chats (queued, active, finished), oldest first',
        parameters: Object.entries(listHandoffsQuerySchema.shape).map(([name, schema]) => {
          const { description, ...json } = clean(z.toJSONSchema(schema, { io: 'input' }) as JsonSchema);
          return { name, in: 'query', required: false, ...(description === undefined ? {} : { description }), schema: json };
        }),
        responses: { '200': { description: 'Handoffs', content: json('HandoffList') }, '400': errorResponse('A query parameter is invalid'), ...common },
      },
    },
    [`${HANDOFFS_API_PREFIX}/{id}`]: {
      get: {
        operationId: 'getHandoff',
        summary: 'One handoff with its whole conversation (transcript before the handoff, relayed lines, notes)',
        parameters: [idParameter],
        responses: { '200': { description: 'The handoff and its messages', content: json('HandoffDetail') }, '404': errorResponse('No such handoff'), ...common },
      },
    },
    [`${HANDOFFS_API_PREFIX}/{id}/accept`]: action('acceptHandoff', 'Accept a queued chat (exactly once: a second accept gets 409 taken)', 'HandoffAccept', '200', 'HandoffDetail'),
    [`${HANDOFFS_API_PREFIX}/{id}/messages`]: action('sendHandoffMessage', "Send a line to the customer's channel (stored first, retried until delivered)", 'HandoffAgentMessage', '201', 'HandoffMessageResult'),
    [`${HANDOFFS_API_PREFIX}/{id}/resolve`]: action('resolveHandoff', 'Resolve: closing message, back to the bot, 1–5 satisfaction question', 'HandoffResolve', '200', 'HandoffResult'),
  };
}

/** The vendor step of L4 tickets (README "Vendor step"): consent first, then waiting on the vendor, replies relayed. */
function vendorPaths(referenceParameter: JsonSchema, common: JsonSchema, bodyErrors: JsonSchema): JsonSchema {
  const rules = '409 not_l4, ticket_closed, vendor_step_open or not_waiting_on_vendor (error.code)';
  return {
    '/api/vendors': {
      get: { operationId: 'listVendors', summary: 'The configured vendors (VENDORS_FILE)', responses: { '200': { description: 'Vendors', content: json('VendorList') }, ...common } },
    },
    [`${TICKETS_API_PREFIX}/{reference}/vendor`]: {
      get: {
        operationId: 'getVendorStep',
        summary: "The ticket's latest vendor step (consent_pending, declined, waiting with since / expectedBy, replied), or null",
        parameters: [referenceParameter],
        responses: { '200': { description: 'The vendor step', content: json('VendorStepView') }, '404': errorResponse('No ticket has this reference'), ...common },
      },
      post: {
        operationId: 'requestVendor',
        summary: 'Pass an L4 ticket to a vendor: the customer is asked first (in a live chat at once, else on their next message)',
        parameters: [referenceParameter],
        requestBody: { required: true, content: json('VendorRequest') },
        responses: {
          '202': { description: 'Consent is pending; nothing is shared until the customer says yes', content: json('VendorStepResult') },
          ...bodyErrors,
          '404': errorResponse('No ticket has this reference'),
          '409': errorResponse(rules),
          ...common,
        },
      },
    },
    [`${TICKETS_API_PREFIX}/{reference}/vendor-reply`]: {
      post: {
        operationId: 'vendorReply',
        summary: "Record the vendor's reply and relay it to the customer's channel; a final reply ends the wait (SLA_VENDOR_TIME)",
        parameters: [referenceParameter],
        requestBody: { required: true, content: json('VendorReply') },
        responses: {
          '201': { description: 'The ticket with the reply as a comment, and the vendor step', content: json('VendorStepResult') },
          ...bodyErrors,
          '404': errorResponse('No ticket has this reference'),
          '409': errorResponse(rules),
          ...common,
        },
      },
    },
  };
}

/** Serves the document at GET /api/openapi.json without auth, so tools can discover the API. */
export function mountOpenApi(server: restify.Server): void {
  let document: JsonSchema | undefined;
  server.get('/api/openapi.json', async (_req, res) => {
    document ??= buildOpenApiDocument();
    res.json(200, document);
  });
}
