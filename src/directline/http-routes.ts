import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type restify from 'restify';
import type { z } from 'zod';
import type { Logger } from '../logger.js';
import type { DirectLineConversation } from './conversation-store.js';
import type { DirectLineChannel } from './directline-channel.js';
import {
  describeFirstIssue,
  generateTokenBodySchema,
  incomingActivitySchema,
  startConversationBodySchema,
  watermarkSchema,
} from './schemas.js';
import { bearerCredential, TokenError, type DirectLineTokens, type TokenClaims } from './tokens.js';
import { HttpError } from '../server/http-error.js';

/** Where the endpoint lives; `createDirectLine({ domain: '<origin>/v3/directline' })` points here. */
export const DIRECT_LINE_PREFIX = '/v3/directline';


/** Maps a refused credential to its status: no/forged token → 401, expired → 403 (what directlinejs treats as "get a new token"). */
export function tokenErrorToHttp(error: TokenError): HttpError {
  switch (error.reason) {
    case 'missing':
      return new HttpError(401, 'MissingToken', error.message);
    case 'invalid':
      return new HttpError(401, 'BadToken', error.message);
    case 'expired':
      return new HttpError(403, 'TokenExpired', error.message);
  }
}

/** Parses with zod or throws a 400 naming the bad field. */
export function parseOr400<T extends z.ZodType>(schema: T, value: unknown, prefix = ''): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const { field, message } = describeFirstIssue(result.error, prefix);
  throw new HttpError(400, 'BadArgument', message, field);
}

/** What a request may act on once its token checks out. */
export interface ConversationAccess {
  claims: TokenClaims;
  conversation: DirectLineConversation;
}

/**
 * Checks that `token` may use `conversationId`: valid signature, not expired, issued for exactly
 * this conversation (403 otherwise, even when the other conversation exists), and started (404).
 */
export async function authorizeConversation(
  tokens: DirectLineTokens,
  channel: DirectLineChannel,
  token: string,
  conversationId: string,
): Promise<ConversationAccess> {
  let claims: TokenClaims;
  try {
    claims = await tokens.verify(token);
  } catch (error) {
    if (error instanceof TokenError) throw tokenErrorToHttp(error);
    throw error;
  }
  if (claims.conv !== conversationId) {
    throw new HttpError(403, 'Forbidden', 'This token belongs to another conversation.');
  }
  const conversation = await channel.conversation(conversationId);
  if (conversation === undefined) throw new HttpError(404, 'NotFound', 'No such conversation; start it first.');
  return { claims, conversation };
}

/** The ws:// or wss:// origin clients reach us at: PUBLIC_URL when configured, else the request's Host. */
export function streamOrigin(publicUrl: string | undefined, req: IncomingMessage & { isSecure?: () => boolean }): string {
  if (publicUrl !== undefined) {
    const url = new URL(publicUrl);
    return `${url.protocol === 'https:' ? 'wss:' : 'ws:'}//${url.host}`;
  }
  const host = req.headers.host ?? '';
  if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host)) {
    throw new HttpError(400, 'BadArgument', 'The Host header is missing or malformed.', 'host');
  }
  const secure = req.isSecure?.() === true || req.headers['x-forwarded-proto'] === 'https';
  return `${secure ? 'wss:' : 'ws:'}//${host}`;
}

/** What the REST routes need: the conversations, the token signer, and PUBLIC_URL for stream URLs behind a proxy. */
export interface DirectLineRoutesOptions {
  channel: DirectLineChannel;
  tokens: DirectLineTokens;
  publicUrl: string | undefined;
  logger: Logger;
}

/** A fresh conversation id: "dl-" and a UUID (see conversationIdSchema). */
export function newConversationId(): string {
  return `dl-${randomUUID()}`;
}

/** A fresh user id for a token request that names none ("dl_" like Azure's). */
export function newUserId(): string {
  return `dl_${randomUUID()}`;
}

/**
 * Mounts the Direct Line 3.0 REST routes. Handlers are thin: authenticate, validate with zod, call
 * the channel, answer JSON. The websocket stream is in stream.ts.
 */
export function mountDirectLineRoutes(server: restify.Server, options: DirectLineRoutesOptions): void {
  const { channel, tokens, publicUrl, logger } = options;

  const handle =
    (work: (req: restify.Request) => Promise<{ status: number; body: unknown }>) =>
    async (req: restify.Request, res: restify.Response): Promise<void> => {
      res.header('Access-Control-Allow-Origin', '*');
      res.header('Cache-Control', 'no-store');
      try {
        const { status, body } = await work(req);
        res.json(status, body);
      } catch (error) {
        const mapped =
          error instanceof HttpError
            ? error
            : error instanceof TokenError
              ? tokenErrorToHttp(error)
              : new HttpError(500, 'ServiceError', 'Something went wrong on the server; it has been logged.');
        if (!(error instanceof HttpError || error instanceof TokenError)) logger.error('direct line request failed', { url: req.url, error: (error as Error).stack ?? String(error) });
        res.json(mapped.status, mapped.body);
      }
    };

  const conversationAccess = (req: restify.Request) =>
    authorizeConversation(tokens, channel, bearerCredential(req.header('authorization')), String(req.params.conversationId));

  const streamUrlFor = (req: restify.Request, conversationId: string, token: string, watermark: number) =>
    `${streamOrigin(publicUrl, req)}${DIRECT_LINE_PREFIX}/conversations/${encodeURIComponent(conversationId)}/stream?watermark=${watermark}&t=${encodeURIComponent(token)}`;

  /**
   * CORS preflight: a page on another origin may use a token it got from its own server. Answered
   * before routing, so the body parser (which refuses a body-less OPTIONS) never sees it.
   */
  server.pre((req: restify.Request, res: restify.Response, next: restify.Next) => {
    if (req.method !== 'OPTIONS' || !(req.url ?? '').startsWith(`${DIRECT_LINE_PREFIX}/`)) return next();
    res.header('Access-Control-Allow-Origin', '*');
    res.header('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
    res.header('Access-Control-Allow-Headers', 'Authorization, Content-Type, x-ms-bot-agent');
    res.header('Access-Control-Max-Age', '600');
    res.send(204);
    return next(false);
  });

  /** Site secret → a token for a new conversation (the conversation starts on POST /conversations). */
  server.post(
    `${DIRECT_LINE_PREFIX}/tokens/generate`,
    handle(async (req) => {
      if (!tokens.isSiteSecret(bearerCredential(req.header('authorization')))) {
        throw new HttpError(401, 'BadSecret', 'Generating tokens needs the site secret.');
      }
      const body = parseOr400(generateTokenBodySchema, req.body);
      return { status: 200, body: await tokens.issue(newConversationId(), body.user?.id ?? newUserId()) };
    }),
  );

  /** A still-valid token → a new one for the same conversation and user. */
  server.post(
    `${DIRECT_LINE_PREFIX}/tokens/refresh`,
    handle(async (req) => {
      const claims = await tokens.verify(bearerCredential(req.header('authorization')));
      return { status: 200, body: await tokens.issue(claims.conv, claims.user) };
    }),
  );

  /**
   * Starts a conversation. With a token: the token's conversation (200 if it had started already).
   * With the site secret: a brand-new conversation, answered with a token for it.
   */
  server.post(
    `${DIRECT_LINE_PREFIX}/conversations`,
    handle(async (req) => {
      const credential = bearerCredential(req.header('authorization'));
      const body = parseOr400(startConversationBodySchema, req.body);
      let conversationId: string;
      let userId: string;
      if (tokens.isSiteSecret(credential)) {
        conversationId = newConversationId();
        userId = body.user?.id ?? newUserId();
      } else {
        const claims = await tokens.verify(credential);
        conversationId = claims.conv;
        userId = claims.user;
      }
      const { created } = await channel.start(conversationId, userId, body.locale);
      const issued = await tokens.issue(conversationId, userId);
      return { status: created ? 201 : 200, body: { ...issued, streamUrl: streamUrlFor(req, conversationId, issued.token, 0) } };
    }),
  );

  /** Reconnect: a fresh token and a stream URL that resumes after `watermark`. */
  server.get(
    `${DIRECT_LINE_PREFIX}/conversations/:conversationId`,
    handle(async (req) => {
      const { claims, conversation } = await conversationAccess(req);
      const watermark = parseOr400(watermarkSchema, req.query?.watermark, 'watermark');
      const issued = await tokens.issue(conversation.id, claims.user);
      return { status: 200, body: { ...issued, streamUrl: streamUrlFor(req, conversation.id, issued.token, watermark) } };
    }),
  );

  server.get(
    `${DIRECT_LINE_PREFIX}/conversations/:conversationId/activities`,
    handle(async (req) => {
      const { conversation } = await conversationAccess(req);
      const watermark = parseOr400(watermarkSchema, req.query?.watermark, 'watermark');
      return { status: 200, body: await channel.activitiesAfter(conversation.id, watermark) };
    }),
  );

  server.post(
    `${DIRECT_LINE_PREFIX}/conversations/:conversationId/activities`,
    handle(async (req) => {
      const { conversation } = await conversationAccess(req);
      if (req.body === undefined) throw new HttpError(400, 'BadArgument', 'The request needs a JSON activity.', '(body)');
      const incoming = parseOr400(incomingActivitySchema, req.body);
      return { status: 200, body: { id: await channel.receive(conversation, incoming) } };
    }),
  );

  /** File upload is not offered (Web Chat hides its upload button); say so clearly. */
  server.post(
    `${DIRECT_LINE_PREFIX}/conversations/:conversationId/upload`,
    handle(async (req) => {
      await conversationAccess(req);
      throw new HttpError(501, 'NotSupported', 'This bot does not accept file uploads.');
    }),
  );
}
