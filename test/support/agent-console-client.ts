import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runAgentCli } from '../../src/agents/agent-cli.js';
import type { AgentStore } from '../../src/agents/agent-store.js';

export const AGENT_PASSWORD = 'correct horse battery';

/** Adds an agent through the real CLI code path (password from AGENT_PASSWORD, as in automation). */
export async function addAgent(store: AgentStore, args: { name: string; email: string; tiers: string; capacity?: number; admin?: boolean }): Promise<void> {
  const argv = ['add', '--name', args.name, '--email', args.email, '--tiers', args.tiers];
  if (args.capacity !== undefined) argv.push('--capacity', String(args.capacity));
  if (args.admin) argv.push('--admin');
  const errors: string[] = [];
  const code = await runAgentCli(argv, store, { env: { AGENT_PASSWORD }, out: () => undefined, err: (line) => errors.push(line), promptPassword: async () => '' });
  if (code !== 0) throw new Error(`agent add failed: ${errors.join('\n')}`);
}

export interface SseEvent {
  event: string;
  data: unknown;
}

/** A signed-in console client: cookie + CSRF token, JSON calls and an SSE stream. */
export class ConsoleClient {
  cookie = '';
  csrfToken = '';
  agent: { id: string; name: string } = { id: '', name: '' };
  readonly events: SseEvent[] = [];
  private abort: AbortController | undefined;

  constructor(readonly baseUrl: string) {}

  static async signIn(baseUrl: string, email: string, password = AGENT_PASSWORD): Promise<ConsoleClient> {
    const client = new ConsoleClient(baseUrl);
    const response = await fetch(`${baseUrl}/agent/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
    if (response.status !== 200) throw new Error(`sign-in answered ${response.status}: ${await response.text()}`);
    client.cookie = (response.headers.get('set-cookie') ?? '').split(';')[0]!;
    const body = (await response.json()) as { agent: { id: string; name: string }; csrfToken: string };
    client.csrfToken = body.csrfToken;
    client.agent = body.agent;
    return client;
  }

  request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        cookie: this.cookie,
        ...(method === 'GET' ? {} : { 'x-csrf-token': this.csrfToken }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  async json<T>(method: string, path: string, body?: unknown, expected = [200, 201]): Promise<T> {
    const response = await this.request(method, path, body);
    if (!expected.includes(response.status)) throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as T;
  }

  /** Opens the SSE stream (which also marks the agent as connected); resolves after the `hello` event. */
  async connect(): Promise<void> {
    this.abort = new AbortController();
    const response = await fetch(`${this.baseUrl}/agent/api/events`, { headers: { cookie: this.cookie }, signal: this.abort.signal });
    if (response.status !== 200 || response.body === null) throw new Error(`events answered ${response.status}`);
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    void (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          buffer += decoder.decode(value, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (event !== undefined && data !== undefined) this.events.push({ event, data: JSON.parse(data) });
          }
        }
      } catch {
        // aborted
      }
    })();
    await this.waitForEvent((e) => e.event === 'hello');
  }

  disconnect(): void {
    this.abort?.abort();
  }

  async waitForEvent(predicate: (event: SseEvent) => boolean, timeoutMs = 5000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching SSE event within ${timeoutMs} ms; got ${this.events.map((e) => e.event).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** A stand-in Bot Framework channel: collects what the bot POSTs to `<serviceUrl>/v3/conversations/…/activities`. */
export class CapturingChannel {
  readonly activities: { conversationId: string; type: string; text?: string; suggestedActions?: { actions: { value: unknown }[] } }[] = [];
  private server: Server | undefined;
  url = '';
  /** When set, every POST is refused with this status (a channel that is down). */
  failWith: number | undefined;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += String(chunk)));
      req.on('end', () => {
        if (this.failWith !== undefined) {
          res.writeHead(this.failWith, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'down', message: 'channel down' } }));
          return;
        }
        const match = /\/v3\/conversations\/([^/]+)\/activities/.exec(req.url ?? '');
        if (match && body !== '') {
          const activity = JSON.parse(body) as { type: string; text?: string };
          this.activities.push({ conversationId: decodeURIComponent(match[1]!), ...activity });
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: `act-${this.activities.length}` }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  textsFor(conversationId: string): string[] {
    return this.activities.filter((a) => a.conversationId === conversationId && a.type === 'message').map((a) => a.text ?? '');
  }

  async waitForText(conversationId: string, pattern: RegExp, timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.textsFor(conversationId).find((t) => pattern.test(t));
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`no message matching ${pattern} within ${timeoutMs} ms; got ${JSON.stringify(this.textsFor(conversationId))}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
