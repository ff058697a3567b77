import type restify from 'restify';

/** What a JSON route handler answers: a status and the body to send as JSON. */
export interface JsonReply {
  status: number;
  body: unknown;
}

/** How an API maps any failure to its `{ error: { code, message, field? } }` answer. */
export type ErrorMapper = (error: unknown, req: restify.Request) => { status: number; body: unknown };

/**
 * Wraps a staff API handler (restify 11: async, no `next`) so every route of the ticket, handoff
 * and vendor APIs behaves alike: never cached, the caller checked before the handler runs, the
 * reply as JSON, every failure mapped to the API's error shape, and a 401 that names the bearer
 * scheme when `challenge` says the route is a bearer-token one.
 */
export function jsonRoute<Caller>(
  identify: (req: restify.Request) => Caller | Promise<Caller>,
  toError: ErrorMapper,
  handler: (req: restify.Request, caller: Caller) => Promise<JsonReply>,
  challenge: (req: restify.Request) => boolean = () => true,
): (req: restify.Request, res: restify.Response) => Promise<void> {
  return async (req, res) => {
    res.header('Cache-Control', 'no-store');
    try {
      const caller = await identify(req);
      const { status, body } = await handler(req, caller);
      res.json(status, body);
    } catch (error) {
      const failure = toError(error, req);
      if (failure.status === 401 && challenge(req)) res.header('WWW-Authenticate', 'Bearer realm="tierdesk"');
      res.json(failure.status, failure.body);
    }
  };
}
