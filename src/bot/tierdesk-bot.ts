import { ActivityTypes, Channels, TeamsActivityHandler, type Activity, type BotState, type StatePropertyAccessor, type TurnContext } from 'botbuilder';
import { runDialog, type Dialog, type DialogState } from 'botbuilder-dialogs';
import type { HandoffRouting } from '../handoff/customer-router.js';
import { turnTexts, type LanguageResolver } from '../language/turn-language.js';
import { activityText } from '../transcripts/activity-text.js';
import type { TranscriptStore } from '../transcripts/transcript-store.js';

/**
 * The bot: greets people who join and hands every message to the main dialog. Teams-aware
 * (TeamsActivityHandler) but works on every Bot Framework channel. State is saved after each turn.
 */
export class TierdeskBot extends TeamsActivityHandler {
  private readonly dialogState: StatePropertyAccessor<DialogState>;

  constructor(
    private readonly conversationState: BotState,
    private readonly userState: BotState,
    dialog: Dialog,
    private readonly transcripts: TranscriptStore,
    private readonly language: LanguageResolver,
    /** Live chat: while a conversation is with a human, turns are relayed instead of answered. */
    private readonly handoff?: HandoffRouting,
  ) {
    super();
    this.dialogState = conversationState.createProperty<DialogState>('dialogState');

    this.onMembersAdded(async (context, next) => {
      const joined = context.activity.membersAdded ?? [];
      if (joined.some((member) => member.id !== context.activity.recipient.id)) {
        await context.sendActivity(turnTexts(context).greeting);
      }
      await next();
    });

    this.onMessage(async (context, next) => {
      await runDialog(dialog, context, this.dialogState);
      await next();
    });
  }

  override async run(context: TurnContext): Promise<void> {
    await this.recordTranscript(context);
    // Once per turn, before any dialog: every dialog reads its texts through turnTexts(context).
    await this.language.resolve(context);
    if (this.handoff === undefined || !(await this.handoff.route(context))) await super.run(context);
    await this.conversationState.saveChanges(context, false);
    await this.userState.saveChanges(context, false);
  }

  /** Records the customer's message and every message the bot sends in this turn. */
  private async recordTranscript(context: TurnContext): Promise<void> {
    const { channelId, conversation } = context.activity;
    const record = async (activity: Partial<Activity>, from: 'customer' | 'bot') => {
      if (activity.type !== ActivityTypes.Message) return;
      const text = activityText(activity);
      if (text !== '') await this.transcripts.append(channelId, conversation.id, { from, text, at: new Date().toISOString() });
    };
    await record(context.activity, 'customer');
    context.onSendActivities(async (_context, activities, next) => {
      // Dialog state snapshots (trace activities) are for the Emulator only; never hand them to a
      // channel or an expectReplies caller: they contain the customer's stored profile.
      if (channelId !== Channels.Emulator) {
        for (let i = activities.length - 1; i >= 0; i--) if (activities[i]!.type === ActivityTypes.Trace) activities.splice(i, 1);
      }
      for (const activity of activities) await record(activity, 'bot');
      return next();
    });
  }
}
