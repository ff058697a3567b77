import { randomUUID } from 'node:crypto';
import { inTransaction, type PgClient, type PgPool } from '../storage/postgres/pool.js';
import type { Tier } from '../tickets/ticket.js';
import type { AcceptRefusal, AgentRef, HandoffMessage, HandoffState, MessageFrom, NewHandoff } from './handoff.js';
import type { HandoffFilter, HandoffStore, PendingDelivery, StoredHandoff } from './handoff-store.js';

interface HandoffRow {
  id: string;
  ticket_reference: string;
  tier: Tier;
  state: HandoffState;
  question: string;
  language: string;
  channel_id: string;
  conversation_id: string;
  customer: StoredHandoff['customer'];
  conversation_reference: Record<string, unknown>;
  classification: StoredHandoff['classification'];
  articles_tried: StoredHandoff['articlesTried'];
  queued_at: string;
  accepted_at: string | null;
  resolved_at: string | null;
  agent_id: string | null;
  agent_name: string | null;
  satisfaction: number | null;
  awaiting_satisfaction: boolean;
  worth_article: boolean;
  notified_position: number | null;
}

interface MessageRow {
  id: string;
  handoff_id: string;
  sender: MessageFrom;
  text: string;
  at: string;
  agent_id: string | null;
  agent_name: string | null;
  needs_delivery: boolean;
  delivered_at: string | null;
  attempts: number;
}

function toHandoff(row: HandoffRow): StoredHandoff {
  return {
    id: row.id,
    ticketReference: row.ticket_reference,
    tier: row.tier,
    state: row.state,
    question: row.question,
    language: row.language,
    channelId: row.channel_id,
    conversationId: row.conversation_id,
    customer: row.customer,
    conversationReference: row.conversation_reference,
    classification: row.classification,
    articlesTried: row.articles_tried,
    queuedAt: row.queued_at,
    ...(row.accepted_at === null ? {} : { acceptedAt: row.accepted_at }),
    ...(row.resolved_at === null ? {} : { resolvedAt: row.resolved_at }),
    ...(row.agent_id === null ? {} : { agent: { id: row.agent_id, name: row.agent_name ?? '' } }),
    ...(row.satisfaction === null ? {} : { satisfaction: row.satisfaction }),
    awaitingSatisfaction: row.awaiting_satisfaction,
    worthArticle: row.worth_article,
    ...(row.notified_position === null ? {} : { notifiedPosition: row.notified_position }),
  };
}

function toMessage(row: MessageRow): HandoffMessage {
  return {
    id: row.id,
    handoffId: row.handoff_id,
    from: row.sender,
    text: row.text,
    at: row.at,
    ...(row.agent_id === null ? {} : { agent: { id: row.agent_id, name: row.agent_name ?? '' } }),
    ...(row.needs_delivery ? { delivered: row.delivered_at !== null } : {}),
  };
}

/**
 * HandoffStore on PostgreSQL (tables from PostgreSQL migration 7), for several bot instances on one
 * database. Accept and reassign lock the handoff row (`FOR UPDATE`) and take a per-agent advisory
 * lock, so exactly one accept wins and an agent's capacity holds across instances.
 */
export class PgHandoffStore implements HandoffStore {
  constructor(private readonly pool: PgPool) {}

  private async one(client: Pick<PgPool, 'query'>, sql: string, values: unknown[]): Promise<StoredHandoff | undefined> {
    const { rows } = await client.query<HandoffRow>(sql, values);
    return rows[0] === undefined ? undefined : toHandoff(rows[0]);
  }

  private async many(sql: string, values: unknown[]): Promise<StoredHandoff[]> {
    const { rows } = await this.pool.query<HandoffRow>(sql, values);
    return rows.map(toHandoff);
  }

  async create(input: NewHandoff, now: Date): Promise<StoredHandoff> {
    return (await this.one(
      this.pool,
      `INSERT INTO handoffs (id, ticket_reference, tier, state, question, language, channel_id, conversation_id, customer,
         conversation_reference, classification, articles_tried, queued_at)
       VALUES ($1, $2, $3, 'queued', $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING *`,
      [
        `h_${randomUUID()}`,
        input.ticketReference,
        input.tier,
        input.question,
        input.language,
        input.channelId,
        input.conversationId,
        JSON.stringify(input.customer),
        JSON.stringify(input.conversationReference),
        JSON.stringify(input.classification),
        JSON.stringify(input.articlesTried),
        now.toISOString(),
      ],
    ))!;
  }

  get(id: string): Promise<StoredHandoff | undefined> {
    return this.one(this.pool, 'SELECT * FROM handoffs WHERE id = $1', [id]);
  }

  findOpen(channelId: string, conversationId: string): Promise<StoredHandoff | undefined> {
    return this.one(
      this.pool,
      "SELECT * FROM handoffs WHERE channel_id = $1 AND conversation_id = $2 AND state IN ('queued', 'active') ORDER BY queued_at DESC, seq DESC LIMIT 1",
      [channelId, conversationId],
    );
  }

  findLatest(channelId: string, conversationId: string): Promise<StoredHandoff | undefined> {
    return this.one(this.pool, 'SELECT * FROM handoffs WHERE channel_id = $1 AND conversation_id = $2 ORDER BY queued_at DESC, seq DESC LIMIT 1', [channelId, conversationId]);
  }

  async listQueued(tiers: readonly Tier[]): Promise<StoredHandoff[]> {
    if (tiers.length === 0) return [];
    return this.many("SELECT * FROM handoffs WHERE state = 'queued' AND tier = ANY($1) ORDER BY queued_at, seq", [[...tiers]]);
  }

  listActiveFor(agentId: string): Promise<StoredHandoff[]> {
    return this.many("SELECT * FROM handoffs WHERE state = 'active' AND agent_id = $1 ORDER BY accepted_at, seq", [agentId]);
  }

  list(filter: HandoffFilter): Promise<StoredHandoff[]> {
    return this.many('SELECT * FROM handoffs WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR tier = $2) ORDER BY queued_at, seq LIMIT $3', [
      filter.state ?? null,
      filter.tier ?? null,
      filter.limit,
    ]);
  }

  async activeCounts(): Promise<Map<string, number>> {
    const { rows } = await this.pool.query<{ agent_id: string; n: string }>("SELECT agent_id, count(*) AS n FROM handoffs WHERE state = 'active' GROUP BY agent_id");
    return new Map(rows.map((r) => [r.agent_id, Number(r.n)]));
  }

  private async activeCount(client: PgClient, agentId: string): Promise<number> {
    // Serializes capacity checks of one agent across instances until the transaction ends.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`tierdesk-agent:${agentId}`]);
    const { rows } = await client.query<{ n: string }>("SELECT count(*) AS n FROM handoffs WHERE state = 'active' AND agent_id = $1", [agentId]);
    return Number(rows[0]!.n);
  }

  accept(id: string, agent: AgentRef, capacity: number | undefined, now: Date): Promise<StoredHandoff | AcceptRefusal> {
    return inTransaction(this.pool, async (client) => {
      if (capacity !== undefined && (await this.activeCount(client, agent.id)) >= capacity) {
        const exists = await this.one(client, 'SELECT * FROM handoffs WHERE id = $1', [id]);
        if (exists === undefined) return 'not_found';
        return exists.state === 'queued' ? 'capacity_full' : exists.state === 'active' ? 'taken' : 'not_queued';
      }
      const current = await this.one(client, 'SELECT * FROM handoffs WHERE id = $1 FOR UPDATE', [id]);
      if (current === undefined) return 'not_found';
      if (current.state === 'active') return 'taken';
      if (current.state !== 'queued') return 'not_queued';
      return (await this.one(
        client,
        "UPDATE handoffs SET state = 'active', agent_id = $2, agent_name = $3, accepted_at = $4 WHERE id = $1 AND state = 'queued' RETURNING *",
        [id, agent.id, agent.name, now.toISOString()],
      )) ?? 'taken';
    });
  }

  requeue(id: string, tier: Tier, _now: Date): Promise<StoredHandoff | undefined> {
    return this.one(
      this.pool,
      "UPDATE handoffs SET state = 'queued', tier = $2, agent_id = NULL, agent_name = NULL, accepted_at = NULL, notified_position = NULL WHERE id = $1 AND state = 'active' RETURNING *",
      [id, tier],
    );
  }

  reassign(id: string, from: string, to: AgentRef, capacity: number, now: Date): Promise<StoredHandoff | AcceptRefusal> {
    return inTransaction(this.pool, async (client) => {
      const full = (await this.activeCount(client, to.id)) >= capacity;
      const current = await this.one(client, 'SELECT * FROM handoffs WHERE id = $1 FOR UPDATE', [id]);
      if (current === undefined) return 'not_found';
      if (current.state !== 'active' || current.agent?.id !== from) return 'taken';
      if (full) return 'capacity_full';
      return (await this.one(client, 'UPDATE handoffs SET agent_id = $2, agent_name = $3, accepted_at = $4 WHERE id = $1 RETURNING *', [id, to.id, to.name, now.toISOString()]))!;
    });
  }

  finish(
    id: string,
    from: readonly HandoffState[],
    to: 'resolved' | 'cancelled' | 'timed_out',
    now: Date,
    extra: { worthArticle?: boolean; awaitingSatisfaction?: boolean } = {},
  ): Promise<StoredHandoff | undefined> {
    return this.one(
      this.pool,
      'UPDATE handoffs SET state = $2, resolved_at = $3, worth_article = $4, awaiting_satisfaction = $5 WHERE id = $1 AND state = ANY($6) RETURNING *',
      [id, to, now.toISOString(), extra.worthArticle ?? false, extra.awaitingSatisfaction ?? false, [...from]],
    );
  }

  recordSatisfaction(id: string, score: number | undefined): Promise<StoredHandoff | undefined> {
    return this.one(
      this.pool,
      'UPDATE handoffs SET satisfaction = coalesce($2, satisfaction), awaiting_satisfaction = false WHERE id = $1 AND awaiting_satisfaction RETURNING *',
      [id, score ?? null],
    );
  }

  async setNotifiedPosition(id: string, position: number): Promise<void> {
    await this.pool.query('UPDATE handoffs SET notified_position = $2 WHERE id = $1', [id, position]);
  }

  async recentWaits(tier: Tier, count: number): Promise<number[]> {
    const { rows } = await this.pool.query<{ seconds: number }>(
      `SELECT extract(epoch FROM (accepted_at::timestamptz - queued_at::timestamptz))::float8 AS seconds FROM handoffs
       WHERE tier = $1 AND accepted_at IS NOT NULL ORDER BY accepted_at DESC LIMIT $2`,
      [tier, count],
    );
    return rows.map((r) => Math.max(0, Math.round(r.seconds)));
  }

  findQueuedSince(queuedBefore: Date): Promise<StoredHandoff[]> {
    return this.many("SELECT * FROM handoffs WHERE state = 'queued' AND queued_at < $1 ORDER BY queued_at, seq", [queuedBefore.toISOString()]);
  }

  async appendMessage(
    input: { handoffId: string; from: MessageFrom; text: string; agent?: AgentRef; needsDelivery: boolean },
    now: Date,
  ): Promise<HandoffMessage> {
    const at = now.toISOString();
    const { rows } = await this.pool.query<MessageRow>(
      `INSERT INTO handoff_messages (id, handoff_id, sender, text, at, agent_id, agent_name, needs_delivery, next_attempt_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
      [`m_${randomUUID()}`, input.handoffId, input.from, input.text, at, input.agent?.id ?? null, input.agent?.name ?? null, input.needsDelivery, input.needsDelivery ? at : null],
    );
    return toMessage(rows[0]!);
  }

  async listMessages(handoffId: string): Promise<HandoffMessage[]> {
    const { rows } = await this.pool.query<MessageRow>('SELECT * FROM handoff_messages WHERE handoff_id = $1 ORDER BY seq', [handoffId]);
    return rows.map(toMessage);
  }

  async markDelivered(messageId: string): Promise<HandoffMessage | undefined> {
    await this.pool.query('UPDATE handoff_messages SET delivered_at = $2 WHERE id = $1 AND delivered_at IS NULL', [messageId, new Date().toISOString()]);
    const { rows } = await this.pool.query<MessageRow>('SELECT * FROM handoff_messages WHERE id = $1', [messageId]);
    return rows[0] === undefined ? undefined : toMessage(rows[0]);
  }

  async deferDelivery(messageId: string, retryAt: Date, error: string): Promise<void> {
    await this.pool.query('UPDATE handoff_messages SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3 WHERE id = $1', [messageId, retryAt.toISOString(), error.slice(0, 500)]);
  }

  async dueDeliveries(now: Date, limit: number): Promise<PendingDelivery[]> {
    const { rows } = await this.pool.query<MessageRow>(
      'SELECT * FROM handoff_messages WHERE needs_delivery AND delivered_at IS NULL AND next_attempt_at <= $1 ORDER BY seq LIMIT $2',
      [now.toISOString(), limit],
    );
    return rows.map((row) => ({ message: toMessage(row), attempts: row.attempts }));
  }
}
