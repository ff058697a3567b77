// The console's only door to the server: JSON calls to /agent/api (cookie session + CSRF header,
// see docs/agent-console-api.md) and the Server-Sent Events stream, reopened after a drop.

/** An HTTP error answer `{error:{code,message}}`, or `network` when the server was not reached. */
export class ApiError extends Error {
  constructor(status, code, message, retryAfter) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

export class AgentApi {
  /** The session's CSRF token: kept in memory only (never in localStorage). */
  csrfToken = '';

  async call(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && this.csrfToken) headers['X-CSRF-Token'] = this.csrfToken;
    let response;
    try {
      response = await fetch(`/agent/api${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(0, 'network', 'network');
    }
    if (response.status === 204) return undefined;
    const data = await response.json().catch(() => undefined);
    if (!response.ok) {
      const retryAfter = Number(response.headers.get('Retry-After')) || undefined;
      throw new ApiError(response.status, data?.error?.code ?? `http_${response.status}`, data?.error?.message ?? '', retryAfter);
    }
    return data;
  }

  async session() {
    const data = await this.call('GET', '/session');
    this.csrfToken = data.csrfToken;
    return data.agent;
  }

  async signIn(email, password) {
    const data = await this.call('POST', '/session', { email, password });
    this.csrfToken = data.csrfToken;
    return data.agent;
  }

  async signOut() {
    try {
      await this.call('DELETE', '/session');
    } finally {
      this.csrfToken = '';
    }
  }

  updateMe(changes) {
    return this.call('PUT', '/me', changes).then((data) => data.agent);
  }

  handoffs() {
    return this.call('GET', '/handoffs');
  }

  handoff(id) {
    return this.call('GET', `/handoffs/${encodeURIComponent(id)}`);
  }

  accept(id) {
    return this.call('POST', `/handoffs/${encodeURIComponent(id)}/accept`);
  }

  sendMessage(id, text) {
    return this.call('POST', `/handoffs/${encodeURIComponent(id)}/messages`, { text }).then((data) => data.message);
  }

  addNote(id, text) {
    return this.call('POST', `/handoffs/${encodeURIComponent(id)}/notes`, { text }).then((data) => data.message);
  }

  typing(id) {
    return this.call('POST', `/handoffs/${encodeURIComponent(id)}/typing`);
  }

  transfer(id, target) {
    return this.call('POST', `/handoffs/${encodeURIComponent(id)}/transfer`, target).then((data) => data.handoff);
  }

  resolve(id, closing) {
    return this.call('POST', `/handoffs/${encodeURIComponent(id)}/resolve`, closing).then((data) => data.handoff);
  }

  agents() {
    return this.call('GET', '/agents').then((data) => data.agents);
  }
}

const EVENT_TYPES = ['hello', 'queue', 'handoff', 'message', 'typing', 'ping'];

/**
 * The agent's live event stream. EventSource retries by itself after a network drop, but gives up
 * for good on an HTTP error (a restarted server answering 502, an expired session answering 401):
 * then we wait and open a new one, up to 10 s apart. `onState` hears 'connecting' | 'open' | 'lost'.
 */
export class EventStream {
  #source;
  #retryTimer;
  #attempt = 0;
  #stopped = false;

  constructor({ onEvent, onState, onClosedForGood }) {
    this.onEvent = onEvent;
    this.onState = onState;
    this.onClosedForGood = onClosedForGood;
  }

  start() {
    this.#stopped = false;
    this.#open();
  }

  stop() {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    this.#source?.close();
    this.#source = undefined;
  }

  #open() {
    this.onState(this.#attempt === 0 ? 'connecting' : 'lost');
    const source = new EventSource('/agent/api/events');
    this.#source = source;
    source.onopen = () => {
      this.#attempt = 0;
      this.onState('open');
    };
    source.onerror = () => {
      if (this.#stopped || source !== this.#source) return;
      this.onState('lost');
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        this.#attempt += 1;
        const delay = Math.min(10_000, 500 * 2 ** Math.min(this.#attempt, 5));
        this.#retryTimer = setTimeout(async () => {
          if (this.#stopped) return;
          // A 401 behind the failure means the session is gone: the console shows sign-in instead.
          if ((await this.onClosedForGood?.()) === false) return;
          this.#open();
        }, delay);
      }
    };
    for (const type of EVENT_TYPES) {
      source.addEventListener(type, (event) => {
        let data;
        try {
          data = JSON.parse(event.data || '{}');
        } catch {
          return;
        }
        this.onEvent(type, data);
      });
    }
  }
}
