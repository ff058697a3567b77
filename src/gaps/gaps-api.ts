import type restify from 'restify';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import type { KnowledgeSearch } from '../search/knowledge-search.js';
import { HttpError } from '../server/http-error.js';
import { buildGapReport, gapReportCsv, type GapSources } from './gap-report.js';

export const GAPS_API_PREFIX = '/api/gaps';

/** Query of `GET /api/gaps`. */
export const gapsQuerySchema = z.strictObject({
  days: z.coerce.number().int().min(1).max(3650).default(30).describe('Look back this many days (default 30).'),
  minCount: z.coerce.number().int().min(1).max(1000).default(1).describe('Only topics asked at least this often.'),
  format: z.enum(['json', 'csv']).default('json').describe('`csv` returns the topics as a spreadsheet.'),
});

/** One topic of the report (response schema, also used by the OpenAPI document). */
export const gapTopicSchema = z.object({
  topic: z.string().describe('The most central question of the topic.'),
  count: z.number().int(),
  examples: z.array(z.string()),
  bySource: z.object({ 'not-helpful': z.number().int(), 'none-chosen': z.number().int(), ticket: z.number().int() }),
  languages: z.array(z.string()),
  offeredArticles: z.array(z.object({ articleId: z.string(), count: z.number().int() })).describe('Articles offered for these questions that did not help.'),
  lastAskedAt: z.string(),
});

export const gapReportSchema = z.object({
  generatedAt: z.string(),
  since: z.string(),
  questions: z.number().int(),
  topicThreshold: z.number(),
  topics: z.array(gapTopicSchema),
});

export interface GapsApiOptions {
  sources: GapSources;
  /** The ready knowledge search (embeds the questions), or undefined while the model loads. */
  search: () => KnowledgeSearch | undefined;
  /** Throws an HttpError (401) when the request lacks one of the API_TOKENS. */
  authenticate: (req: restify.Request) => void;
  logger: Logger;
  now?: () => Date;
}

/**
 * `GET /api/gaps`: questions self-help did not resolve ("not helpful", "none of these", tickets),
 * clustered into topics with counts, examples and the articles that were wrongly offered: what
 * a support team should write next.
 */
export function mountGapsApi(server: restify.Server, options: GapsApiOptions): void {
  const { logger } = options;
  const now = options.now ?? (() => new Date());
  server.get(GAPS_API_PREFIX, async (req: restify.Request, res: restify.Response) => {
    res.header('Cache-Control', 'no-store');
    try {
      options.authenticate(req);
      const parsed = gapsQuerySchema.safeParse(req.query ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const field = issue.path.join('.') || undefined;
        throw new HttpError(400, 'invalid_request', `${field ?? 'query'}: ${issue.message}`, field);
      }
      const search = options.search();
      if (search === undefined) throw new HttpError(503, 'knowledge_unavailable', 'The embedding model is still loading (or failed, see /health); try again shortly.');
      const at = now();
      const since = new Date(at.getTime() - parsed.data.days * 86_400_000).toISOString();
      const report = await buildGapReport(options.sources, search, since, at);
      const filtered = { ...report, topics: report.topics.filter((t) => t.count >= parsed.data.minCount) };
      if (parsed.data.format === 'csv') {
        res.header('Content-Type', 'text/csv; charset=utf-8');
        res.sendRaw(200, gapReportCsv(filtered));
        return;
      }
      res.json(200, filtered);
    } catch (error) {
      const mapped = error instanceof HttpError ? error : new HttpError(500, 'internal_error', 'Something went wrong on the server; it has been logged.');
      if (!(error instanceof HttpError)) logger.error('gap report failed', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      if (mapped.status === 401) res.header('WWW-Authenticate', 'Bearer realm="tierdesk"');
      if (mapped.status === 503) res.header('Retry-After', '30');
      res.json(mapped.status, mapped.body);
    }
  });
}
