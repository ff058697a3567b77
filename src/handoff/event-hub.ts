import type { Tier } from '../tickets/ticket.js';

/** A live console connection (an SSE response) of one agent. */
export interface AgentStream {
  send(event: string, data: unknown): void;
  /** Ends the stream (server shutdown). */
  close(): void;
}

/**
 * What happened, by id only: small enough for a PostgreSQL NOTIFY payload, and enough for an
 * instance that did not see it happen to read what the agent's console needs.
 */
export type AgentNotice =
  | { event: 'message'; handoffId: string; messageId: string }
  | { event: 'typing'; handoffId: string }
  | { event: 'handoff'; handoffId: string }
  /** A queue of `tier` changed: every connected agent with that skill gets their queue view again. */
  | { event: 'queue'; tier: Tier };

/** Turns a notice into the console event one agent gets (undefined: nothing for this agent). The handoff service reads it. */
export type AgentNoticeReader = (agentId: string, notice: AgentNotice) => Promise<{ event: string; data: unknown } | undefined>;

/**
 * Console events and presence of agents. One instance: `EventHub`, in memory. Several instances
 * on PostgreSQL: `PgEventHub` (presence in a table, events fanned out with LISTEN/NOTIFY), so an
 * agent connected to instance B is available on A and gets what happens on A.
 */
export interface AgentEventHub {
  /** Registers a stream of this instance; returns the function that unregisters it. */
  attach(agentId: string, stream: AgentStream): () => void;
  /** Of `agentIds`, those with a console open (or closed within the grace period) on any instance. */
  connected(agentIds: readonly string[]): Promise<Set<string>>;
  /** Sends to `agentId`'s streams on every instance: this instance's get `data` at once, others read it from `notice`. */
  send(agentId: string, notice: Exclude<AgentNotice, { event: 'queue' }>, data: unknown): void;
  /** Every connected agent of `tier` gets their queue again; resolves once this instance's streams have it. */
  queueChanged(tier: Tier): Promise<void>;
  /** Set once by the handoff service. */
  setReader(reader: AgentNoticeReader): void;
  /** Starts hearing other instances (PostgreSQL); nothing to do for one process. */
  listen(): Promise<void>;
  /** Ends every stream of this instance, and any attached afterwards (shutdown). */
  clear(): void;
  /** Stops listening and forgets this instance's presence. */
  close(): Promise<void>;
}

/**
 * Fan-out of console events to agents' open streams, and presence: an agent is "connected" while
 * a stream is open and for `graceMs` after the last one closed (a page reload must not make an
 * agent disappear from the availability check). In memory: one instance's view; PgEventHub
 * shares it between instances.
 */
export class EventHub implements AgentEventHub {
  private readonly streams = new Map<string, Set<AgentStream>>();
  private readonly lastClosed = new Map<string, number>();
  private reader: AgentNoticeReader | undefined;
  /** Set by `clear` (shutdown): a console that reconnects in the moment before the HTTP server stops gets its stream ended at once. */
  private ended = false;

  constructor(
    readonly graceMs = 30_000,
    private readonly clock: () => number = Date.now,
  ) {}

  attach(agentId: string, stream: AgentStream): () => void {
    if (this.ended) {
      // Kept open, such a stream would hold the HTTP server's close (it waits for every connection).
      stream.close();
      return () => undefined;
    }
    let set = this.streams.get(agentId);
    if (set === undefined) this.streams.set(agentId, (set = new Set()));
    set.add(stream);
    return () => {
      set.delete(stream);
      if (set.size === 0 && this.streams.get(agentId) === set) {
        this.streams.delete(agentId);
        this.lastClosed.set(agentId, this.clock());
      }
    };
  }

  isConnected(agentId: string): boolean {
    if (this.streams.has(agentId)) return true;
    const closed = this.lastClosed.get(agentId);
    return closed !== undefined && this.clock() - closed <= this.graceMs;
  }

  async connected(agentIds: readonly string[]): Promise<Set<string>> {
    return new Set(agentIds.filter((id) => this.isConnected(id)));
  }

  /** Agents with at least one open stream on this instance. */
  connectedAgentIds(): string[] {
    return [...this.streams.keys()];
  }

  hasStreams(agentId: string): boolean {
    return this.streams.has(agentId);
  }

  send(agentId: string, notice: Exclude<AgentNotice, { event: 'queue' }>, data: unknown): void {
    this.write(agentId, notice.event, data);
  }

  /** Writes to this instance's streams of the agent. */
  write(agentId: string, event: string, data: unknown): void {
    for (const stream of this.streams.get(agentId) ?? []) {
      try {
        stream.send(event, data);
      } catch {
        // A broken stream is dropped by its own close handler; the others still get the event.
      }
    }
  }

  /** Reads `notice` for this instance's streams of `agentId` and writes it (notices from other instances). */
  async deliver(agentId: string, notice: AgentNotice): Promise<void> {
    if (this.reader === undefined || !this.streams.has(agentId)) return;
    const read = await this.reader(agentId, notice);
    if (read !== undefined) this.write(agentId, read.event, read.data);
  }

  async queueChanged(tier: Tier): Promise<void> {
    for (const agentId of this.connectedAgentIds()) await this.deliver(agentId, { event: 'queue', tier });
  }

  setReader(reader: AgentNoticeReader): void {
    this.reader = reader;
  }

  async listen(): Promise<void> {}

  clear(): void {
    this.ended = true;
    for (const set of this.streams.values()) for (const stream of set) stream.close();
    this.streams.clear();
  }

  async close(): Promise<void> {
    this.clear();
  }
}
