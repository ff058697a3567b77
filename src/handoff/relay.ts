import { ActivityTypes, type Activity, type ConversationReference } from 'botbuilder';

/**
 * Proactive delivery of agent lines to the customer's channel: the self-hosted Direct Line
 * adapter for Web Chat / the widget, CloudAdapter `continueConversationAsync` with the stored
 * conversation reference for every Bot Framework channel (Teams, …).
 */
export interface ChannelSender {
  send(reference: Partial<ConversationReference>, activities: Partial<Activity>[]): Promise<void>;
}

/** What sendActivities needs from an adapter: both BotAdapters in the app fit. */
interface ProactiveAdapter {
  continueConversationAsync(
    botAppIdOrClaims: string,
    reference: Partial<ConversationReference>,
    logic: (context: { sendActivities(activities: Partial<Activity>[]): Promise<unknown> }) => Promise<void>,
  ): Promise<void>;
}

/** Picks the adapter by the reference's channel: `directline` goes to the self-hosted endpoint. */
export class AdapterChannelSender implements ChannelSender {
  constructor(
    private readonly options: { directLine: ProactiveAdapter; cloud: ProactiveAdapter; appId: string; directLineChannelId: string },
  ) {}

  async send(reference: Partial<ConversationReference>, activities: Partial<Activity>[]): Promise<void> {
    const adapter = reference.channelId === this.options.directLineChannelId ? this.options.directLine : this.options.cloud;
    // The failure is carried out of the turn by hand: thrown inside it, the adapter's onTurnError
    // would swallow it and the outbox would mark an undelivered line as delivered.
    let failure: unknown;
    await adapter.continueConversationAsync(this.options.appId, reference, async (context) => {
      try {
        await context.sendActivities(activities);
      } catch (error) {
        failure = error;
      }
    });
    if (failure !== undefined) throw failure instanceof Error ? failure : new Error(String(failure));
  }
}

/** The typing indicator activity. */
export const typingActivity: Partial<Activity> = { type: ActivityTypes.Typing };

/** Backoff of the outbox: 2 s, 4 s, 8 s … capped at 5 minutes. */
export function retryDelayMs(attempts: number): number {
  return Math.min(5 * 60_000, 2_000 * 2 ** Math.min(attempts, 10));
}
