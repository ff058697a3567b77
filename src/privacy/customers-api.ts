import { randomUUID } from 'node:crypto';
import type restify from 'restify';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import { HttpError } from '../server/http-error.js';
import type { PersonalDataRegistry } from './personal-data.js';

/** Where customer-level staff operations live. */
export const CUSTOMERS_API_PREFIX = '/api/customers';

/** Path parameter of `DELETE /api/customers/:userId`: the channel user id tickets show as customer.userId. */
export const customerUserIdSchema = z.string().min(1).max(512).describe("The customer's channel user id (a ticket's customer.userId).");

/** Response of `DELETE /api/customers/:userId`. */
export const erasureReportSchema = z.object({
  userId: z.string(),
  conversations: z.number().int().min(0).describe('Conversations found for the customer across channels.'),
  touched: z.record(z.string(), z.number().int().min(0)).describe('Rows deleted or anonymised per table (0 = searched, nothing found).'),
});

/** What the route needs: the registry, the same bearer check as /api/tickets, a logger. */
export interface CustomersApiOptions {
  registry: PersonalDataRegistry;
  /** Throws an HttpError (401) when the request lacks one of the API_TOKENS. */
  authenticate: (req: restify.Request) => void;
  logger: Logger;
}

/**
 * `DELETE /api/customers/:userId`: erases or anonymises one customer's personal data in every
 * registered store and answers what was touched per table. Idempotent: a second call finds nothing.
 */
export function mountCustomersApi(server: restify.Server, options: CustomersApiOptions): void {
  const { registry, authenticate, logger } = options;
  // A DELETE has no body, and clients (fetch, curl -X DELETE) send no Content-Length either, which
  // restify's body parser would refuse as "415 unknown content type": say there is nothing to read.
  server.pre((req: restify.Request, _res: restify.Response, next: restify.Next) => {
    if (req.method === 'DELETE' && (req.url ?? '').startsWith(`${CUSTOMERS_API_PREFIX}/`) && req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) {
      req.headers['content-length'] = '0';
    }
    return next();
  });
  server.del(`${CUSTOMERS_API_PREFIX}/:userId`, async (req: restify.Request, res: restify.Response) => {
    res.header('Cache-Control', 'no-store');
    try {
      authenticate(req);
      const parsed = customerUserIdSchema.safeParse(req.params?.userId);
      if (!parsed.success) throw new HttpError(400, 'invalid_request', 'userId: must be 1–512 characters', 'userId');
      const report = await registry.eraseCustomer(parsed.data, `erased-${randomUUID()}`);
      // The user id is personal data too: log that an erasure happened and its size, not whose.
      logger.info('customer erased', { touched: report.touched });
      res.json(200, report);
    } catch (error) {
      const mapped =
        error instanceof HttpError ? error : new HttpError(500, 'internal_error', 'Something went wrong on the server; it has been logged.');
      if (!(error instanceof HttpError)) logger.error('customer erasure failed', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      if (mapped.status === 401) res.header('WWW-Authenticate', 'Bearer realm="tierdesk"');
      res.json(mapped.status, mapped.body);
    }
  });
}
