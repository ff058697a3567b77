import { createHash } from 'node:crypto';
import type restify from 'restify';
import type { Config } from '../config.js';
import { allowOrSend429, clientIp, TokenBucketLimiter, unlimited } from './rate-limiter.js';

/**
 * Which rate limit guards which route, and by what key. Mounted as a restify `pre` handler so an
 * abusive request is refused before its body is even parsed. (/api/messages is keyed by the
 * conversation named in its body, so http-server.ts applies `limits.perConversation` itself after
 * validating the body. Direct Line activities are limited right after the body is parsed
 * (`mountConversationLimits`): typing indicators spend their own bucket, so a customer typing
 * never costs the budget of their messages, and a typing flood is still capped.)
 *
 * | route                                           | key                          |
 * |-------------------------------------------------|------------------------------|
 * | POST /api/webchat/session                        | client IP                    |
 * | POST /v3/directline/tokens/*, /conversations     | client IP                    |
 * | POST /v3/directline/conversations/:id/activities | conversation id (typing: own bucket) |
 * | /api/tickets*, /api/customers*, /api/handoffs*, /api/gaps | bearer token (its SHA-256) |
 */

/** The limiters of one server, built from config (a rate of 0 turns that limit off). */
export interface RequestLimits {
  trustProxy: boolean;
  perIp: Pick<TokenBucketLimiter, 'take'>;
  perConversation: Pick<TokenBucketLimiter, 'take'>;
  /** Customer typing indicators per conversation (Direct Line and /api/messages), apart from messages. */
  perConversationTyping: Pick<TokenBucketLimiter, 'take'>;
  perApiToken: Pick<TokenBucketLimiter, 'take'>;
}

/** "N per minute" as a bucket that allows a burst of N and refills N per minute. */
function perMinute(rate: number, now?: () => number): Pick<TokenBucketLimiter, 'take'> {
  if (rate <= 0) return unlimited;
  return new TokenBucketLimiter({ capacity: rate, refillPerSecond: rate / 60, ...(now ? { now } : {}) });
}

/**
 * Typing indicators one conversation may send per minute. Web Chat sends at most one every 3 s
 * while the customer types (20 a minute), so a real customer never reaches this.
 */
export const TYPING_PER_MINUTE = 30;

/** The bucket an activity of `type` spends: typing its own, everything else (even a malformed body) the messages'. */
export function conversationLimiter(limits: RequestLimits, type: unknown): RequestLimits['perConversation'] {
  return type === 'typing' ? limits.perConversationTyping : limits.perConversation;
}

/** Builds the limiters from `config.limits`; `now` is injectable for tests. */
export function createRequestLimits(limits: Config['limits'], now?: () => number): RequestLimits {
  return {
    trustProxy: limits.trustProxy,
    perIp: perMinute(limits.sessionsPerMinute, now),
    perConversation: perMinute(limits.messagesPerMinute, now),
    // On whenever the message limit is: typing runs no dialog and stores nothing, but each one is a lookup and a push.
    perConversationTyping: perMinute(limits.messagesPerMinute > 0 ? TYPING_PER_MINUTE : 0, now),
    perApiToken: perMinute(limits.apiPerMinute, now),
  };
}

const STAFF_API = /^\/api\/(tickets|customers|handoffs|gaps)(\/|$)/;
const IP_LIMITED = new Set(['/api/webchat/session', '/v3/directline/tokens/generate', '/v3/directline/tokens/refresh', '/v3/directline/conversations']);
const DIRECT_LINE_ACTIVITIES = /^\/v3\/directline\/conversations\/([^/]+)\/activities$/;

/** A key that identifies a bearer token without keeping the token itself in memory. */
function tokenKey(req: restify.Request, trustProxy: boolean): string {
  const authorization = req.header('authorization');
  if (!authorization) return `ip:${clientIp(req, trustProxy)}`;
  return `token:${createHash('sha256').update(authorization, 'utf8').digest('base64url')}`;
}

/** The limiter and key for a request, or undefined when no limit applies to it. */
export function limitFor(req: restify.Request, limits: RequestLimits): { limiter: RequestLimits['perIp']; key: string } | undefined {
  if (req.method === 'OPTIONS') return undefined;
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  if (STAFF_API.test(path)) return { limiter: limits.perApiToken, key: tokenKey(req, limits.trustProxy) };
  if (req.method !== 'POST') return undefined;
  if (IP_LIMITED.has(path)) return { limiter: limits.perIp, key: clientIp(req, limits.trustProxy) };
  return undefined;
}

/**
 * Limits Direct Line activity posts per conversation once the body is parsed (mount after the body
 * parser): the activity's type picks the bucket (`conversationLimiter`). Refused with 429 like the rest.
 */
export function mountConversationLimits(server: restify.Server, limits: RequestLimits): void {
  server.use((req: restify.Request, res: restify.Response, next: restify.Next) => {
    if (req.method !== 'POST') return next();
    const conversationId = DIRECT_LINE_ACTIVITIES.exec((req.url ?? '/').split('?')[0] ?? '/')?.[1];
    if (conversationId === undefined) return next();
    res.header('Access-Control-Allow-Origin', '*');
    const type = typeof req.body === 'object' && req.body !== null ? (req.body as { type?: unknown }).type : undefined;
    if (allowOrSend429(conversationLimiter(limits, type), `directline:${conversationId}`, res)) return next();
    return next(false);
  });
}

/** Refuses over-limit requests with 429, `Retry-After` and `{ error: { code: 'rate_limited', message } }`. */
export function mountRequestLimits(server: restify.Server, limits: RequestLimits): void {
  server.pre((req: restify.Request, res: restify.Response, next: restify.Next) => {
    const limit = limitFor(req, limits);
    if (limit === undefined) return next();
    // Browsers on other origins must be able to read the 429 of the Direct Line endpoint.
    if ((req.url ?? '').startsWith('/v3/directline/')) res.header('Access-Control-Allow-Origin', '*');
    if (allowOrSend429(limit.limiter, limit.key, res)) return next();
    return next(false);
  });
}
