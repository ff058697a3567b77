import { WebSocket } from 'ws';

/** An activity as the Direct Line endpoint returns it. */
export interface DirectLineActivity {
  id: string;
  type: string;
  text?: string;
  from: { id: string; name?: string; role?: string };
  channelData?: Record<string, unknown>;
  attachments?: { contentType: string; content: { title?: string; text?: string; buttons?: { title: string; value?: unknown }[] } }[];
  [key: string]: unknown;
}

export interface ActivitySet {
  activities: DirectLineActivity[];
  watermark: string;
}

export interface StartedConversation {
  conversationId: string;
  token: string;
  expires_in: number;
  streamUrl: string;
}

/** A thin Direct Line 3.0 client over fetch and ws, speaking to the bot like botframework-directlinejs does. */
export class DirectLineTestClient {
  constructor(readonly baseUrl: string) {}

  request(method: string, path: string, credential?: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = {};
    if (credential !== undefined) headers.authorization = `Bearer ${credential}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    return fetch(`${this.baseUrl}/v3/directline${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  }

  async json<T>(response: Response, expectedStatus: number | number[] = [200, 201]): Promise<T> {
    const allowed = Array.isArray(expectedStatus) ? expectedStatus : [expectedStatus];
    if (!allowed.includes(response.status)) throw new Error(`${response.url} answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as T;
  }

  async generateToken(secret: string, user?: { id?: string; name?: string }): Promise<{ conversationId: string; token: string; expires_in: number }> {
    return this.json(await this.request('POST', '/tokens/generate', secret, user === undefined ? undefined : { user }), 200);
  }

  async start(credential: string): Promise<StartedConversation> {
    return this.json(await this.request('POST', '/conversations', credential, { user: {} }));
  }

  async post(conversationId: string, token: string, activity: Record<string, unknown>): Promise<string> {
    const body = await this.json<{ id: string }>(await this.request('POST', `/conversations/${conversationId}/activities`, token, activity), 200);
    return body.id;
  }

  say(conversationId: string, token: string, text: string, clientActivityID?: string): Promise<string> {
    return this.post(conversationId, token, {
      type: 'message',
      text,
      locale: 'en-US',
      from: { id: 'ignored-by-server', name: 'Customer', role: 'user' },
      channelData: clientActivityID === undefined ? undefined : { clientActivityID },
    });
  }

  async activities(conversationId: string, token: string, watermark = ''): Promise<ActivitySet> {
    return this.json(await this.request('GET', `/conversations/${conversationId}/activities?watermark=${watermark}`, token), 200);
  }

  /** Follows the watermark until the log is exhausted; returns every page. */
  async allPages(conversationId: string, token: string, from = ''): Promise<ActivitySet[]> {
    const pages: ActivitySet[] = [];
    let watermark = from;
    for (;;) {
      const page = await this.activities(conversationId, token, watermark);
      if (page.activities.length === 0) return pages;
      pages.push(page);
      watermark = page.watermark;
    }
  }
}

/** A websocket stream collecting `{ activities, watermark }` frames. */
export class StreamRecorder {
  readonly frames: ActivitySet[] = [];
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const text = String(data);
      if (text === '') return;
      this.frames.push(JSON.parse(text) as ActivitySet);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** Opens `url`; resolves once connected, rejects with the HTTP status when the upgrade is refused. */
  static open(url: string): Promise<StreamRecorder> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      const recorder = new StreamRecorder(socket);
      socket.once('open', () => resolve(recorder));
      socket.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += String(chunk)));
        res.on('end', () => reject(Object.assign(new Error(`stream refused: ${res.statusCode} ${body}`), { status: res.statusCode, body })));
      });
      socket.once('error', reject);
    });
  }

  get activities(): DirectLineActivity[] {
    return this.frames.flatMap((frame) => frame.activities);
  }

  /** Waits (bounded) until some received activity satisfies `predicate`. */
  async waitFor(predicate: (activity: DirectLineActivity) => boolean, timeoutMs = 5000): Promise<DirectLineActivity> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.activities.find(predicate);
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching activity on the stream within ${timeoutMs} ms; got ${JSON.stringify(this.activities.map((a) => a.text ?? a.type))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.readyState === WebSocket.CLOSED) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}

/** The hero card of an activity, if any. */
export function heroCardOf(activity: DirectLineActivity | undefined) {
  return activity?.attachments?.find((a) => a.contentType === 'application/vnd.microsoft.card.hero')?.content;
}
