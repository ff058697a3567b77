import { setTimeout as sleep } from 'node:timers/promises';
import {
  ActivityEventNames,
  ActivityEx,
  ActivityTypes,
  BotAdapter,
  INVOKE_RESPONSE_KEY,
  TurnContext,
  type Activity,
  type ConversationReference,
  type ResourceResponse,
} from 'botbuilder';

/** Where the adapter puts what the bot says: the Direct Line conversation log. */
export interface BotActivitySink {
  /** Logs a bot activity and returns the id it was given. */
  appendFromBot(conversationId: string, activity: Partial<Activity>): Promise<string>;
  /** Replaces a logged activity; false when the conversation has no activity with that id. */
  replaceFromBot(conversationId: string, activity: Partial<Activity> & { id: string }): Promise<boolean>;
  removeFromBot(conversationId: string, activityId: string): Promise<boolean>;
}

/** The bot's account in Direct Line conversations (the `from` of its replies). */
export interface BotIdentity {
  id: string;
  name: string;
}

type TurnLogic = (context: TurnContext) => Promise<void>;

/**
 * A BotAdapter for the self-hosted Direct Line endpoint. It needs no channel authentication:
 * the HTTP layer has already checked the conversation token, and replies are not POSTed to a
 * serviceUrl but appended to the conversation log, from where clients read or stream them.
 */
export class DirectLineAdapter extends BotAdapter {
  constructor(
    private readonly sink: BotActivitySink,
    private readonly identity: BotIdentity,
  ) {
    super();
  }

  /** Runs one incoming activity through the middleware and `logic` (errors go to onTurnError). */
  async processActivity(activity: Partial<Activity>, logic: TurnLogic): Promise<void> {
    await this.runMiddleware(new TurnContext(this, activity), logic);
  }

  override async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const responses: ResourceResponse[] = [];
    for (const activity of activities) {
      switch (activity.type) {
        case 'delay':
          await sleep(typeof activity.value === 'number' ? activity.value : 1000);
          responses.push({ id: '' });
          break;
        case ActivityTypes.InvokeResponse:
          // Read by ActivityHandler for invoke activities; never shown to the customer.
          context.turnState.set(INVOKE_RESPONSE_KEY, activity);
          responses.push({ id: '' });
          break;
        default: {
          const conversationId = activity.conversation?.id ?? context.activity.conversation.id;
          const id = await this.sink.appendFromBot(conversationId, this.asBotActivity(activity, context));
          responses.push({ id });
        }
      }
    }
    return responses;
  }

  override async updateActivity(context: TurnContext, activity: Partial<Activity>): Promise<ResourceResponse | void> {
    const conversationId = activity.conversation?.id ?? context.activity.conversation.id;
    if (activity.id === undefined || !(await this.sink.replaceFromBot(conversationId, { ...this.asBotActivity(activity, context), id: activity.id }))) {
      throw new Error(`Cannot update activity "${activity.id ?? '(no id)'}": it is not in conversation "${conversationId}".`);
    }
    return { id: activity.id };
  }

  override async deleteActivity(context: TurnContext, reference: Partial<ConversationReference>): Promise<void> {
    const conversationId = reference.conversation?.id ?? context.activity.conversation.id;
    if (reference.activityId === undefined || !(await this.sink.removeFromBot(conversationId, reference.activityId))) {
      throw new Error(`Cannot delete activity "${reference.activityId ?? '(no id)'}": it is not in conversation "${conversationId}".`);
    }
  }

  /** Proactive messages (e.g. an agent's reply relayed later): a turn whose replies land in the log. */
  override async continueConversation(reference: Partial<ConversationReference>, logic: TurnLogic): Promise<void> {
    await this.processActivity(ActivityEx.getContinuationActivity(reference), logic);
  }

  /** Every overload ends with the logic; app id, claims and audience do not apply to a self-hosted channel. */
  override async continueConversationAsync(...args: unknown[]): Promise<void> {
    const reference = args[1] as Partial<ConversationReference>;
    const logic = args[args.length - 1];
    if (typeof logic !== 'function') throw new TypeError('continueConversationAsync: the last argument must be the turn logic');
    await this.continueConversation(reference, logic as TurnLogic);
  }

  private asBotActivity(activity: Partial<Activity>, context: TurnContext): Partial<Activity> {
    const { conversation, from } = context.activity;
    // A proactive turn's activity (ContinueConversation) is never in the log, so a reply to it
    // would point at an id Web Chat never sees, and Web Chat holds such replies back for 5 s.
    const proactive = context.activity.type === ActivityTypes.Event && context.activity.name === ActivityEventNames.ContinueConversation;
    return {
      ...activity,
      replyToId: proactive ? undefined : activity.replyToId,
      channelId: context.activity.channelId,
      conversation: activity.conversation ?? conversation,
      from: { ...activity.from, id: this.identity.id, name: this.identity.name, role: 'bot' },
      recipient: activity.recipient ?? from,
      timestamp: new Date(),
    };
  }
}
