import { timingSafeEqual } from 'node:crypto';
import type restify from 'restify';
import { z } from 'zod';
import { agentLanguageSchema, agentStatusSchema, type Agent } from '../agents/agent.js';
import type { AgentStore } from '../agents/agent-store.js';
import type { AgentSessions } from '../agents/agent-sessions.js';
import type { AgentEventHub } from '../handoff/event-hub.js';
import { HandoffError } from '../handoff/handoff.js';
import type { HandoffService } from '../handoff/handoff-service.js';
import type { Logger } from '../logger.js';
import { clientIp, RateLimitedError, type TokenBucketLimiter } from '../security/rate-limiter.js';
import { tierSchema } from '../tickets/ticket.js';
import { HttpError } from './http-error.js';

/** Name of the console session cookie (HttpOnly, SameSite=Strict). */
export const AGENT_COOKIE = 'tierdesk_agent';
export const AGENT_API_PREFIX = '/agent/api';

// Request bodies (docs/agent-console-api.md): strict so a typo is a 400, not a silent no-op.
export const signInSchema = z.strictObject({ email: z.string().trim().min(3).max(320), password: z.string().min(1).max(200) });
export const updateMeSchema = z.strictObject({ status: agentStatusSchema.optional(), language: agentLanguageSchema.optional() });
export const messageBodySchema = z.strictObject({ text: z.string().trim().min(1).max(4000) });
export const transferSchema = z
  .strictObject({ tier: tierSchema.optional(), agentId: z.string().min(1).max(100).optional() })
  .refine((t) => (t.tier === undefined) !== (t.agentId === undefined), { message: 'give exactly one of tier or agentId' });
export const resolveSchema = z.strictObject({ closingMessage: z.string().trim().max(4000).optional(), worthArticle: z.boolean().optional() });

/** What the console shows for the signed-in agent. */
export interface AgentView {
  id: string;
  name: string;
  email: string;
  tiers: Agent['tiers'];
  capacity: number;
  status: Agent['status'];
  admin: boolean;
  language: Agent['language'];
  activeChats: number;
}

export function parseBody<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.map(String).join('.') || (issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined) || 'body';
  throw new HttpError(400, 'invalid_request', `${field}: ${issue.message}`, field);
}

/** Reads one cookie from the Cookie header (no dependency needed for one name). */
export function readCookie(req: restify.Request, name: string): string | undefined {
  for (const part of (req.header('cookie') ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

function sameString(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Maps service and validation errors to the one JSON error shape. */
export function toHttpError(error: unknown, logger: Logger, req: restify.Request): HttpError | RateLimitedError {
  if (error instanceof HttpError || error instanceof RateLimitedError) return error;
  if (error instanceof HandoffError) return new HttpError(error.status, error.code, error.message);
  logger.error('agent API request failed', { method: req.method, url: req.url, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  return new HttpError(500, 'internal_error', 'Something went wrong on the server; it has been logged.');
}

export interface AgentApiOptions {
  sessions: AgentSessions;
  agents: AgentStore;
  handoffs: HandoffService;
  hub: AgentEventHub;
  logger: Logger;
  /** Sign-in attempts per client IP and per email. */
  signInLimits: { perIp: Pick<TokenBucketLimiter, 'take'>; perEmail: Pick<TokenBucketLimiter, 'take'> };
  trustProxy: boolean;
  /** Secure cookies when the console is served over https (PUBLIC_URL). */
  secureCookies: boolean;
  sessionHours: number;
  /** Seconds between SSE pings. Default 15. */
  pingSeconds?: number;
  /** Rewrites an agent's line before it is sent (the workspace fills `{customer.name}` … so no raw `{…}` is sent). */
  prepareMessage?: (handoffId: string, agent: Agent, text: string) => Promise<string>;
}

/** Mounts the agent console JSON API and its SSE stream under /agent/api (docs/agent-console-api.md). */
export function mountAgentApi(server: restify.Server, options: AgentApiOptions): void {
  const { sessions, agents, handoffs, logger } = options;
  // Sign-out is a DELETE without a body, and fetch sends no Content-Length for it, which restify's
  // body parser would refuse as "415 unknown content type": say there is nothing to read.
  server.pre((req: restify.Request, _res: restify.Response, next: restify.Next) => {
    if (req.method === 'DELETE' && (req.url ?? '').startsWith(AGENT_API_PREFIX) && req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) {
      req.headers['content-length'] = '0';
    }
    return next();
  });

  const cookie = (value: string, maxAgeSeconds: number) =>
    `${AGENT_COOKIE}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${options.secureCookies ? '; Secure' : ''}`;

  const view = async (agent: Agent): Promise<AgentView> => {
    const counts = (await handoffs.activeCounts()).get(agent.id) ?? 0;
    return { id: agent.id, name: agent.name, email: agent.email, tiers: agent.tiers, capacity: agent.capacity, status: agent.status, admin: agent.admin, language: agent.language, activeChats: counts };
  };

  /** Session check (401) and, for state-changing methods, the CSRF header (403). */
  const signedIn = async (req: restify.Request): Promise<{ agent: Agent; csrfToken: string }> => {
    const session = await sessions.authenticate(readCookie(req, AGENT_COOKIE));
    if (session === undefined) throw new HttpError(401, 'unauthenticated', 'Sign in to the agent console first.');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const presented = req.header('x-csrf-token') ?? '';
      if (!sameString(presented, session.csrfToken)) throw new HttpError(403, 'csrf', 'Missing or wrong X-CSRF-Token header; reload the console.');
    }
    return session;
  };

  type Handler = (req: restify.Request, res: restify.Response) => Promise<{ status: number; body?: unknown }>;
  const route =
    (handler: Handler) =>
    async (req: restify.Request, res: restify.Response): Promise<void> => {
      res.header('Cache-Control', 'no-store');
      try {
        const { status, body } = await handler(req, res);
        if (body === undefined) res.send(status);
        else res.json(status, body);
      } catch (error) {
        const failure = toHttpError(error, logger, req);
        if (failure instanceof RateLimitedError) res.header('Retry-After', String(failure.retryAfterSeconds));
        res.json(failure.status, failure.body);
      }
    };
  const id = (req: restify.Request) => String((req.params as Record<string, unknown>).id ?? '');

  server.post(
    `${AGENT_API_PREFIX}/session`,
    route(async (req, res) => {
      const { email, password } = parseBody(signInSchema, req.body);
      for (const [limiter, key] of [
        [options.signInLimits.perIp, clientIp(req, options.trustProxy)],
        [options.signInLimits.perEmail, email.toLowerCase()],
      ] as const) {
        const verdict = limiter.take(key);
        if (!verdict.allowed) throw new RateLimitedError(verdict.retryAfterSeconds, `Too many sign-in attempts; try again in ${verdict.retryAfterSeconds} s.`);
      }
      const signed = await sessions.signIn(email, password);
      if (signed === undefined) throw new HttpError(401, 'unauthenticated', 'Wrong email or password.');
      res.header('Set-Cookie', cookie(signed.token, Math.round(options.sessionHours * 3600)));
      return { status: 200, body: { agent: await view(signed.agent), csrfToken: signed.csrfToken } };
    }),
  );

  server.get(
    `${AGENT_API_PREFIX}/session`,
    route(async (req) => {
      const { agent, csrfToken } = await signedIn(req);
      return { status: 200, body: { agent: await view(agent), csrfToken } };
    }),
  );

  server.del(
    `${AGENT_API_PREFIX}/session`,
    route(async (req, res) => {
      await signedIn(req);
      await sessions.signOut(readCookie(req, AGENT_COOKIE));
      res.header('Set-Cookie', cookie('', 0));
      return { status: 204 };
    }),
  );

  server.put(
    `${AGENT_API_PREFIX}/me`,
    route(async (req) => {
      const { agent } = await signedIn(req);
      const changes = parseBody(updateMeSchema, req.body);
      const updated = (await agents.update(agent.id, changes))!;
      // Going online or away changes who can be offered chats; the queue view is unchanged.
      return { status: 200, body: { agent: await view(updated) } };
    }),
  );

  server.get(
    `${AGENT_API_PREFIX}/agents`,
    route(async (req) => {
      await signedIn(req);
      const counts = await handoffs.activeCounts();
      const list = (await agents.list())
        .filter((a) => !a.disabled)
        .map((a) => ({ id: a.id, name: a.name, tiers: a.tiers, status: a.status, capacity: a.capacity, activeChats: counts.get(a.id) ?? 0 }));
      return { status: 200, body: { agents: list } };
    }),
  );

  server.get(
    `${AGENT_API_PREFIX}/handoffs`,
    route(async (req) => {
      const { agent } = await signedIn(req);
      return { status: 200, body: await handoffs.inbox(agent) };
    }),
  );

  server.get(
    `${AGENT_API_PREFIX}/handoffs/:id`,
    route(async (req) => {
      const { agent } = await signedIn(req);
      return { status: 200, body: await handoffs.detail(id(req), { kind: 'agent', agent }) };
    }),
  );

  server.post(
    `${AGENT_API_PREFIX}/handoffs/:id/accept`,
    route(async (req) => {
      const { agent } = await signedIn(req);
      return { status: 200, body: await handoffs.accept(id(req), { kind: 'agent', agent }) };
    }),
  );

  server.post(
    `${AGENT_API_PREFIX}/handoffs/:id/messages`,
    route(async (req) => {
      const { agent } = await signedIn(req);
      const { text } = parseBody(messageBodySchema, req.body);
      const prepared = options.prepareMessage ? await options.prepareMessage(id(req), agent, text) : text;
      return { status: 201, body: { message: await handoffs.agentMessage(id(req), { kind: 'agent', agent }, prepared) } };
    }),
  );

  server.post(
    `${AGENT_API_PREFIX}/handoffs/:id/notes`,
    route(async (req) => {
      const { agent } = await signedIn(req);
      const { text } = parseBody(messageBodySchema, req.body);
      return { status: 201, body: { message: await handoffs.note(id(req), { kind: 'agent', agent }, text) } };
    }),
  );

  server.post(
    `${AGENT_API_PREFIX}/handoffs/:id/typing`,
    route(async (req) => {
      const { agent } = await signedIn(req);
      await handoffs.agentTyping(id(req), { kind: 'agent', agent });
      return { status: 204 };
    }),
  );

  server.post(
    `${AGENT_API_PREFIX}/handoffs/:id/transfer`,
    route(async (req) => {
      const { agent } = await signedIn(req);
      const target = parseBody(transferSchema, req.body);
      return { status: 200, body: { handoff: await handoffs.transfer(id(req), { kind: 'agent', agent }, target) } };
    }),
  );

  server.post(
    `${AGENT_API_PREFIX}/handoffs/:id/resolve`,
    route(async (req) => {
      const { agent } = await signedIn(req);
      const body = parseBody(resolveSchema, req.body);
      return { status: 200, body: { handoff: await handoffs.resolve(id(req), { kind: 'agent', agent }, body) } };
    }),
  );

  // Server-Sent Events: the handler's promise settles when the client goes away.
  server.get(`${AGENT_API_PREFIX}/events`, async (req: restify.Request, res: restify.Response): Promise<void> => {
    let session: { agent: Agent };
    try {
      session = await signedIn(req);
    } catch (error) {
      const failure = toHttpError(error, logger, req);
      res.json(failure.status, failure.body);
      return;
    }
    const { agent } = session;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    const write = (event: string, data: unknown) => {
      // Ended by the hub (shutdown) while this handler was still setting up: nothing more to send.
      if (res.writableEnded) return;
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    write('hello', { agent: await view(agent) });
    const detach = options.hub.attach(agent.id, { send: write, close: () => res.end() });
    write('queue', { queued: (await handoffs.inbox(agent)).queued });
    const ping = setInterval(() => write('ping', {}), (options.pingSeconds ?? 15) * 1000);
    await new Promise<void>((resolve) => {
      req.once('close', resolve);
      res.once('close', resolve);
    });
    clearInterval(ping);
    detach();
  });
}
