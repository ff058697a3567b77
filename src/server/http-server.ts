import restify from 'restify';
import type { CloudAdapter } from 'botbuilder';
import type { KnowledgeService } from '../knowledge/knowledge-service.js';
import type { Logger } from '../logger.js';
import type { TierdeskBot } from '../bot/tierdesk-bot.js';
import type { TicketService } from '../tickets/ticket-service.js';
import { mountOpenApi } from './openapi.js';
import { mountTicketsApi, presentTicketsApiError } from './tickets-api.js';

export interface HttpServerOptions {
  adapter: CloudAdapter;
  bot: TierdeskBot;
  knowledge: KnowledgeService;
  logger: Logger;
  maxRequestBytes: number;
  /** Serves the staff ticket API (/api/tickets) and its OpenAPI document when given. */
  tickets?: { service: TicketService; apiTokens: readonly string[] };
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
        skippedArticles: status.problems.map((p) => `${p.file}: ${p.reason}`),
      };
  }
}

/** The restify app: thin routes that hand work to the adapter and services. */
export function createHttpServer(options: HttpServerOptions): restify.Server {
  const { adapter, bot, knowledge, logger } = options;
  const server = restify.createServer({ name: 'tierdesk', handleUncaughtExceptions: false });
  server.use(restify.plugins.queryParser({ mapParams: false }));
  server.use(restify.plugins.bodyParser({ maxBodySize: options.maxRequestBytes, mapParams: false, rejectUnknown: true }));

  server.post('/api/messages', async (req, res) => {
    await adapter.process(req, res, (context) => bot.run(context));
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
    mountOpenApi(server);
  }

  server.on('restifyError', (req, _res, error: Error & { statusCode?: number }, callback: () => void) => {
    if ((error.statusCode ?? 500) >= 500) logger.error('request failed', { url: req.url, error: error.message });
    if (options.tickets) presentTicketsApiError(req, error);
    callback();
  });
  return server;
}
