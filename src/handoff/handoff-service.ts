import type { Activity, ConversationReference } from 'botbuilder';
import type { Agent } from '../agents/agent.js';
import type { AgentStore } from '../agents/agent-store.js';
import { textsFor } from '../i18n/texts.js';
import type { Logger } from '../logger.js';
import type { BusinessHours } from '../tickets/callback-slots.js';
import type { Ticket, Tier } from '../tickets/ticket.js';
import type { TicketService } from '../tickets/ticket-service.js';
import { estimateWaitMinutes, withinBusinessHours, type Availability } from './availability.js';
import type { AgentEventHub, AgentNotice } from './event-hub.js';
import { HandoffError, type AgentRef, type Handoff, type HandoffMessage, type NewHandoff } from './handoff.js';
import type { HandoffStore, StoredHandoff } from './handoff-store.js';
import { retryDelayMs, typingActivity, type ChannelSender } from './relay.js';

/** Names of handoff events (webhooks and other subscribers). */
export type HandoffEventName = 'handoff.requested' | 'handoff.accepted' | 'handoff.resolved';
export type HandoffEventListener = (name: HandoffEventName, handoff: Handoff, ticket: Ticket) => void;

export interface HandoffServiceOptions {
  store: HandoffStore;
  agents: AgentStore;
  tickets: TicketService;
  hub: AgentEventHub;
  sender: ChannelSender;
  logger: Logger;
  /** HANDOFF_TIERS: tiers that offer live chat. */
  tiers: readonly Tier[];
  queueLimit: number;
  queueTimeoutMinutes: number;
  businessHours: BusinessHours;
  /** BUSINESS_HOURS as configured, for messages. */
  businessHoursText: string;
  now?: () => Date;
  /** How often the worker retries deliveries and times out queue entries. Default 5 s. */
  sweepIntervalMs?: number;
}

/** Staff note on the closed ticket of a live chat that ended unattended (the follow-up ticket links back to it). */
const FOLLOW_UP_NOTE = 'The bot continues with the ticket / callback dialog; if the customer files it, that ticket names this one.';

/** Who acts on a handoff: a console agent (skills and capacity enforced) or an external desk via /api/handoffs. */
export type Actor = { kind: 'agent'; agent: Agent } | { kind: 'external'; name: string };

const messageNotice = (message: HandoffMessage) => ({ event: 'message', handoffId: message.handoffId, messageId: message.id }) as const;
const handoffNotice = (handoff: { id: string }) => ({ event: 'handoff', handoffId: handoff.id }) as const;

function actorRef(actor: Actor): AgentRef {
  return actor.kind === 'agent' ? { id: actor.agent.id, name: actor.agent.name } : { id: `external:${actor.name}`, name: actor.name };
}

/**
 * Live handoff to human agents: the queue per tier, exactly-once assignment, the relay in both
 * directions (every line stored before it is delivered; undelivered ones retried by the worker),
 * transfer, resolve with the satisfaction question, and the handoff's ticket. The HTTP layers
 * and the bot call this; it never touches HTTP or SQL itself.
 */
export class HandoffService {
  private readonly store: HandoffStore;
  private readonly now: () => Date;
  private readonly listeners = new Set<HandoffEventListener>();
  private timer: NodeJS.Timeout | undefined;
  /** Per handoff, the tail of its delivery chain: lines reach the customer in order, and no caller waits for a slow channel. */
  private readonly deliveries = new Map<string, Promise<void>>();
  private sweeping: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: HandoffServiceOptions) {
    this.store = options.store;
    this.now = options.now ?? (() => new Date());
    options.hub.setReader((agentId, notice) => this.readNotice(agentId, notice));
  }

  onEvent(listener: HandoffEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts the worker: delivers what a previous run left undelivered at once, then every interval. */
  start(): void {
    if (this.timer !== undefined) return;
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), this.options.sweepIntervalMs ?? 5_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.stopped = true;
    await this.sweeping;
    // Deliveries still in flight are not awaited (a dead channel retries for many seconds): their
    // lines are stored as undelivered and the next start sends them.
    this.options.hub.clear();
  }

  /** One worker pass: time out queue entries waiting too long, then deliver due outbox lines. */
  sweep(at: Date = this.now()): Promise<void> {
    const run = async () => {
      await this.timeOutQueued(at).catch((error: unknown) => this.failed('queue timeout sweep failed', error));
      await this.flushOutbox(at).catch((error: unknown) => this.failed('outbox delivery failed', error));
    };
    const previous = this.sweeping ?? Promise.resolve();
    const next = previous.then(run);
    this.sweeping = next;
    return next;
  }

  // ── Customer side (called by the bot and the handoff dialog) ──

  /** Can an agent of `tier` take a chat now? (tier enabled, business hours, someone online + connected + not full, queue not full) */
  async availability(tier: Tier): Promise<Availability> {
    if (!this.options.tiers.includes(tier)) return { available: false, reason: 'tier_disabled' };
    const staffed = (await this.options.agents.list()).some((a) => !a.disabled && a.tiers.includes(tier));
    if (!staffed) return { available: false, reason: 'tier_disabled' };
    if (!withinBusinessHours(this.options.businessHours, this.now())) return { available: false, reason: 'outside_hours' };
    if ((await this.available(tier)).length === 0) return { available: false, reason: 'nobody_available' };
    if ((await this.store.listQueued([tier])).length >= this.options.queueLimit) return { available: false, reason: 'queue_full' };
    return { available: true };
  }

  /** Agents who could be offered a chat of `tier` now. */
  async available(tier: Tier): Promise<Agent[]> {
    const counts = await this.store.activeCounts();
    const candidates = (await this.options.agents.list()).filter(
      (a) => !a.disabled && a.status === 'online' && a.tiers.includes(tier) && (counts.get(a.id) ?? 0) < a.capacity,
    );
    if (candidates.length === 0) return [];
    // Connected to any instance (the console may be open on another one).
    const connected = await this.options.hub.connected(candidates.map((a) => a.id));
    return candidates.filter((a) => connected.has(a.id));
  }

  /** Puts the customer in the tier's queue; the handoff's ticket (kind `handoff`) must already exist. */
  async request(input: NewHandoff): Promise<{ handoff: Handoff; waitMinutes: number | undefined }> {
    const stored = await this.store.create(input, this.now());
    const handoff = await this.present(stored);
    await this.store.setNotifiedPosition(stored.id, handoff.position ?? 1);
    await this.broadcastQueue(stored.tier);
    await this.emit('handoff.requested', handoff);
    return { handoff, waitMinutes: await this.waitMinutes(stored.tier, handoff.position ?? 1) };
  }

  /** The conversation's queued or active handoff. */
  findOpen(channelId: string, conversationId: string): Promise<StoredHandoff | undefined> {
    return this.store.findOpen(channelId, conversationId);
  }

  findLatest(channelId: string, conversationId: string): Promise<StoredHandoff | undefined> {
    return this.store.findLatest(channelId, conversationId);
  }

  /** A customer line while queued or with an agent: stored (and pushed to the agent), never answered by the bot. */
  async customerMessage(handoff: StoredHandoff, text: string): Promise<void> {
    const message = await this.store.appendMessage({ handoffId: handoff.id, from: 'customer', text, needsDelivery: false }, this.now());
    if (handoff.state === 'active' && handoff.agent) this.options.hub.send(handoff.agent.id, messageNotice(message), { message });
  }

  /** Shown in the console of the agent holding the chat; never stored (a hint for a live screen only). */
  customerTyping(handoff: StoredHandoff): void {
    if (handoff.state === 'active' && handoff.agent) this.options.hub.send(handoff.agent.id, { event: 'typing', handoffId: handoff.id }, { handoffId: handoff.id });
  }

  /**
   * "cancel" while queued: leaves the queue. The handoff's ticket records that outcome and is
   * closed (nobody owns it); the bot continues with the ticket / callback dialog, whose ticket
   * links back to it.
   */
  async leaveQueue(handoff: StoredHandoff): Promise<StoredHandoff | undefined> {
    const left = await this.store.finish(handoff.id, ['queued'], 'cancelled', this.now());
    if (left === undefined) return undefined;
    await this.store.appendMessage({ handoffId: left.id, from: 'system', text: 'The customer left the queue.', needsDelivery: false }, this.now());
    await this.ticketStatus(left, 'closed', `Outcome: cancelled — the customer left the live chat queue before an agent was free. ${FOLLOW_UP_NOTE}`);
    await this.broadcastQueue(left.tier);
    await this.notifyPositions(left.tier);
    return left;
  }

  /** The answer to the 1–5 question after a resolved chat; undefined score = the customer moved on. */
  async recordSatisfaction(handoff: StoredHandoff, score: number | undefined): Promise<void> {
    const rated = await this.store.recordSatisfaction(handoff.id, score);
    if (rated === undefined || score === undefined) return;
    await this.store.appendMessage({ handoffId: rated.id, from: 'customer', text: String(score), needsDelivery: false }, this.now());
    await this.ticketNote(rated, `Customer satisfaction: ${score}/5.`);
    if (rated.agent) this.options.hub.send(rated.agent.id, handoffNotice(rated), { handoff: await this.present(rated) });
  }

  // ── Agent side (console API and /api/handoffs) ──

  /** Active chats per agent id. */
  activeCounts(): Promise<Map<string, number>> {
    return this.store.activeCounts();
  }

  /** Queued handoffs of the agent's tiers (oldest first) and the agent's own active chats. */
  async inbox(agent: Agent): Promise<{ queued: Handoff[]; active: Handoff[] }> {
    const queued = await this.store.listQueued(agent.tiers);
    const active = await this.store.listActiveFor(agent.id);
    return { queued: await this.presentAll(queued), active: await this.presentAll(active) };
  }

  async list(filter: { state?: Handoff['state']; tier?: Tier; limit: number }): Promise<Handoff[]> {
    return this.presentAll(await this.store.list(filter));
  }

  /** The handoff and its whole conversation, if `actor` may see it (its tier, or their own chat). */
  async detail(id: string, actor: Actor): Promise<{ handoff: Handoff; messages: HandoffMessage[] }> {
    const stored = await this.require(id);
    if (actor.kind === 'agent' && !actor.agent.tiers.includes(stored.tier) && stored.agent?.id !== actor.agent.id) {
      throw new HandoffError(403, 'forbidden', 'This conversation is for another tier.');
    }
    return { handoff: await this.present(stored), messages: await this.conversation(stored) };
  }

  /** Exactly-once accept: of two agents at once one wins, the other gets 409 `taken`. */
  async accept(id: string, actor: Actor): Promise<{ handoff: Handoff; messages: HandoffMessage[] }> {
    const before = await this.require(id);
    if (actor.kind === 'agent') {
      if (!actor.agent.tiers.includes(before.tier)) throw new HandoffError(403, 'forbidden', `You do not have the ${before.tier} skill.`);
    }
    const result = await this.store.accept(id, actorRef(actor), actor.kind === 'agent' ? actor.agent.capacity : undefined, this.now());
    if (typeof result === 'string') throw this.refusal(result);
    const texts = textsFor(result.language);
    await this.say(result, 'system', texts.liveChatJoined(result.agent!.name, texts.tierTeams[result.tier]));
    await this.ticketStatus(result, 'open', `Live chat accepted by ${result.agent!.name}.`);
    const handoff = await this.present(result);
    if (actor.kind === 'agent') this.options.hub.send(actor.agent.id, handoffNotice(handoff), { handoff });
    await this.broadcastQueue(result.tier);
    await this.notifyPositions(result.tier);
    await this.emit('handoff.accepted', handoff);
    return { handoff, messages: await this.conversation(result) };
  }

  /** An agent's line: stored first, then delivered (the worker retries until the channel takes it). */
  async agentMessage(id: string, actor: Actor, text: string): Promise<HandoffMessage> {
    const handoff = await this.requireOwn(id, actor);
    const message = await this.store.appendMessage({ handoffId: handoff.id, from: 'agent', text, agent: actorRef(actor), needsDelivery: true }, this.now());
    this.enqueueDelivery(handoff, message, 0);
    return message;
  }

  /** An internal note: stored, shown to agents, never sent to the customer. */
  async note(id: string, actor: Actor, text: string): Promise<HandoffMessage> {
    const handoff = await this.requireOwn(id, actor);
    return this.store.appendMessage({ handoffId: handoff.id, from: 'note', text, agent: actorRef(actor), needsDelivery: false }, this.now());
  }

  async agentTyping(id: string, actor: Actor): Promise<void> {
    const handoff = await this.requireOwn(id, actor);
    // Best effort and not awaited: a typing indicator is worthless late, and a slow channel must not hold the request.
    void this.options.sender.send(handoff.conversationReference as Partial<ConversationReference>, [typingActivity]).catch(() => undefined);
  }

  /** Back to a tier's queue (keeps its place by queue time), or straight to a named agent who can take it. */
  async transfer(id: string, actor: Actor, target: { tier?: Tier; agentId?: string }): Promise<Handoff> {
    const handoff = await this.requireOwn(id, actor);
    const texts = textsFor(handoff.language);
    if (target.agentId !== undefined) {
      const to = await this.options.agents.get(target.agentId);
      if (to === undefined || to.disabled) throw new HandoffError(404, 'not_found', 'No such agent.');
      if (!to.tiers.includes(handoff.tier)) throw new HandoffError(403, 'forbidden', `${to.name} does not have the ${handoff.tier} skill.`);
      if (to.status !== 'online' || !(await this.options.hub.connected([to.id])).has(to.id)) throw new HandoffError(409, 'capacity_full', `${to.name} is not online.`);
      const result = await this.store.reassign(id, handoff.agent!.id, { id: to.id, name: to.name }, to.capacity, this.now());
      if (typeof result === 'string') throw this.refusal(result);
      await this.say(result, 'system', texts.liveChatJoined(to.name, texts.tierTeams[result.tier]));
      await this.ticketNote(result, `Live chat transferred from ${handoff.agent!.name} to ${to.name}.`);
      const presented = await this.present(result);
      this.options.hub.send(handoff.agent!.id, handoffNotice(presented), { handoff: presented });
      this.options.hub.send(to.id, handoffNotice(presented), { handoff: presented });
      return presented;
    }
    const tier = target.tier ?? handoff.tier;
    const result = await this.store.requeue(id, tier, this.now());
    if (result === undefined) throw new HandoffError(409, 'not_active', 'This chat is no longer active.');
    await this.say(result, 'system', texts.liveChatTransferred(texts.tierTeams[tier]));
    await this.ticketNote(result, `Live chat transferred by ${handoff.agent!.name} to the ${tier} queue.`);
    const presented = await this.present(result);
    this.options.hub.send(handoff.agent!.id, handoffNotice(presented), { handoff: presented });
    await this.broadcastQueue(tier);
    return presented;
  }

  /** Closing message, conversation back to the bot, 1–5 satisfaction question; the ticket is resolved. */
  async resolve(id: string, actor: Actor, options: { closingMessage?: string; worthArticle?: boolean }): Promise<Handoff> {
    const handoff = await this.requireOwn(id, actor);
    const resolved = await this.store.finish(id, ['active'], 'resolved', this.now(), { worthArticle: options.worthArticle ?? false, awaitingSatisfaction: true });
    if (resolved === undefined) throw new HandoffError(409, 'not_active', 'This chat is no longer active.');
    const texts = textsFor(resolved.language);
    const closing = options.closingMessage?.trim() || texts.liveChatClosing;
    await this.say(resolved, 'agent', closing, actorRef(actor));
    await this.say(resolved, 'system', texts.satisfactionQuestion);
    const chat = (await this.store.listMessages(id)).filter((m) => m.from !== 'note').map((m) => `${m.at} ${m.from}${m.agent ? ` (${m.agent.name})` : ''}: ${m.text}`);
    await this.ticketStatus(resolved, 'resolved', `Live chat resolved by ${handoff.agent!.name}.${options.worthArticle ? ' Marked worth an article.' : ''}\n\n${chat.join('\n')}`);
    const presented = await this.present(resolved);
    this.options.hub.send(handoff.agent!.id, handoffNotice(presented), { handoff: presented });
    await this.emit('handoff.resolved', presented);
    return presented;
  }

  /** Connected agents' view after a queue of `tier` changed (on every instance; resolves once this one's consoles have it). */
  broadcastQueue(tier: Tier): Promise<void> {
    return this.options.hub.queueChanged(tier);
  }

  /** What `agentId`'s console shows for a notice (from another instance, or a queue change). */
  private async readNotice(agentId: string, notice: AgentNotice): Promise<{ event: string; data: unknown } | undefined> {
    switch (notice.event) {
      case 'message': {
        const message = (await this.store.listMessages(notice.handoffId)).find((m) => m.id === notice.messageId);
        return message === undefined ? undefined : { event: 'message', data: { message } };
      }
      case 'typing':
        return { event: 'typing', data: { handoffId: notice.handoffId } };
      case 'handoff': {
        const stored = await this.store.get(notice.handoffId);
        return stored === undefined ? undefined : { event: 'handoff', data: { handoff: await this.present(stored) } };
      }
      case 'queue': {
        const agent = await this.options.agents.get(agentId);
        if (agent === undefined || agent.disabled || !agent.tiers.includes(notice.tier)) return undefined;
        return { event: 'queue', data: { queued: await this.presentAll(await this.store.listQueued(agent.tiers)) } };
      }
    }
  }

  // ── internals ──

  private async require(id: string): Promise<StoredHandoff> {
    const stored = await this.store.get(id);
    if (stored === undefined) throw new HandoffError(404, 'not_found', 'No such conversation.');
    return stored;
  }

  /** The handoff, if it is active and held by `actor`. */
  private async requireOwn(id: string, actor: Actor): Promise<StoredHandoff> {
    const stored = await this.require(id);
    const ref = actorRef(actor);
    if (stored.agent?.id !== ref.id) throw new HandoffError(403, 'forbidden', 'This conversation is not yours.');
    if (stored.state !== 'active') throw new HandoffError(409, 'not_active', 'This chat is no longer active.');
    return stored;
  }

  private refusal(reason: string): HandoffError {
    switch (reason) {
      case 'taken':
        return new HandoffError(409, 'taken', 'Another agent accepted this conversation first.');
      case 'capacity_full':
        return new HandoffError(409, 'capacity_full', 'You already have as many chats as your capacity allows.');
      case 'not_queued':
        return new HandoffError(409, 'not_queued', 'This conversation is no longer waiting.');
      default:
        return new HandoffError(404, 'not_found', 'No such conversation.');
    }
  }

  /** The transcript before the handoff (from its ticket), then every relayed line and note. */
  private async conversation(handoff: StoredHandoff): Promise<HandoffMessage[]> {
    const ticket = await this.options.tickets.get(handoff.ticketReference);
    const before: HandoffMessage[] = (ticket?.transcript ?? []).map((entry, index) => ({
      id: `t_${handoff.id}_${index}`,
      handoffId: handoff.id,
      from: entry.from,
      text: entry.text,
      at: entry.at,
    }));
    return [...before, ...(await this.store.listMessages(handoff.id))];
  }

  private async say(handoff: StoredHandoff, from: 'agent' | 'system', text: string, agent?: AgentRef): Promise<void> {
    const message = await this.store.appendMessage({ handoffId: handoff.id, from, text, ...(agent ? { agent } : {}), needsDelivery: true }, this.now());
    if (handoff.agent) this.options.hub.send(handoff.agent.id, messageNotice(message), { message });
    this.enqueueDelivery(handoff, message, 0);
  }

  /** Delivers after the handoff's earlier lines; the line is already stored, so a crash meanwhile loses nothing. */
  private enqueueDelivery(handoff: StoredHandoff, message: HandoffMessage, attempts: number): Promise<void> {
    const previous = this.deliveries.get(handoff.id) ?? Promise.resolve();
    const next = previous.then(() => this.deliver(handoff, message, attempts));
    this.deliveries.set(handoff.id, next);
    void next.finally(() => {
      if (this.deliveries.get(handoff.id) === next) this.deliveries.delete(handoff.id);
    });
    return next;
  }

  /** Resolves when every delivery started so far has been attempted (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.deliveries.size > 0) await Promise.all([...this.deliveries.values()]);
  }

  private activityFor(handoff: StoredHandoff, message: HandoffMessage): Partial<Activity> {
    const texts = textsFor(handoff.language);
    const activity: Partial<Activity> = {
      type: 'message',
      text: message.text,
      ...(message.agent ? { channelData: { tierdeskAgent: message.agent.name } } : {}),
    };
    if (message.from === 'system' && message.text === texts.satisfactionQuestion) {
      activity.suggestedActions = { to: [], actions: [1, 2, 3, 4, 5].map((n) => ({ type: 'imBack', title: String(n), value: String(n) })) };
    }
    return activity;
  }

  /** One delivery attempt; on failure the line stays in the outbox with a retry time. Never throws. */
  private async deliver(handoff: StoredHandoff, message: HandoffMessage, attempts: number): Promise<void> {
    if (this.stopped) return;
    try {
      await this.options.sender.send(handoff.conversationReference as Partial<ConversationReference>, [this.activityFor(handoff, message)]);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (this.stopped) return;
      await this.store
        .deferDelivery(message.id, new Date(this.now().getTime() + retryDelayMs(attempts)), reason)
        .catch((deferError: unknown) => this.failed('could not record a failed delivery', deferError));
      this.options.logger.warn('handoff message not delivered yet; will retry', { handoff: handoff.id, message: message.id, error: reason });
      return;
    }
    if (this.stopped) return;
    try {
      const delivered = await this.store.markDelivered(message.id);
      if (delivered && handoff.agent && message.from === 'agent') this.options.hub.send(handoff.agent.id, messageNotice(delivered), { message: delivered });
    } catch (error) {
      this.failed('could not mark a message delivered', error);
    }
  }

  private async flushOutbox(at: Date): Promise<void> {
    for (const { message, attempts } of await this.store.dueDeliveries(at, 100)) {
      if (this.deliveries.has(message.handoffId)) continue; // being delivered right now; its chain retries it
      const handoff = await this.store.get(message.handoffId);
      if (handoff !== undefined) await this.enqueueDelivery(handoff, message, attempts);
    }
  }

  private async timeOutQueued(at: Date): Promise<void> {
    const cutoff = new Date(at.getTime() - this.options.queueTimeoutMinutes * 60_000);
    const tiers = new Set<Tier>();
    for (const waiting of await this.store.findQueuedSince(cutoff)) {
      const timedOut = await this.store.finish(waiting.id, ['queued'], 'timed_out', at);
      if (timedOut === undefined) continue;
      tiers.add(timedOut.tier);
      // Told proactively (they may not be typing); their next message starts the ticket / callback dialog.
      await this.say(timedOut, 'system', textsFor(timedOut.language).liveChatTimedOut(this.options.queueTimeoutMinutes, timedOut.tier === 'L2' ? 'callback' : 'ticket'));
      await this.ticketStatus(timedOut, 'closed', `Outcome: timed out — no agent accepted the live chat within ${this.options.queueTimeoutMinutes} minutes. ${FOLLOW_UP_NOTE}`);
    }
    for (const tier of tiers) {
      await this.broadcastQueue(tier);
      await this.notifyPositions(tier);
    }
  }

  /** Tells each waiting customer of `tier` their new place when it improved. */
  private async notifyPositions(tier: Tier): Promise<void> {
    const queued = await this.store.listQueued([tier]);
    for (const [index, handoff] of queued.entries()) {
      const position = index + 1;
      if (handoff.notifiedPosition !== undefined && position >= handoff.notifiedPosition) continue;
      await this.store.setNotifiedPosition(handoff.id, position);
      await this.say(handoff, 'system', textsFor(handoff.language).liveChatPosition(position, await this.waitMinutes(tier, position)));
    }
  }

  private async waitMinutes(tier: Tier, position: number): Promise<number | undefined> {
    return estimateWaitMinutes(await this.store.recentWaits(tier, 20), position);
  }

  /** Presents many at once, reading each tier's queue once for the positions. */
  private async presentAll(handoffs: StoredHandoff[]): Promise<Handoff[]> {
    const queues = new Map<Tier, StoredHandoff[]>();
    for (const tier of new Set(handoffs.filter((h) => h.state === 'queued').map((h) => h.tier))) queues.set(tier, await this.store.listQueued([tier]));
    return handoffs.map((h) => this.shape(h, queues.get(h.tier)));
  }

  /** The public shape: position in the queue and seconds waited filled in, backend-only fields dropped. */
  async present(stored: StoredHandoff): Promise<Handoff> {
    return this.shape(stored, stored.state === 'queued' ? await this.store.listQueued([stored.tier]) : undefined);
  }

  private shape(stored: StoredHandoff, queue: StoredHandoff[] | undefined): Handoff {
    const { conversationReference: _reference, notifiedPosition: _notified, ...rest } = stored;
    const end = stored.acceptedAt ?? (stored.state === 'queued' ? this.now().toISOString() : (stored.resolvedAt ?? stored.queuedAt));
    const waitSeconds = Math.max(0, Math.round((Date.parse(end) - Date.parse(stored.queuedAt)) / 1000));
    const position = stored.state === 'queued' && queue !== undefined ? queue.findIndex((h) => h.id === stored.id) + 1 || undefined : undefined;
    return { ...rest, waitSeconds, ...(position === undefined ? {} : { position }) };
  }

  private async ticketNote(handoff: StoredHandoff, text: string): Promise<void> {
    await this.options.tickets.addComment(handoff.ticketReference, { author: 'tierdesk', text }).catch((error: unknown) => this.failed('handoff ticket note failed', error));
  }

  private async ticketStatus(handoff: StoredHandoff, status: 'open' | 'resolved' | 'closed', note: string): Promise<void> {
    await this.ticketNote(handoff, note);
    const ticket = await this.options.tickets.get(handoff.ticketReference);
    if (ticket !== undefined && ticket.status !== status && !(status === 'open' && ticket.status !== 'new')) {
      await this.options.tickets.changeStatus(handoff.ticketReference, status).catch((error: unknown) => this.failed('handoff ticket status failed', error));
    }
  }

  /** Tells subscribers (webhooks) after the change is stored; a failing listener never fails the action. */
  private async emit(name: HandoffEventName, handoff: Handoff): Promise<void> {
    if (this.listeners.size === 0) return;
    const ticket = await this.options.tickets.get(handoff.ticketReference).catch(() => undefined);
    if (ticket === undefined) return;
    for (const listener of this.listeners) {
      try {
        listener(name, handoff, ticket);
      } catch (error) {
        this.failed('handoff event listener failed', error);
      }
    }
  }

  private failed(message: string, error: unknown): void {
    this.options.logger.error(message, { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
}
