import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { redact } from '../src/security/log-redaction.js';
import { ExpectRepliesClient } from './support/bot-client.js';
import { DirectLineTestClient, StreamRecorder } from './support/directline-client.js';
import { startTestApp, type RunningApp } from './support/test-app.js';

const API_TOKEN = `api-token-${randomUUID()}`;
const SITE_SECRET = `site-secret-${randomUUID()}`;
const WEBHOOK_SECRET = `webhook-secret-${randomUUID()}`;
const WEBHOOK_URL_PASSWORD = `hookpass${randomUUID().slice(0, 8)}`;
const APP_PASSWORD = `app-password-${randomUUID()}`;

/** Everything written anywhere while `work` runs: log lines, stdout and stderr. */
class OutputCapture {
  readonly lines: string[] = [];
  private restore: (() => void) | undefined;

  readonly logger = createLogger('debug', (line) => this.lines.push(line));

  start(): void {
    const { stdout, stderr } = process;
    const out = stdout.write.bind(stdout);
    const err = stderr.write.bind(stderr);
    const tap = (original: typeof out) =>
      ((chunk: unknown, ...rest: unknown[]) => {
        this.lines.push(String(chunk));
        return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof out;
    stdout.write = tap(out);
    stderr.write = tap(err);
    this.restore = () => {
      stdout.write = out;
      stderr.write = err;
    };
  }

  stop(): void {
    this.restore?.();
  }
}

describe('secrets never reach the log (a full run at LOG_LEVEL=debug)', () => {
  const capture = new OutputCapture();
  const issuedTokens: string[] = [];
  let running: RunningApp;
  let withChannelAuth: RunningApp;

  beforeAll(async () => {
    capture.start();
    running = await startTestApp(
      {
        LOG_LEVEL: 'debug',
        API_TOKENS: API_TOKEN,
        DIRECTLINE_SECRET: SITE_SECRET,
        WEBHOOK_URLS: `http://hooks:${WEBHOOK_URL_PASSWORD}@127.0.0.1:9/hook`,
        WEBHOOK_SECRET,
      },
      { logger: capture.logger },
    );
    withChannelAuth = await startTestApp(
      { LOG_LEVEL: 'debug', MICROSOFT_APP_ID: '00000000-0000-0000-0000-000000000002', MICROSOFT_APP_PASSWORD: APP_PASSWORD },
      { logger: capture.logger },
    );
  });
  afterAll(async () => {
    await running.stop();
    await withChannelAuth.stop();
    capture.stop();
  });

  it('logs no API token, site secret, Direct Line token, webhook secret, URL password or app password', async () => {
    // A conversation on /api/messages that files a ticket (which queues webhooks that fail and log).
    const customer = new ExpectRepliesClient(running.baseUrl);
    await customer.say('zebra quantum lasagna');
    await customer.say('A question for the support team');
    await customer.say('secret.tester@example.com');
    await customer.say('File the ticket');
    await customer.say('x'.repeat(5000));

    // The ticket API with the right token, a wrong one, and a broken request.
    const api = (path: string, init: RequestInit = {}, token = API_TOKEN) =>
      fetch(`${running.baseUrl}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers } });
    const page = (await (await api('/api/tickets')).json()) as { items: { reference: string }[] };
    const reference = page.items[0]?.reference ?? 'TD-1001';
    await api(`/api/tickets/${reference}/comments`, { method: 'POST', body: JSON.stringify({ author: 'agent', text: 'looking' }) });
    await api(`/api/tickets/${reference}/status`, { method: 'POST', body: '{"status": ' });
    await api('/api/tickets', {}, `${API_TOKEN}-wrong`);
    await api(`/api/customers/${encodeURIComponent(customer.userId)}`, { method: 'DELETE' });

    // Direct Line: secret → token → conversation → message → activities → refresh → stream; then bad tokens.
    const directLine = new DirectLineTestClient(running.baseUrl);
    const generated = await directLine.generateToken(SITE_SECRET);
    const started = await directLine.start(generated.token);
    issuedTokens.push(generated.token, started.token);
    await directLine.say(started.conversationId, started.token, 'how do I reset my password?');
    await directLine.activities(started.conversationId, started.token);
    const refreshed = await directLine.json<{ token: string }>(await directLine.request('POST', '/tokens/refresh', started.token));
    issuedTokens.push(refreshed.token);
    const stream = await StreamRecorder.open(started.streamUrl);
    await stream.close();
    await StreamRecorder.open(started.streamUrl.replace(/t=[^&]+/, `t=${started.token}x`)).catch(() => undefined);
    await directLine.request('GET', `/conversations/${started.conversationId}/activities`, `${started.token.slice(0, -2)}xx`);
    await directLine.request('POST', '/tokens/generate', `${SITE_SECRET}-wrong`);
    const session = (await (await fetch(`${running.baseUrl}/api/webchat/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json()) as { token: string };
    issuedTokens.push(session.token);
    await running.app.directLine.channel.drain();

    // Channel auth: a request with a forged Bot Framework token is refused (and may be logged).
    await new ExpectRepliesClient(withChannelAuth.baseUrl).post({ type: 'message', text: 'hi' }, { authorization: `Bearer ${generated.token}` });

    // Give the webhook dispatcher its first (failing) attempt, so its log lines are in.
    for (let i = 0; i < 50 && !capture.lines.some((line) => line.includes('webhook')); i += 1) await new Promise((resolve) => setTimeout(resolve, 100));

    const log = capture.lines.join('\n');
    expect(log).toContain('customer erased');
    expect(log).toContain('webhook'); // the run did log its failures, so the check below means something
    // Node's fetch error names the webhook URL with its password; the redactor caught it.
    expect(log).toContain('[redacted]');
    for (const secret of [API_TOKEN, SITE_SECRET, WEBHOOK_SECRET, WEBHOOK_URL_PASSWORD, APP_PASSWORD, ...issuedTokens]) {
      expect(log.includes(secret), `a secret starting ${secret.slice(0, 12)}… was logged`).toBe(false);
    }
  });
});

describe('redact', () => {
  it('removes configured secrets, bearer credentials, JWTs, token URL parameters and URL passwords', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJjb252IjoiZGwtMSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    const line = `auth=Bearer abc.def-123 url=/stream?watermark=3&t=${jwt} hook=https://u:p4ssw0rd@example.com/x key=my-api-token-123`;
    const clean = redact(line, ['my-api-token-123']);
    for (const secret of ['abc.def-123', jwt, 'p4ssw0rd', 'my-api-token-123']) expect(clean).not.toContain(secret);
    expect(clean).toContain('watermark=3');
    expect(clean).toContain('https://u:[redacted]@example.com/x');
  });
});
