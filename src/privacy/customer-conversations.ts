import type { Middleware, TurnContext } from 'botbuilder';
import type { Logger } from '../logger.js';

/**
 * Which user spoke in which conversation. Transcripts, feedback and conversation state are keyed
 * by conversation only, so without this link erasure could not find a Teams or Emulator customer's
 * conversations.
 */
export interface CustomerConversationIndex {
  /** Remembers that `userId` spoke in the conversation now (idempotent; moves last-seen on). */
  record(channelId: string, conversationId: string, userId: string, at: string): Promise<void>;
}

/**
 * Adapter middleware: records the sender of every incoming activity in the index before the bot
 * runs. A failure to record is logged, never turned into a failed turn.
 */
export class CustomerConversationRecorder implements Middleware {
  constructor(
    private readonly index: CustomerConversationIndex,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const { channelId, conversation, from, recipient } = context.activity;
    const userId = from?.id;
    if (channelId && conversation?.id && userId && userId !== recipient?.id && from.role !== 'bot') {
      try {
        await this.index.record(channelId, conversation.id, userId, this.now().toISOString());
      } catch (error) {
        this.logger.warn('could not record the conversation of a customer', { error: error instanceof Error ? error.message : String(error) });
      }
    }
    await next();
  }
}
