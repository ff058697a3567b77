/** A live console connection (an SSE response) of one agent. */
export interface AgentStream {
  send(event: string, data: unknown): void;
  /** Ends the stream (server shutdown). */
  close(): void;
}

/**
 * Fan-out of console events to agents' open streams, and presence: an agent is "connected" while
 * a stream is open and for `graceMs` after the last one closed (a page reload must not make an
 * agent disappear from the availability check).
 */
export class EventHub {
  private readonly streams = new Map<string, Set<AgentStream>>();
  private readonly lastClosed = new Map<string, number>();

  constructor(
    private readonly graceMs = 30_000,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Registers a stream; returns the function that unregisters it. */
  attach(agentId: string, stream: AgentStream): () => void {
    let set = this.streams.get(agentId);
    if (set === undefined) this.streams.set(agentId, (set = new Set()));
    set.add(stream);
    return () => {
      set.delete(stream);
      if (set.size === 0) {
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

  /** Agents with at least one open stream. */
  connectedAgentIds(): string[] {
    return [...this.streams.keys()];
  }

  send(agentId: string, event: string, data: unknown): void {
    for (const stream of this.streams.get(agentId) ?? []) {
      try {
        stream.send(event, data);
      } catch {
        // A broken stream is dropped by its own close handler; the others still get the event.
      }
    }
  }

  /** Ends every stream (shutdown). */
  clear(): void {
    for (const set of this.streams.values()) for (const stream of set) stream.close();
    this.streams.clear();
  }
}
