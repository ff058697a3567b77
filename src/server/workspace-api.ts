import { timingSafeEqual } from 'node:crypto';
import type restify from 'restify';
import { z } from 'zod';
import type { Agent } from '../agents/agent.js';
import type { AgentSessions } from '../agents/agent-sessions.js';
import type { Logger } from '../logger.js';
import { RateLimitedError } from '../security/rate-limiter.js';
import type { AgentWorkspace } from '../workspace/agent-workspace.js';
import { draftEditSchema, draftStateSchema } from '../workspace/article-draft.js';
import type { ArticleDrafts } from '../workspace/article-drafts.js';
import type { PlaybookLibrary } from '../workspace/playbook-library.js';
import { supervisorStats } from '../workspace/supervisor-stats.js';
import type { AgentStore } from '../agents/agent-store.js';
import type { HandoffService } from '../handoff/handoff-service.js';
import type { TicketService } from '../tickets/ticket-service.js';
import type { Ticket } from '../tickets/ticket.js';
import { PlaybookValidationError, type PlaybookProblem } from '../workspace/playbook.js';
import { AGENT_API_PREFIX, AGENT_COOKIE, parseBody, readCookie, toHttpError } from './agent-api.js';
import { HttpError } from './http-error.js';

export const answerCardSchema = z.strictObject({ articleId: z.string().trim().min(1).max(200) });
export const playbookSourceSchema = z.strictObject({ source: z.string().min(1).max(200_000) });
/** Supervisor view: the most sent articles of this many days, at most MOST_SENT_LIMIT of them. */
const MOST_SENT_DAYS = 30;
const MOST_SENT_LIMIT = 10;
const TICKET_PAGE = 500;

export const mergeSchema = z.strictObject({ articleId: z.string().trim().min(1).max(200) });

/** A 400 that also lists every playbook problem with file and line. */
class PlaybookHttpError extends HttpError {
  constructor(readonly problems: PlaybookProblem[]) {
    super(400, 'invalid_playbook', problems.map((p) => `${p.file}:${p.line}: ${p.message}`).join('\n'), 'source');
  }

  override get body() {
    return { error: { ...super.body.error, problems: this.problems } };
  }
}

export interface WorkspaceApiOptions {
  sessions: AgentSessions;
  workspace: AgentWorkspace;
  playbooks: PlaybookLibrary;
  drafts: ArticleDrafts;
  /** For the supervisor view. */
  handoffs: HandoffService;
  agents: AgentStore;
  /** For the supervisor's "about to breach" list. */
  tickets: TicketService;
  /** SUPERVISOR_SLA_WARNING_MINUTES. */
  slaWarningMinutes: number;
  logger: Logger;
  now?: () => Date;
}

function sameString(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * The agent workspace routes (docs/agent-console-api.md, "Workspace"): playbooks and article
 * suggestions per conversation, answer cards, and the admin-only playbook editor. Same session
 * cookie and CSRF rule as the rest of the console API.
 */
export function mountWorkspaceApi(server: restify.Server, options: WorkspaceApiOptions): void {
  const { sessions, workspace, playbooks, drafts, logger } = options;

  const signedIn = async (req: restify.Request): Promise<Agent> => {
    const session = await sessions.authenticate(readCookie(req, AGENT_COOKIE));
    if (session === undefined) throw new HttpError(401, 'unauthenticated', 'Sign in to the agent console first.');
    if (req.method !== 'GET' && req.method !== 'HEAD' && !sameString(req.header('x-csrf-token') ?? '', session.csrfToken)) {
      throw new HttpError(403, 'csrf', 'Missing or wrong X-CSRF-Token header; reload the console.');
    }
    return session.agent;
  };
  const admin = async (req: restify.Request): Promise<Agent> => {
    const agent = await signedIn(req);
    if (!agent.admin) throw new HttpError(403, 'forbidden', 'Only admins can do this (playbooks, article drafts).');
    return agent;
  };

  type Handler = (req: restify.Request) => Promise<{ status: number; body: unknown }>;
  const route =
    (handler: Handler) =>
    async (req: restify.Request, res: restify.Response): Promise<void> => {
      res.header('Cache-Control', 'no-store');
      try {
        const { status, body } = await handler(req);
        res.json(status, body);
      } catch (error) {
        const failure = error instanceof PlaybookValidationError ? new PlaybookHttpError(error.problems) : toHttpError(error, logger, req);
        if (failure instanceof RateLimitedError) res.header('Retry-After', String(failure.retryAfterSeconds));
        res.json(failure.status, failure.body);
      }
    };
  const param = (req: restify.Request, name: string) => String((req.params as Record<string, unknown>)[name] ?? '');

  server.get(
    `${AGENT_API_PREFIX}/handoffs/:id/playbooks`,
    route(async (req) => {
      const agent = await signedIn(req);
      const { playbooks: list } = await workspace.playbooksFor(param(req, 'id'), agent);
      return { status: 200, body: { playbooks: list } };
    }),
  );

  server.get(
    `${AGENT_API_PREFIX}/handoffs/:id/suggestions`,
    route(async (req) => {
      const agent = await signedIn(req);
      return { status: 200, body: { suggestions: await workspace.suggestions(param(req, 'id'), agent) } };
    }),
  );

  server.post(
    `${AGENT_API_PREFIX}/handoffs/:id/answer-card`,
    route(async (req) => {
      const agent = await signedIn(req);
      const { articleId } = parseBody(answerCardSchema, req.body);
      return { status: 201, body: { message: await workspace.sendAnswerCard(param(req, 'id'), agent, articleId) } };
    }),
  );

  server.get(
    `${AGENT_API_PREFIX}/playbooks`,
    route(async (req) => {
      await admin(req);
      const files = [...new Set(playbooks.playbooks.map((p) => p.file))];
      return { status: 200, body: { files, problems: playbooks.problems } };
    }),
  );

  server.get(
    `${AGENT_API_PREFIX}/playbooks/:language/:file`,
    route(async (req) => {
      await admin(req);
      const source = await playbooks.source(param(req, 'language'), param(req, 'file'));
      if (source === undefined) throw new HttpError(404, 'not_found', 'No such playbook file.');
      return { status: 200, body: { source } };
    }),
  );

  server.put(
    `${AGENT_API_PREFIX}/playbooks/:language/:file`,
    route(async (req) => {
      await admin(req);
      const { source } = parseBody(playbookSourceSchema, req.body);
      const written = await playbooks.write(param(req, 'language'), param(req, 'file'), source);
      return { status: 200, body: { playbooks: written.map((p) => ({ id: p.id, title: p.title, tier: p.tier, kind: p.kind })) } };
    }),
  );

  // Article drafts from resolved chats marked "worth an article": admins review and publish.
  server.get(
    `${AGENT_API_PREFIX}/drafts`,
    route(async (req) => {
      await admin(req);
      const raw = (req.query as Record<string, unknown> | undefined)?.state;
      const state = raw === undefined ? undefined : parseBody(z.strictObject({ state: draftStateSchema }), { state: raw }).state;
      return { status: 200, body: { drafts: await drafts.list(state) } };
    }),
  );

  server.get(
    `${AGENT_API_PREFIX}/drafts/:id`,
    route(async (req) => {
      await admin(req);
      return { status: 200, body: { draft: await drafts.get(param(req, 'id')) } };
    }),
  );

  server.put(
    `${AGENT_API_PREFIX}/drafts/:id`,
    route(async (req) => {
      await admin(req);
      return { status: 200, body: { draft: await drafts.edit(param(req, 'id'), parseBody(draftEditSchema, req.body)) } };
    }),
  );

  server.post(
    `${AGENT_API_PREFIX}/drafts/:id/publish`,
    route(async (req) => {
      await admin(req);
      return { status: 200, body: { draft: await drafts.publish(param(req, 'id')) } };
    }),
  );

  server.post(
    `${AGENT_API_PREFIX}/drafts/:id/merge`,
    route(async (req) => {
      await admin(req);
      const { articleId } = parseBody(mergeSchema, req.body);
      return { status: 200, body: { draft: await drafts.merge(param(req, 'id'), articleId) } };
    }),
  );

  server.post(
    `${AGENT_API_PREFIX}/drafts/:id/discard`,
    route(async (req) => {
      await admin(req);
      return { status: 200, body: { draft: await drafts.discard(param(req, 'id')) } };
    }),
  );

  // Supervisor view: queues, agents and today's outcomes (admins only).
  server.get(
    `${AGENT_API_PREFIX}/supervisor`,
    route(async (req) => {
      const supervisor = await admin(req);
      const now = options.now?.() ?? new Date();
      const since = new Date(now.getTime() - MOST_SENT_DAYS * 86_400_000).toISOString();
      // Every unresolved ticket, page by page: the store lists newest first, and the oldest are the likeliest to breach.
      const unresolved = (['new', 'open', 'pending'] as const).map(async (status) => {
        const items: Ticket[] = [];
        for (let offset = 0; ; offset += TICKET_PAGE) {
          const page = await options.tickets.list({ status, limit: TICKET_PAGE, offset });
          items.push(...page.items);
          if (page.items.length < TICKET_PAGE || items.length >= page.total) return items;
        }
      });
      const [queued, active, resolved, agentList, activeCounts, openDrafts, mostSentArticles, ...pages] = await Promise.all([
        options.handoffs.list({ state: 'queued', limit: 1000 }),
        options.handoffs.list({ state: 'active', limit: 1000 }),
        options.handoffs.list({ state: 'resolved', limit: 1000 }),
        options.agents.list(),
        options.handoffs.activeCounts(),
        drafts.list('open'),
        workspace.mostSent(since, MOST_SENT_LIMIT, supervisor.language),
        ...unresolved,
      ]);
      const tickets = pages.flat();
      const paused = new Set<string>();
      for (const ticket of tickets) if (await options.tickets.isSlaPaused(ticket.reference)) paused.add(ticket.reference);
      return {
        status: 200,
        body: supervisorStats({ queued, active, resolved, agents: agentList, activeCounts, openDrafts: openDrafts.length, tickets, slaPaused: paused, warningMinutes: options.slaWarningMinutes, mostSentArticles, now }),
      };
    }),
  );
}
