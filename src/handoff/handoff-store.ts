import type { Tier } from '../tickets/ticket.js';
import type { AcceptRefusal, AgentRef, Handoff, HandoffMessage, HandoffState, MessageFrom, NewHandoff } from './handoff.js';

/** A handoff row as stored: the public shape plus what only the backend needs. */
export interface StoredHandoff extends Omit<Handoff, 'position' | 'waitSeconds'> {
  conversationReference: Record<string, unknown>;
  /** Last queue position the customer was told (so updates go out only when it changes). */
  notifiedPosition?: number;
}

/** An agent or system line waiting for delivery to the customer's channel. */
export interface PendingDelivery {
  message: HandoffMessage;
  attempts: number;
}

export interface HandoffFilter {
  state?: HandoffState;
  tier?: Tier;
  limit: number;
}

/**
 * Durable live-chat state: queue entries, assignments and every relayed message. Every method is
 * one transaction, and every message is written here BEFORE it is delivered, so a restart loses
 * nothing. Implementations: SQLite (src/handoff/sqlite-handoff-store.ts); PostgreSQL follows the
 * same contract (test/handoff-store.test.ts is a suite that takes a store factory).
 */
export interface HandoffStore {
  create(input: NewHandoff, now: Date): Promise<StoredHandoff>;
  get(id: string): Promise<StoredHandoff | undefined>;
  /** The conversation's queued or active handoff, if any. */
  findOpen(channelId: string, conversationId: string): Promise<StoredHandoff | undefined>;
  /** The conversation's most recent handoff of any state. */
  findLatest(channelId: string, conversationId: string): Promise<StoredHandoff | undefined>;
  /** Queued handoffs of these tiers, oldest first. */
  listQueued(tiers: readonly Tier[]): Promise<StoredHandoff[]>;
  listActiveFor(agentId: string): Promise<StoredHandoff[]>;
  list(filter: HandoffFilter): Promise<StoredHandoff[]>;
  /** Active chats per agent id. */
  activeCounts(): Promise<Map<string, number>>;
  /**
   * Assigns a queued handoff to `agent` exactly once: a conditional update in one transaction, so
   * of two concurrent accepts one wins and the other is refused with `taken`. `capacity` (when
   * given) is checked in the same transaction.
   */
  accept(id: string, agent: AgentRef, capacity: number | undefined, now: Date): Promise<StoredHandoff | AcceptRefusal>;
  /** Puts an active handoff back in a tier's queue (its queue time is kept, so it is not sent to the back). */
  requeue(id: string, tier: Tier, now: Date): Promise<StoredHandoff | undefined>;
  /** Hands an active handoff from one agent to another (capacity checked in the same transaction). */
  reassign(id: string, from: string, to: AgentRef, capacity: number, now: Date): Promise<StoredHandoff | AcceptRefusal>;
  /** Ends a queued (cancelled / timed_out) or active (resolved) handoff; undefined when it was not in `from`. */
  finish(id: string, from: readonly HandoffState[], to: 'resolved' | 'cancelled' | 'timed_out', now: Date, extra?: { worthArticle?: boolean; awaitingSatisfaction?: boolean }): Promise<StoredHandoff | undefined>;
  recordSatisfaction(id: string, score: number | undefined): Promise<StoredHandoff | undefined>;
  setNotifiedPosition(id: string, position: number): Promise<void>;
  /** Seconds from queue to accept of the latest accepted handoffs of a tier (for wait estimates). */
  recentWaits(tier: Tier, count: number): Promise<number[]>;
  /** Queued handoffs waiting since before `queuedBefore`. */
  findQueuedSince(queuedBefore: Date): Promise<StoredHandoff[]>;

  appendMessage(input: { handoffId: string; from: MessageFrom; text: string; agent?: AgentRef; needsDelivery: boolean }, now: Date): Promise<HandoffMessage>;
  listMessages(handoffId: string): Promise<HandoffMessage[]>;
  markDelivered(messageId: string): Promise<HandoffMessage | undefined>;
  /** Records a failed delivery attempt; the message is due again at `retryAt`. */
  deferDelivery(messageId: string, retryAt: Date, error: string): Promise<void>;
  /** Undelivered agent/system lines due for (re)delivery, oldest first. */
  dueDeliveries(now: Date, limit: number): Promise<PendingDelivery[]>;
}
