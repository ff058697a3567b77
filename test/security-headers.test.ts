import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../src/security/security-headers.js';
import { startTestApp, type RunningApp } from './support/test-app.js';

/** The directives of a CSP header, by name. */
function directives(csp: string | null): Record<string, string[]> {
  return Object.fromEntries(
    (csp ?? '')
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}

describe('security headers (real server on loopback)', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startTestApp();
  });
  afterAll(async () => {
    await running.stop();
  });

  it('sends CSP, nosniff and a referrer policy on every HTML page; the chat page stays frameable by any site', async () => {
    for (const page of ['/chat', '/demo', '/agent']) {
      const response = await fetch(`${running.baseUrl}${page}`);
      expect(response.status, page).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('x-content-type-options'), page).toBe('nosniff');
      expect(response.headers.get('referrer-policy'), page).toBe('strict-origin-when-cross-origin');
      const csp = directives(response.headers.get('content-security-policy'));
      expect(csp['default-src'], page).toEqual(["'self'"]);
      expect(csp['script-src'], page).toEqual(["'self'"]);
      expect(csp['object-src'], page).toEqual(["'none'"]);
    }
    const chat = await fetch(`${running.baseUrl}/chat`);
    expect(chat.headers.get('x-frame-options')).toBeNull();
    expect(directives(chat.headers.get('content-security-policy'))['frame-ancestors']).toBeUndefined();
    for (const page of ['/demo', '/agent']) {
      const response = await fetch(`${running.baseUrl}${page}`);
      expect(response.headers.get('x-frame-options'), page).toBe('DENY');
      expect(directives(response.headers.get('content-security-policy'))['frame-ancestors'], page).toEqual(["'none'"]);
    }
  });

  it('sends nosniff and the referrer policy on API answers and errors too', async () => {
    for (const [path, status] of [['/health', 200], ['/api/tickets', 401], ['/no-such-page', 404]] as const) {
      const response = await fetch(`${running.baseUrl}${path}`);
      expect(response.status, path).toBe(status);
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(response.headers.get('referrer-policy'), path).toBe('strict-origin-when-cross-origin');
    }
  });
});

describe('contentSecurityPolicy (for pages such as the agent console)', () => {
  it('is our origin only by default, refuses framing, and adds extra sources without duplicates', () => {
    expect(directives(contentSecurityPolicy())).toMatchObject({
      'default-src': ["'self'"],
      'connect-src': ["'self'"],
      'frame-ancestors': ["'none'"],
    });
    const withSockets = directives(contentSecurityPolicy({ extra: { 'connect-src': ["'self'", 'wss:'] }, frameable: true }));
    expect(withSockets['connect-src']).toEqual(["'self'", 'wss:']);
    expect(withSockets['frame-ancestors']).toBeUndefined();
  });
});
