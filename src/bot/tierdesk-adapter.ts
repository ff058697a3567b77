import { CloudAdapter, type Activity, type TurnContext } from 'botbuilder';
import type { Request, Response } from 'restify';
import type { Logger } from '../logger.js';

/** Fields botbuilder turns from ISO strings into Dates, keeping the string as `raw…` (its validateAndFixActivity). */
const DATE_FIELDS = [
  ['timestamp', 'rawTimestamp'],
  ['expiration', 'rawExpiration'],
  ['localTimestamp', 'rawLocalTimestamp'],
] as const;

/**
 * The CloudAdapter, with `processValidated`: what `CloudAdapter.process` does for a POST to
 * /api/messages, for a body the route has already validated (botActivitySchema). The date fields
 * are made Dates as botbuilder does, the turn runs through the adapter's own `processActivity`
 * (which verifies the Authorization header when channel auth is on), and its invoke response (an
 * `expectReplies` turn's replies) is written back.
 *
 * Why not `process` itself: on every request it builds its zod schemas anew and parses the whole
 * body twice more, ~0.05 ms of a turn's CPU in the bench's profile, for checks the route made.
 */
export class TierdeskAdapter extends CloudAdapter {
  /**
   * Failures answer with the statuses `process` gives: 401 for a token that does not authenticate
   * (without `process`'s console.error: it is the caller's mistake), 500 for anything else, logged
   * (and, unlike `process`, without the error's message in the response).
   */
  async processValidated(req: Request, res: Response, logic: (context: TurnContext) => Promise<void>, logger: Logger): Promise<void> {
    const activity = req.body as Activity & Record<string, unknown>;
    for (const [field, raw] of DATE_FIELDS) {
      const value = activity[field];
      if (typeof value === 'string') {
        activity[raw] = value;
        activity[field] = new Date(value);
      }
    }
    let status: number;
    let body: unknown;
    try {
      const response = await this.processActivity(req.header('authorization') ?? '', activity, logic);
      status = response?.status ?? 200;
      body = response?.body;
    } catch (error) {
      if (isAuthenticationError(error)) {
        status = 401;
        body = { error: { code: 'unauthorized', message: 'The Authorization header does not authenticate a Bot Framework channel.' } };
      } else {
        logger.error('message could not be processed', { error: error instanceof Error ? error.message : String(error) });
        status = 500;
        body = { error: { code: 'internal', message: 'The turn could not be processed.' } };
      }
    }
    res.status(status);
    if (body !== undefined && body !== null) res.send(body);
    res.end();
  }
}

/** botframework-connector's AuthenticationError (a failed token check), known by its name and 401 status code. */
function isAuthenticationError(error: unknown): boolean {
  return error instanceof Error && error.constructor.name === 'AuthenticationError' && (error as { statusCode?: unknown }).statusCode === 401;
}
