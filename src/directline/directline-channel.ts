import { randomUUID } from 'node:crypto';
import { ActivityTypes, type Activity, type TurnContext } from 'botbuilder';
import type { Logger } from '../logger.js';
import { DirectLineAdapter, type BotIdentity } from './directline-adapter.js';
import type { ConversationSignals, DirectLineConversation, DirectLineStore, LoggedActivity } from './conversation-store.js';
import type { IncomingActivity } from './schemas.js';

/** The channel id bots see for conversations through this endpoint (as with Azure's Direct Line). */
export const DIRECT_LINE_CHANNEL_ID = 'directline';

/** What a client receives: a batch of activities and the watermark to ask from next time. */
export interface ActivitySet {
  activities: LoggedActivity['activity'][];
  watermark: string;
}

/** Everything the channel is wired with; the bot and error handler are the ones /api/messages uses. */
export interface DirectLineChannelOptions {
  store: DirectLineStore;
  /** Other instances' appends (PostgreSQL LISTEN/NOTIFY); omitted with a single instance. */
  signals?: ConversationSignals;
  /**
   * The same bot /api/messages runs. `typing` (optional) hears the customer typing: it is never
   * logged and runs no turn, so it reaches e.g. a live chat agent without touching dialogs or state.
   */
  bot: { run(context: TurnContext): Promise<void>; typing?(channelId: string, conversationId: string): Promise<void> };
  /** The same error handling as the CloudAdapter: log and tell the customer something went wrong. */
  onTurnError: (context: TurnContext, error: Error) => Promise<void>;
  botIdentity: BotIdentity;
  logger: Logger;
  /** Most activities one GET returns; the client pages on with the watermark. */
  pageSize?: number;
}

/**
 * What a stream hears: the log grew (read it from your watermark), or an activity already logged
 * was replaced in place (resend it). `appended` carries the activity when it was logged here.
 */
export type ConversationChange = { kind: 'appended' } | { kind: 'replaced'; logged: LoggedActivity };
type Listener = (change: ConversationChange) => void;

/**
 * The conversation side of the Direct Line endpoint: starts conversations (the bot greets), logs
 * every activity in order, runs customer activities through the bot one turn at a time per
 * conversation, and tells stream listeners about each new activity.
 */
export class DirectLineChannel {
  readonly adapter: DirectLineAdapter;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly turns = new Map<string, Promise<void>>();
  private readonly pageSize: number;
  private stopListening: (() => Promise<void>) | undefined;

  constructor(private readonly options: DirectLineChannelOptions) {
    this.pageSize = options.pageSize ?? 100;
    this.adapter = new DirectLineAdapter(
      {
        appendFromBot: async (conversationId, activity) => (await this.append(conversationId, activity)).activity.id,
        replaceFromBot: async (conversationId, activity) => {
          const logged = await options.store.replace(conversationId, activity.id, activity);
          if (logged !== undefined) this.notify(conversationId, { kind: 'replaced', logged });
          return logged !== undefined;
        },
        removeFromBot: (conversationId, activityId) => options.store.remove(conversationId, activityId),
      },
      options.botIdentity,
    );
    this.adapter.onTurnError = options.onTurnError;
  }

  conversation(id: string): Promise<DirectLineConversation | undefined> {
    return this.options.store.conversation(id);
  }

  /**
   * Starts hearing other instances' appends (streams held here then get what they logged); call
   * once before serving. Without signals (one instance) there is nothing to hear.
   */
  async listenToOtherInstances(): Promise<void> {
    if (this.options.signals === undefined || this.stopListening !== undefined) return;
    this.stopListening = await this.options.signals.listen((conversationId) => {
      for (const id of conversationId === undefined ? [...this.listeners.keys()] : [conversationId]) this.notify(id, { kind: 'appended' });
    });
  }

  /**
   * Starts `conversationId` for `userId` and lets the bot greet (a conversationUpdate adding the
   * bot and the user, as Azure's Direct Line sends it). Starting an existing conversation is a no-op.
   */
  async start(conversationId: string, userId: string, locale: string | undefined): Promise<{ conversation: DirectLineConversation; created: boolean }> {
    const existing = await this.options.store.conversation(conversationId);
    if (existing !== undefined) return { conversation: existing, created: false };
    const conversation = { id: conversationId, userId, locale, createdAt: new Date().toISOString() };
    await this.options.store.createConversation(conversation);
    const { id: botId, name: botName } = this.options.botIdentity;
    await this.runTurn(conversation, {
      type: ActivityTypes.ConversationUpdate,
      id: randomUUID(),
      membersAdded: [
        { id: botId, name: botName },
        { id: userId, name: userId },
      ],
      from: { id: userId, name: userId, role: 'user' },
      locale,
    });
    return { conversation, created: true };
  }

  /**
   * Takes a customer's activity: logs it (clients see their own message come back, which is how
   * Web Chat knows it was delivered), then runs the bot turn. Resolves with the activity id once
   * the bot has answered, so a client that GETs afterwards sees the reply.
   */
  async receive(conversation: DirectLineConversation, incoming: IncomingActivity): Promise<string> {
    const activity: Partial<Activity> = {
      ...incoming,
      from: { id: conversation.userId, name: incoming.from?.name ?? conversation.userId, role: 'user' },
      locale: incoming.locale ?? conversation.locale,
    };
    // Typing is ephemeral (a hint for a live screen): handed to the bot's typing hook (a live chat
    // agent sees it) without a turn, and never logged (it would fill the history a reloaded page replays).
    if (activity.type === ActivityTypes.Typing) {
      await this.options.bot.typing?.(DIRECT_LINE_CHANNEL_ID, conversation.id).catch((error: unknown) =>
        this.options.logger.warn('typing indicator not passed on', { conversation: conversation.id, error: error instanceof Error ? error.message : String(error) }),
      );
      return `${conversation.id}|typing-${randomUUID()}`;
    }
    const logged = await this.append(conversation.id, activity);
    await this.runTurn(conversation, logged.activity);
    return logged.activity.id;
  }

  /** Activities after `watermark` (at most one page) and the watermark to continue from. */
  async activitiesAfter(conversationId: string, watermark: number): Promise<ActivitySet> {
    const page = await this.options.store.activitiesAfter(conversationId, watermark, this.pageSize);
    return { activities: page.map((logged) => logged.activity), watermark: String(page.at(-1)?.seq ?? watermark) };
  }

  /**
   * Calls `listener` whenever `conversationId`'s log changes from now on (here or, with signals, on
   * another instance). Listeners read the log from their own watermark, so subscribing first and
   * then reading the backlog loses nothing in between.
   */
  subscribe(conversationId: string, listener: Listener): () => void {
    let set = this.listeners.get(conversationId);
    if (set === undefined) this.listeners.set(conversationId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(conversationId);
    };
  }

  /** Waits for every turn in flight (before the database closes). */
  async drain(): Promise<void> {
    while (this.turns.size > 0) await Promise.allSettled([...this.turns.values()]);
    const stop = this.stopListening;
    this.stopListening = undefined;
    await stop?.();
  }

  private async append(conversationId: string, activity: Partial<Activity>): Promise<LoggedActivity> {
    const logged = await this.options.store.append(conversationId, {
      ...activity,
      channelId: DIRECT_LINE_CHANNEL_ID,
      conversation: { id: conversationId, isGroup: false, conversationType: 'personal', name: '' },
      timestamp: activity.timestamp ?? new Date(),
    });
    this.notify(conversationId, { kind: 'appended' });
    return logged;
  }

  private notify(conversationId: string, change: ConversationChange): void {
    for (const listener of this.listeners.get(conversationId) ?? []) {
      try {
        listener(change);
      } catch (error) {
        this.options.logger.warn('direct line listener failed', { conversation: conversationId, error: (error as Error).message });
      }
    }
  }

  /** One turn at a time per conversation, so two quick messages never race on dialog state. */
  private runTurn(conversation: DirectLineConversation, activity: Partial<Activity>): Promise<void> {
    const { id: botId, name: botName } = this.options.botIdentity;
    const turnActivity: Partial<Activity> = {
      ...activity,
      channelId: DIRECT_LINE_CHANNEL_ID,
      serviceUrl: 'urn:tierdesk:directline',
      conversation: { id: conversation.id, isGroup: false, conversationType: 'personal', name: '' },
      recipient: { id: botId, name: botName, role: 'bot' },
      timestamp: activity.timestamp ?? new Date(),
    };
    const previous = this.turns.get(conversation.id) ?? Promise.resolve();
    const turn = previous
      .catch(() => undefined)
      .then(() => this.adapter.processActivity(turnActivity, (context) => this.options.bot.run(context)));
    this.turns.set(conversation.id, turn);
    const forget = () => {
      if (this.turns.get(conversation.id) === turn) this.turns.delete(conversation.id);
    };
    turn.then(forget, forget);
    return turn;
  }
}
