import type restify from 'restify';

/**
 * Security headers. `X-Content-Type-Options` and `Referrer-Policy` go on every response (a
 * `pre` handler); HTML pages add a Content-Security-Policy through `setHtmlPageHeaders`, which
 * every page route calls (/chat, /demo, and the agent console).
 *
 * Pages that are framed by customers' sites (the chat page inside the widget) must not send
 * X-Frame-Options or frame-ancestors: `frameable: true` leaves both out. Every other page refuses
 * to be framed (clickjacking).
 */

/** Headers every answer carries. */
export const BASE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
};

/** What an HTML page needs beyond "our origin only". */
export interface HtmlPagePolicy {
  /** May be shown inside a frame on any other site (the chat page behind the widget). */
  frameable?: boolean;
  /** Extra sources per directive, e.g. `{ 'connect-src': ['ws:', 'wss:'] }`. */
  extra?: Partial<Record<'script-src' | 'style-src' | 'img-src' | 'connect-src' | 'media-src' | 'frame-src' | 'font-src', readonly string[]>>;
}

/** The Content-Security-Policy value for a page: our origin only, plus `extra`, no plugins, no <base> tricks. */
export function contentSecurityPolicy(policy: HtmlPagePolicy = {}): string {
  const directives: Record<string, string[]> = {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'style-src': ["'self'"],
    'img-src': ["'self'", 'data:'],
    'connect-src': ["'self'"],
    'font-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
  };
  for (const [name, sources] of Object.entries(policy.extra ?? {})) {
    const list = (directives[name] ??= ["'self'"]);
    for (const source of sources ?? []) if (!list.includes(source)) list.push(source);
  }
  if (!policy.frameable) directives['frame-ancestors'] = ["'none'"];
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}

/** Sets CSP (and, unless frameable, X-Frame-Options: DENY) plus the base headers on an HTML page answer. */
export function setHtmlPageHeaders(res: restify.Response, policy: HtmlPagePolicy = {}): void {
  // setHeader replaces (restify's res.header would append a second value to the base headers).
  for (const [name, value] of Object.entries(BASE_SECURITY_HEADERS)) res.setHeader(name, value);
  res.setHeader('Content-Security-Policy', contentSecurityPolicy(policy));
  if (!policy.frameable) res.setHeader('X-Frame-Options', 'DENY');
}

/** Adds the base headers to every response of `server`. */
export function mountBaseSecurityHeaders(server: restify.Server): void {
  server.pre((_req: restify.Request, res: restify.Response, next: restify.Next) => {
    for (const [name, value] of Object.entries(BASE_SECURITY_HEADERS)) res.setHeader(name, value);
    return next();
  });
}
