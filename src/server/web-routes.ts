import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type restify from 'restify';
import { z } from 'zod';
import type { DirectLine } from '../directline/mount.js';
import { newConversationId, newUserId, parseOr400 } from '../directline/http-routes.js';
import { HttpError } from './http-error.js';
import { conversationIdSchema } from '../directline/schemas.js';
import { TokenError } from '../directline/tokens.js';
import type { Logger } from '../logger.js';
import { setHtmlPageHeaders } from '../security/security-headers.js';
import { projectRoot } from '../project-root.js';

const gzipAsync = promisify(gzip);

/** Body of POST /api/webchat/session: the session the browser kept, if any. */
export const webChatSessionRequestSchema = z
  .object({
    conversationId: conversationIdSchema.optional(),
    token: z.string().min(1).max(4096).optional(),
  })
  .optional()
  .transform((body) => body ?? {});

/** What the chat page needs to (re)connect Web Chat. */
export interface WebChatSession {
  conversationId: string;
  token: string;
  /** Seconds until the token expires; the page renews it at half-time. */
  expiresIn: number;
  /** True when the browser's conversation continues (Web Chat then replays its history). */
  resumed: boolean;
}

/**
 * Static files under web/ the browser may fetch by name (nothing else from that folder is served).
 * Each must exist: a listed file that is missing answered 500 (`widget.css` did, until round 13).
 */
export const PUBLIC_FILES: Readonly<Record<string, string>> = {
  'chat.js': 'application/javascript; charset=utf-8',
  'chat.css': 'text/css; charset=utf-8',
};

/** The web pages need the Direct Line endpoint (to mint tokens) and where the static files are. */
export interface WebRoutesOptions {
  directLine: Pick<DirectLine, 'channel' | 'tokens'>;
  logger: Logger;
  /** Folder with chat.html, widget.js, …; defaults to the checkout's web/. */
  webDir?: string;
}

/** The bundled botframework-webchat build: one standalone UMD file, served from our origin (no CDN). */
function webChatBundlePath(): string {
  const entry = createRequire(import.meta.url).resolve('botframework-webchat');
  return path.join(path.dirname(entry), '..', 'dist', 'webchat.js');
}

/**
 * The customer-facing web pages: the chat page (/chat), the one-tag widget (/widget.js), a demo
 * host page (/demo), the Web Chat bundle, and the session endpoint that turns the site secret into a
 * conversation token on the server, so the secret never reaches a browser.
 */
export function mountWebRoutes(server: restify.Server, options: WebRoutesOptions): void {
  const { directLine, logger } = options;
  const webDir = options.webDir ?? path.join(projectRoot(), 'web');

  const sendFile = async (res: restify.Response, file: string, contentType: string, cacheControl: string) => {
    const body = await readFile(path.join(webDir, file));
    res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': body.length, 'Cache-Control': cacheControl });
    res.end(body);
  };

  server.get('/chat', async (_req: restify.Request, res: restify.Response) => {
    // Framed by any site that embeds the widget: no X-Frame-Options and no frame-ancestors (whose
    // "*" would still refuse parents such as file: pages). Everything else is our origin only.
    setHtmlPageHeaders(res, {
      frameable: true,
      extra: {
        // Web Chat injects its styles at run time.
        'style-src': ["'unsafe-inline'"],
        'img-src': ['blob:', 'https:'],
        'connect-src': ['ws:', 'wss:'],
        'media-src': ['blob:'],
      },
    });
    await sendFile(res, 'chat.html', 'text/html; charset=utf-8', 'no-cache');
  });

  server.get('/demo', async (req: restify.Request, res: restify.Response) => {
    // The demo stands for a customer's site: inline styles of its own and of the widget, the chat frame from us.
    setHtmlPageHeaders(res, { extra: { 'style-src': ["'unsafe-inline'"] } });
    const language = demoLanguage(req.query);
    if (language === undefined) {
      await sendFile(res, 'demo.html', 'text/html; charset=utf-8', 'no-cache');
      return;
    }
    // /demo?language=pt: the same host page with the widget set to that language (and its default title).
    const html = (await readFile(path.join(webDir, 'demo.html'), 'utf8'))
      .replace('<html lang="en">', `<html lang="${language}">`)
      .replace(/(<script src="\/widget\.js") data-title="[^"]*"/, '$1')
      .replace(/(<script src="\/widget\.js"[^>]*) data-language="en"/, `$1 data-language="${language}"`);
    const body = Buffer.from(html);
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': body.length, 'Cache-Control': 'no-cache' });
    res.end(body);
  });

  /** The embed script: short cache so a new version reaches host sites within minutes. */
  server.get('/widget.js', async (_req: restify.Request, res: restify.Response) => {
    res.header('Access-Control-Allow-Origin', '*');
    await sendFile(res, 'widget.js', 'application/javascript; charset=utf-8', 'public, max-age=300');
  });

  /** Browsers ask every page's origin for one; answer "none" instead of logging a 404 each time. */
  server.get('/favicon.ico', async (_req: restify.Request, res: restify.Response) => {
    res.writeHead(204, { 'Cache-Control': 'public, max-age=86400' });
    res.end();
  });

  server.get('/web/:file', async (req: restify.Request, res: restify.Response) => {
    const file = String(req.params.file);
    // Own keys only: "__proto__" or "constructor" must not find Object.prototype's members.
    const type = Object.hasOwn(PUBLIC_FILES, file) ? PUBLIC_FILES[file] : undefined;
    if (type === undefined) {
      res.json(404, { error: { code: 'NotFound', message: 'No such file.' } });
      return;
    }
    await sendFile(res, file, type, 'public, max-age=300');
  });

  // Read (and gzip) the 4 MB bundle once, on first request; the ETag changes with its content.
  let bundle: Promise<{ plain: Buffer; gzipped: Buffer; etag: string }> | undefined;
  const loadBundle = async () => {
    const plain = await readFile(webChatBundlePath());
    const gzipped = await gzipAsync(plain);
    const etag = `"${createHash('sha256').update(plain).digest('base64url').slice(0, 27)}"`;
    return { plain, gzipped, etag };
  };

  server.get('/webchat/webchat.js', async (req: restify.Request, res: restify.Response) => {
    bundle ??= loadBundle().catch((error: unknown) => {
      bundle = undefined;
      throw error;
    });
    const { plain, gzipped, etag } = await bundle;
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/javascript; charset=utf-8',
      'Cache-Control': 'public, max-age=86400',
      ETag: etag,
      Vary: 'Accept-Encoding',
    };
    if (req.header('if-none-match') === etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const useGzip = /\bgzip\b/.test(req.header('accept-encoding') ?? '');
    const body = useGzip ? gzipped : plain;
    res.writeHead(200, { ...headers, 'Content-Length': body.length, ...(useGzip ? { 'Content-Encoding': 'gzip' } : {}) });
    res.end(body);
  });

  /**
   * Resumes the browser's conversation when it presents a still-valid token for it (with a fresh
   * token), otherwise mints a token for a new conversation. Same-origin only: the chat page is
   * served by the bot, and the widget frames that page.
   */
  server.post('/api/webchat/session', async (req: restify.Request, res: restify.Response) => {
    res.header('Cache-Control', 'no-store');
    try {
      const body = parseOr400(webChatSessionRequestSchema, req.body);
      res.json(200, await openSession(directLine, body));
    } catch (error) {
      if (error instanceof HttpError) {
        res.json(error.status, error.body);
        return;
      }
      logger.error('web chat session failed', { error: (error as Error).stack ?? String(error) });
      res.json(500, { error: { code: 'ServiceError', message: 'Could not start the chat; please try again.' } });
    }
  });
}

/** The session logic behind POST /api/webchat/session (exported for tests). */
export async function openSession(
  directLine: Pick<DirectLine, 'channel' | 'tokens'>,
  kept: z.output<typeof webChatSessionRequestSchema>,
): Promise<WebChatSession> {
  if (kept.conversationId !== undefined && kept.token !== undefined) {
    try {
      const claims = await directLine.tokens.verify(kept.token);
      if (claims.conv === kept.conversationId && (await directLine.channel.conversation(claims.conv)) !== undefined) {
        const issued = await directLine.tokens.issue(claims.conv, claims.user);
        return { conversationId: issued.conversationId, token: issued.token, expiresIn: issued.expires_in, resumed: true };
      }
    } catch (error) {
      // An expired or foreign token just means a new conversation.
      if (!(error instanceof TokenError)) throw error;
    }
  }
  const issued = await directLine.tokens.issue(newConversationId(), newUserId());
  return { conversationId: issued.conversationId, token: issued.token, expiresIn: issued.expires_in, resumed: false };
}

/** The demo page's `?language=` option: a language tag such as "pt" or "pl-PL", else undefined. */
export function demoLanguage(query: unknown): string | undefined {
  const value = (query as Record<string, unknown> | undefined)?.language;
  return typeof value === 'string' && /^[a-z]{2,3}(-[A-Za-z]{2})?$/.test(value) && value !== 'en' ? value : undefined;
}
