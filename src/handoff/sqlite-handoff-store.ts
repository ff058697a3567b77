import { randomUUID } from 'node:crypto';
import type { SqliteDatabase } from '../storage/database.js';
import { prepared } from '../storage/statement-cache.js';
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
  customer: string;
  conversation_reference: string;
  classification: string;
  articles_tried: string;
  queued_at: string;
  accepted_at: string | null;
  resolved_at: string | null;
  agent_id: string | null;
  agent_name: string | null;
  satisfaction: number | null;
  awaiting_satisfaction: number;
  worth_article: number;
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
  needs_delivery: number;
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
    customer: JSON.parse(row.customer) as StoredHandoff['customer'],
    conversationReference: JSON.parse(row.conversation_reference) as Record<string, unknown>,
    classification: JSON.parse(row.classification) as StoredHandoff['classification'],
    articlesTried: JSON.parse(row.articles_tried) as StoredHandoff['articlesTried'],
    queuedAt: row.queued_at,
    ...(row.accepted_at === null ? {} : { acceptedAt: row.accepted_at }),
    ...(row.resolved_at === null ? {} : { resolvedAt: row.resolved_at }),
    ...(row.agent_id === null ? {} : { agent: { id: row.agent_id, name: row.agent_name ?? '' } }),
    ...(row.satisfaction === null ? {} : { satisfaction: row.satisfaction }),
    awaitingSatisfaction: row.awaiting_satisfaction === 1,
    worthArticle: row.worth_article === 1,
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
    ...(row.needs_delivery === 1 ? { delivered: row.delivered_at !== null } : {}),
  };
}

/** HandoffStore on the embedded SQLite database (tables from migration 7). */
export class SqliteHandoffStore implements HandoffStore {
  constructor(private readonly db: SqliteDatabase) {}

  private row(id: string): StoredHandoff | undefined {
    const row = this.db.prepare('SELECT * FROM handoffs WHERE id = ?').get(id) as HandoffRow | undefined;
    return row === undefined ? undefined : toHandoff(row);
  }

  private activeCount(agentId: string): number {
    return (this.db.prepare("SELECT count(*) AS n FROM handoffs WHERE state = 'active' AND agent_id = ?").get(agentId) as { n: number }).n;
  }

  async create(input: NewHandoff, now: Date): Promise<StoredHandoff> {
    const id = `h_${randomUUID()}`;
    this.db
      .prepare(
        `INSERT INTO handoffs (id, ticket_reference, tier, state, question, language, channel_id, conversation_id, customer,
           conversation_reference, classification, articles_tried, queued_at)
         VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
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
      );
    return this.row(id)!;
  }

  async get(id: string): Promise<StoredHandoff | undefined> {
    return this.row(id);
  }

  async findOpen(channelId: string, conversationId: string): Promise<StoredHandoff | undefined> {
    const row = prepared(this.db, "SELECT * FROM handoffs WHERE channel_id = ? AND conversation_id = ? AND state IN ('queued', 'active') ORDER BY queued_at DESC LIMIT 1").get(channelId, conversationId) as HandoffRow | undefined;
    return row === undefined ? undefined : toHandoff(row);
  }

  async findLatest(channelId: string, conversationId: string): Promise<StoredHandoff | undefined> {
    const row = prepared(this.db, 'SELECT * FROM handoffs WHERE channel_id = ? AND conversation_id = ? ORDER BY queued_at DESC, rowid DESC LIMIT 1').get(channelId, conversationId) as HandoffRow | undefined;
    return row === undefined ? undefined : toHandoff(row);
  }

  async listQueued(tiers: readonly Tier[]): Promise<StoredHandoff[]> {
    if (tiers.length === 0) return [];
    const rows = this.db
      .prepare(`SELECT * FROM handoffs WHERE state = 'queued' AND tier IN (${tiers.map(() => '?').join(', ')}) ORDER BY queued_at, rowid`)
      .all(...tiers) as HandoffRow[];
    return rows.map(toHandoff);
  }

  async listActiveFor(agentId: string): Promise<StoredHandoff[]> {
    const rows = this.db.prepare("SELECT * FROM handoffs WHERE state = 'active' AND agent_id = ? ORDER BY accepted_at, rowid").all(agentId) as HandoffRow[];
    return rows.map(toHandoff);
  }

  async list(filter: HandoffFilter): Promise<StoredHandoff[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.state !== undefined) (where.push('state = ?'), params.push(filter.state));
    if (filter.tier !== undefined) (where.push('tier = ?'), params.push(filter.tier));
    const rows = this.db
      .prepare(`SELECT * FROM handoffs ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY queued_at, rowid LIMIT ?`)
      .all(...params, filter.limit) as HandoffRow[];
    return rows.map(toHandoff);
  }

  async activeCounts(): Promise<Map<string, number>> {
    const rows = this.db.prepare("SELECT agent_id, count(*) AS n FROM handoffs WHERE state = 'active' GROUP BY agent_id").all() as { agent_id: string; n: number }[];
    return new Map(rows.map((r) => [r.agent_id, r.n]));
  }

  async accept(id: string, agent: AgentRef, capacity: number | undefined, now: Date): Promise<StoredHandoff | AcceptRefusal> {
    return this.db.transaction((): StoredHandoff | AcceptRefusal => {
      const current = this.row(id);
      if (current === undefined) return 'not_found';
      if (current.state === 'active') return 'taken';
      if (current.state !== 'queued') return 'not_queued';
      if (capacity !== undefined && this.activeCount(agent.id) >= capacity) return 'capacity_full';
      // The WHERE state = 'queued' is what makes accept exactly-once, also across processes sharing the file.
      const changed = this.db
        .prepare("UPDATE handoffs SET state = 'active', agent_id = ?, agent_name = ?, accepted_at = ? WHERE id = ? AND state = 'queued'")
        .run(agent.id, agent.name, now.toISOString(), id).changes;
      return changed === 1 ? this.row(id)! : 'taken';
    }).immediate();
  }

  async requeue(id: string, tier: Tier, _now: Date): Promise<StoredHandoff | undefined> {
    const changed = this.db
      .prepare("UPDATE handoffs SET state = 'queued', tier = ?, agent_id = NULL, agent_name = NULL, accepted_at = NULL, notified_position = NULL WHERE id = ? AND state = 'active'")
      .run(tier, id).changes;
    return changed === 1 ? this.row(id) : undefined;
  }

  async reassign(id: string, from: string, to: AgentRef, capacity: number, now: Date): Promise<StoredHandoff | AcceptRefusal> {
    return this.db.transaction((): StoredHandoff | AcceptRefusal => {
      const current = this.row(id);
      if (current === undefined) return 'not_found';
      if (current.state !== 'active' || current.agent?.id !== from) return 'taken';
      if (this.activeCount(to.id) >= capacity) return 'capacity_full';
      this.db
        .prepare("UPDATE handoffs SET agent_id = ?, agent_name = ?, accepted_at = ? WHERE id = ? AND state = 'active' AND agent_id = ?")
        .run(to.id, to.name, now.toISOString(), id, from);
      return this.row(id)!;
    }).immediate();
  }

  async finish(
    id: string,
    from: readonly HandoffState[],
    to: 'resolved' | 'cancelled' | 'timed_out',
    now: Date,
    extra: { worthArticle?: boolean; awaitingSatisfaction?: boolean } = {},
  ): Promise<StoredHandoff | undefined> {
    const changed = this.db
      .prepare(
        `UPDATE handoffs SET state = ?, resolved_at = ?, worth_article = ?, awaiting_satisfaction = ?
         WHERE id = ? AND state IN (${from.map(() => '?').join(', ')})`,
      )
      .run(to, now.toISOString(), extra.worthArticle ? 1 : 0, extra.awaitingSatisfaction ? 1 : 0, id, ...from).changes;
    return changed === 1 ? this.row(id) : undefined;
  }

  async recordSatisfaction(id: string, score: number | undefined): Promise<StoredHandoff | undefined> {
    const changed = this.db
      .prepare('UPDATE handoffs SET satisfaction = coalesce(?, satisfaction), awaiting_satisfaction = 0 WHERE id = ? AND awaiting_satisfaction = 1')
      .run(score ?? null, id).changes;
    return changed === 1 ? this.row(id) : undefined;
  }

  async setNotifiedPosition(id: string, position: number): Promise<void> {
    this.db.prepare('UPDATE handoffs SET notified_position = ? WHERE id = ?').run(position, id);
  }

  async recentWaits(tier: Tier, count: number): Promise<number[]> {
    const rows = this.db
      .prepare(
        `SELECT (julianday(accepted_at) - julianday(queued_at)) * 86400.0 AS seconds FROM handoffs
         WHERE tier = ? AND accepted_at IS NOT NULL ORDER BY accepted_at DESC LIMIT ?`,
      )
      .all(tier, count) as { seconds: number }[];
    return rows.map((r) => Math.max(0, Math.round(r.seconds)));
  }

  async findQueuedSince(queuedBefore: Date): Promise<StoredHandoff[]> {
    const rows = this.db.prepare("SELECT * FROM handoffs WHERE state = 'queued' AND queued_at < ? ORDER BY queued_at").all(queuedBefore.toISOString()) as HandoffRow[];
    return rows.map(toHandoff);
  }

  async appendMessage(
    input: { handoffId: string; from: MessageFrom; text: string; agent?: AgentRef; needsDelivery: boolean },
    now: Date,
  ): Promise<HandoffMessage> {
    const id = `m_${randomUUID()}`;
    const at = now.toISOString();
    this.db
      .prepare(
        `INSERT INTO handoff_messages (id, handoff_id, sender, text, at, agent_id, agent_name, needs_delivery, next_attempt_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(id, input.handoffId, input.from, input.text, at, input.agent?.id ?? null, input.agent?.name ?? null, input.needsDelivery ? 1 : 0, input.needsDelivery ? at : null);
    return toMessage(this.db.prepare('SELECT * FROM handoff_messages WHERE id = ?').get(id) as MessageRow);
  }

  async listMessages(handoffId: string): Promise<HandoffMessage[]> {
    const rows = this.db.prepare('SELECT * FROM handoff_messages WHERE handoff_id = ? ORDER BY seq').all(handoffId) as MessageRow[];
    return rows.map(toMessage);
  }

  async markDelivered(messageId: string): Promise<HandoffMessage | undefined> {
    this.db.prepare('UPDATE handoff_messages SET delivered_at = ? WHERE id = ? AND delivered_at IS NULL').run(new Date().toISOString(), messageId);
    const row = this.db.prepare('SELECT * FROM handoff_messages WHERE id = ?').get(messageId) as MessageRow | undefined;
    return row === undefined ? undefined : toMessage(row);
  }

  async deferDelivery(messageId: string, retryAt: Date, error: string): Promise<void> {
    this.db
      .prepare('UPDATE handoff_messages SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?')
      .run(retryAt.toISOString(), error.slice(0, 500), messageId);
  }

  async dueDeliveries(now: Date, limit: number): Promise<PendingDelivery[]> {
    const rows = this.db
      .prepare('SELECT * FROM handoff_messages WHERE needs_delivery = 1 AND delivered_at IS NULL AND next_attempt_at <= ? ORDER BY seq LIMIT ?')
      .all(now.toISOString(), limit) as MessageRow[];
    return rows.map((row) => ({ message: toMessage(row), attempts: row.attempts }));
  }
}
