import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from '../logger.js';
import { listenToChannel } from '../storage/postgres/pg-listen.js';
import type { PgPool } from '../storage/postgres/pool.js';
import type { Tier } from '../tickets/ticket.js';
import { EventHub, type AgentEventHub, type AgentNotice, type AgentNoticeReader, type AgentStream } from './event-hub.js';

/** NOTIFY channel of console notices (every instance LISTENs). */
const CHANNEL = 'tierdesk_agent_events';

const tierSchema = z.enum(['L1', 'L2', 'L3', 'L4']);
/** A notice on the wire: origin instance, agent (absent for queue changes) and the ids of what happened. */
const wireSchema = z.object({
  o: z.string(),
  a: z.string().optional(),
  n: z.discriminatedUnion('event', [
    z.object({ event: z.literal('message'), handoffId: z.string(), messageId: z.string() }),
    z.object({ event: z.literal('typing'), handoffId: z.string() }),
    z.object({ event: z.literal('handoff'), handoffId: z.string() }),
    z.object({ event: z.literal('queue'), tier: tierSchema }),
  ]),
});

export interface PgEventHubOptions {
  pool: PgPool;
  /** DATABASE_URL, for the LISTEN connection. */
  url: string;
  logger: Logger;
  /** An agent counts as connected this long after their last stream (on any instance) closed. */
  graceMs?: number;
  /** How often this instance renews its agents' presence; a row lives three times this (an instance that died drops out). */
  heartbeatMs?: number;
}

/**
 * Console events and presence shared by every instance on one PostgreSQL database. Presence: each
 * instance keeps a row per agent with an open stream in `agent_streams`, renewed by a heartbeat and
 * expiring on the database's clock (so a killed instance's agents drop out by themselves). Events:
 * this instance's streams get them at once; the others hear a NOTIFY naming only ids and read
 * what their agent's console needs (`AgentNoticeReader`). Notices from one instance are sent in order.
 */
export class PgEventHub implements AgentEventHub {
  private readonly local: EventHub;
  private readonly instanceId = randomUUID();
  private readonly heartbeatMs: number;
  private readonly graceMs: number;
  /** Presence writes and NOTIFYs, each in order (a stream's open must not overtake its close). */
  private presence: Promise<void> = Promise.resolve();
  private published: Promise<void> = Promise.resolve();
  /** Notices from other instances, delivered in the order they arrived. */
  private received: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private closed = false;

  constructor(private readonly options: PgEventHubOptions) {
    this.graceMs = options.graceMs ?? 30_000;
    this.heartbeatMs = options.heartbeatMs ?? 10_000;
    this.local = new EventHub(this.graceMs);
  }

  attach(agentId: string, stream: AgentStream): () => void {
    const first = !this.local.hasStreams(agentId);
    const detach = this.local.attach(agentId, stream);
    if (first) this.renew([agentId], this.heartbeatMs * 3);
    return () => {
      detach();
      if (!this.local.hasStreams(agentId)) this.renew([agentId], this.graceMs);
    };
  }

  async connected(agentIds: readonly string[]): Promise<Set<string>> {
    const result = await this.local.connected(agentIds);
    const others = agentIds.filter((id) => !result.has(id));
    if (others.length === 0) return result;
    const { rows } = await this.options.pool.query<{ agent_id: string }>(
      'SELECT DISTINCT agent_id FROM agent_streams WHERE agent_id = ANY($1::text[]) AND expires_at > now()',
      [others],
    );
    for (const row of rows) result.add(row.agent_id);
    return result;
  }

  send(agentId: string, notice: Exclude<AgentNotice, { event: 'queue' }>, data: unknown): void {
    this.local.send(agentId, notice, data);
    this.publish({ o: this.instanceId, a: agentId, n: notice });
  }

  async queueChanged(tier: Tier): Promise<void> {
    this.publish({ o: this.instanceId, n: { event: 'queue', tier } });
    await this.local.queueChanged(tier);
  }

  setReader(reader: AgentNoticeReader): void {
    this.local.setReader(reader);
  }

  async listen(): Promise<void> {
    if (this.unlisten !== undefined || this.closed) return;
    this.unlisten = await listenToChannel(this.options.url, CHANNEL, (payload) => this.heard(payload));
    this.timer = setInterval(() => this.renew(this.local.connectedAgentIds(), this.heartbeatMs * 3), this.heartbeatMs);
    this.timer.unref();
  }

  clear(): void {
    this.local.clear();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.local.clear();
    await this.unlisten?.();
    await this.presence;
    await this.published;
    // This instance's agents are gone now, not when their rows expire.
    await this.options.pool.query('DELETE FROM agent_streams WHERE instance_id = $1', [this.instanceId]).catch(() => undefined);
  }

  /** Marks `agentIds` present through this instance for `ms` more (database clock). */
  private renew(agentIds: readonly string[], ms: number): void {
    if (agentIds.length === 0 || this.closed) return;
    this.presence = this.presence
      .then(async () => {
        await this.options.pool.query(
          `INSERT INTO agent_streams (instance_id, agent_id, expires_at)
           SELECT $1, agent_id, now() + $3 * interval '1 millisecond' FROM unnest($2::text[]) AS agent_id
           ON CONFLICT (instance_id, agent_id) DO UPDATE SET expires_at = EXCLUDED.expires_at`,
          [this.instanceId, agentIds, ms],
        );
      })
      .catch((error: unknown) => this.options.logger.warn('agent presence not saved', { error: (error as Error).message }));
  }

  private publish(wire: z.infer<typeof wireSchema>): void {
    if (this.closed) return;
    const payload = JSON.stringify(wire);
    this.published = this.published
      .then(async () => {
        await this.options.pool.query('SELECT pg_notify($1, $2)', [CHANNEL, payload]);
      })
      .catch((error: unknown) => this.options.logger.warn('agent event not sent to other instances', { error: (error as Error).message }));
  }

  private heard(payload: string): void {
    let wire: z.infer<typeof wireSchema>;
    try {
      wire = wireSchema.parse(JSON.parse(payload));
    } catch {
      return; // not ours (another version of tierdesk on the same channel)
    }
    if (wire.o === this.instanceId) return; // our own streams had it already
    const { a: agentId, n: notice } = wire;
    this.received = this.received
      .then(() => (notice.event === 'queue' ? this.local.queueChanged(notice.tier) : agentId === undefined ? undefined : this.local.deliver(agentId, notice)))
      .catch((error: unknown) => this.options.logger.warn('agent event from another instance not shown', { error: (error as Error).message }));
  }
}
