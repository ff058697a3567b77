import type http from 'node:http';
import restify from 'restify';
import type { KnowledgeService } from '../knowledge/knowledge-service.js';
import type { Logger } from '../logger.js';
import type { TierdeskBot } from '../bot/tierdesk-bot.js';
import type { TierdeskAdapter } from '../bot/tierdesk-adapter.js';
import type { TicketService } from '../tickets/ticket-service.js';
import { botActivitySchema, rejectDeepBodies } from '../security/body-guards.js';
import { allowOrSend429 } from '../security/rate-limiter.js';
import { conversationLimiter, mountConversationLimits, mountRequestLimits, type RequestLimits } from '../security/request-limits.js';
import { mountBaseSecurityHeaders } from '../security/security-headers.js';
import { describeFirstIssue } from '../directline/schemas.js';
import { mountOpenApi } from './openapi.js';
import { authenticator, mountTicketsApi, presentTicketsApiError } from './tickets-api.js';
import { mountCustomersApi } from '../privacy/customers-api.js';
import type { GapSources } from '../gaps/gap-report.js';
import { mountGapsApi } from '../gaps/gaps-api.js';
import type { PersonalDataRegistry } from '../privacy/personal-data.js';

export interface HttpServerOptions {
  adapter: TierdeskAdapter;
  bot: TierdeskBot;
  knowledge: KnowledgeService;
  logger: Logger;
  maxRequestBytes: number;
  /** Rate limits per IP, conversation and API token (src/security/request-limits.ts). */
  limits: RequestLimits;
  /**
   * True when MICROSOFT_APP_ID is set: /api/messages then needs an Authorization header before its
   * body is looked at, and CloudAdapter verifies the token. Without it (local development) the body
   * is validated first, since nothing else stands between the internet and the adapter.
   */
  channelAuth: boolean;
  /** Erasure (DELETE /api/customers/:userId, same bearer tokens as the ticket API) when given with `tickets`. */
  privacy?: PersonalDataRegistry;
  /** Serves the staff ticket API (/api/tickets) and its OpenAPI document when given. */
  tickets?: { service: TicketService; apiTokens: readonly string[] };
  /** Content-gap report (GET /api/gaps, same bearer tokens as the ticket API) when given with `tickets`. */
  gaps?: GapSources;
}

/**
 * Gives restify's own errors (body parser 400/413/415, unknown route 404, 405) the one JSON error
 * shape `{ error: { code, message } }` every route answers with. Ticket API paths get their own
 * wording from presentTicketsApiError right after.
 */
function presentFrameworkError(error: Error & { statusCode?: number }): void {
  // A plain Error thrown by a handler has no status; restify would then answer its message (file
  // paths, SQL…) in an InternalError. Giving it one makes restify send our body instead.
  if (typeof error.statusCode !== 'number') Object.assign(error, { statusCode: 500 });
  const status = error.statusCode ?? 500;
  const code =
    ({ 400: 'invalid_request', 404: 'not_found', 405: 'method_not_allowed', 406: 'not_acceptable', 413: 'payload_too_large', 415: 'unsupported_media_type' } as Record<number, string>)[status] ??
    (status >= 500 ? 'internal_error' : 'request_error');
  const message =
    status >= 500
      ? 'Something went wrong on the server; it has been logged.'
      : status === 413
        ? 'The body is larger than the server accepts (MAX_REQUEST_BYTES).'
        : status === 415
          ? 'Send the body as JSON (Content-Type: application/json).'
          : error.message || 'The request was refused.';
  Object.assign(error, { toJSON: () => ({ error: { code, message } }) });
}

/** Summary of level 0 for /health and /ready. */
function knowledgeHealth(knowledge: KnowledgeService) {
  const status = knowledge.status;
  switch (status.state) {
    case 'loading':
      return { state: 'loading' as const };
    case 'failed':
      return { state: 'failed' as const, error: status.error, attempts: status.attempts, retryAt: status.retryAt };
    case 'ready':
      return {
        state: 'ready' as const,
        articles: status.search.articleCount,
        languages: status.search.languages,
        skippedArticles: status.problems.map((p) => `${p.file}: ${p.reason}`),
        missingTranslations: status.missingTranslations.length,
        // The answer thresholds in use per language, and how they were chosen (`auto` calibration or fixed).
        thresholds: {
          source: status.calibration === undefined ? 'fixed' : 'auto',
          fallback: status.search.allThresholds.fallback,
          byLanguage: status.search.allThresholds.byLanguage,
          ...(status.calibration === undefined
            ? {}
            : {
                calibration: Object.fromEntries(
                  [['pooled', status.calibration.pooled] as const, ...Object.entries(status.calibration.byLanguage)].map(([language, c]) => [
                    language,
                    { heldOutQuestions: c.inScope, outOfScope: c.outOfScope, metTarget: c.metTarget, ...c.rates },
                  ]),
                ),
              }),
        },
      };
  }
}

/**
 * How long an idle keep-alive connection stays open (Node's default: 5 s). Node arms that timer
 * when a response ends, and timers run before the poll phase reads sockets: when a long stretch of
 * work held the event loop (a batch of turns over 10,000 articles: seconds), the timer fired
 * before the server read the next request that a client had already sent on the connection, the
 * socket was closed with that request unread, and the client got ECONNRESET (9–26 turns of 150
 * in a round of 100 concurrent customers; traced: timeout destroys at the same instant as the
 * resets). 65 s (as behind load balancers with a 60 s idle timeout) leaves that race to
 * connections idle for a minute; clients such as undici and browsers close theirs before the
 * server's Keep-Alive hint. `headersTimeout` stays above it, as Node's documentation asks.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

function keepConnectionsOpen(server: http.Server): void {
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = Math.max(server.headersTimeout, KEEP_ALIVE_TIMEOUT_MS + 1000);
}

/** The restify app: thin routes that hand work to the adapter and services. */
export function createHttpServer(options: HttpServerOptions): restify.Server {
  const { adapter, bot, knowledge, logger } = options;
  const server = restify.createServer({ name: 'tierdesk', handleUncaughtExceptions: false });
  keepConnectionsOpen(server.server);
  mountBaseSecurityHeaders(server);
  mountRequestLimits(server, options.limits);
  server.use(restify.plugins.queryParser({ mapParams: false }));
  server.use(restify.plugins.bodyParser({ maxBodySize: options.maxRequestBytes, mapParams: false, rejectUnknown: true }));
  server.use(rejectDeepBodies());
  mountConversationLimits(server, options.limits);

  server.post('/api/messages', async (req, res) => {
    if (options.channelAuth && !req.header('authorization')) {
      res.json(401, { error: { code: 'unauthorized', message: 'Channel requests need the Bot Framework Authorization header.' } });
      return;
    }
    const activity = botActivitySchema.safeParse(req.body);
    if (!activity.success) {
      const { field, message } = describeFirstIssue(activity.error);
      res.json(400, { error: { code: 'invalid_activity', message, field } });
      return;
    }
    const key = `${activity.data.channelId}:${activity.data.conversation.id}`;
    if (!options.channelAuth) {
      if (!allowOrSend429(conversationLimiter(options.limits, activity.data.type), key, res)) return;
      await adapter.processValidated(req, res, (context) => bot.run(context), logger);
      return;
    }
    // With channel auth the limit is applied only once CloudAdapter has verified the caller, so a
    // forged request cannot spend a real conversation's budget. An over-limit turn is dropped.
    await adapter.processValidated(req, res, async (context) => {
      if (conversationLimiter(options.limits, activity.data.type).take(key).allowed) return bot.run(context);
      logger.warn('message dropped: conversation over its rate limit', { channelId: activity.data.channelId });
    }, logger);
  });

  /** Liveness: the process serves HTTP. Knowledge status is included for operators. */
  server.get('/health', async (_req, res) => {
    res.json(200, { status: 'ok', knowledge: knowledgeHealth(knowledge) });
  });

  /** Readiness: level 0 can answer (503 while loading or after a load failure). */
  server.get('/ready', async (_req, res) => {
    const health = knowledgeHealth(knowledge);
    res.json(health.state === 'ready' ? 200 : 503, health);
  });

  if (options.tickets) {
    mountTicketsApi(server, { service: options.tickets.service, tokens: options.tickets.apiTokens, logger });
    if (options.privacy) {
      mountCustomersApi(server, { registry: options.privacy, authenticate: authenticator(options.tickets.apiTokens), logger });
    }
    if (options.gaps) {
      const status = () => knowledge.status;
      mountGapsApi(server, {
        sources: options.gaps,
        search: () => {
          const current = status();
          return current.state === 'ready' ? current.search : undefined;
        },
        authenticate: authenticator(options.tickets.apiTokens),
        logger,
      });
    }
    mountOpenApi(server);
  }

  server.on('restifyError', (req, _res, error: Error & { statusCode?: number }, callback: () => void) => {
    if ((error.statusCode ?? 500) >= 500) logger.error('request failed', { url: req.url, error: error.message });
    presentFrameworkError(error);
    if (options.tickets) presentTicketsApiError(req, error);
    callback();
  });
  return server;
}
