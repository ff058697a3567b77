import { ActivityTypes, Channels, TeamsActivityHandler, type Activity, type BotState, type StatePropertyAccessor, type TurnContext } from 'botbuilder';
import { DialogSet, DialogTurnStatus, runDialog, type Dialog, type DialogState } from 'botbuilder-dialogs';
import type { EscalationState } from '../../dialogs/escalation-dialog.js';
import type { HandoffRouting } from '../handoff/customer-router.js';
import { turnTexts, type LanguageResolver } from '../language/turn-language.js';
import { activityText } from '../transcripts/activity-text.js';
import type { TranscriptStore } from '../transcripts/transcript-store.js';

/**
 * Where botbuilder-dialogs' DialogStateManager keeps its configuration for the turn (its memory
 * scopes and path resolvers). Unless the turn already has one, the first DialogContext of each
 * turn builds it anew from the dialogs component's service collection (~0.07 ms of CPU a turn in
 * the bench's profile). The scopes hold no state of their own (they read the dialog context they
 * are given), so the bot keeps the first turn's and hands it to every later one.
 */
const DIALOG_STATE_MANAGER_CONFIGURATION = 'DialogStateManagerConfiguration';

/**
 * The bot: greets people who join and hands every message to the main dialog. Teams-aware
 * (TeamsActivityHandler) but works on every Bot Framework channel. State is saved after each turn.
 */
export class TierdeskBot extends TeamsActivityHandler {
  private readonly dialogState: StatePropertyAccessor<DialogState>;
  /** The live chat (handoff id) whose follow-up already started here, so only the first message after a timeout starts it. */
  private readonly followedUp: StatePropertyAccessor<string | undefined>;
  /** The main dialog's set, built once (runDialog builds one per turn). */
  private readonly dialogs: DialogSet;
  /** See DIALOG_STATE_MANAGER_CONFIGURATION: taken from the first turn that built one. */
  private stateManagerConfiguration: unknown;

  constructor(
    private readonly conversationState: BotState,
    private readonly userState: BotState,
    private readonly dialog: Dialog,
    private readonly transcripts: TranscriptStore,
    private readonly language: LanguageResolver,
    /** Live chat: while a conversation is with a human, turns are relayed instead of answered. */
    private readonly handoff?: HandoffRouting,
  ) {
    super();
    this.dialogState = conversationState.createProperty<DialogState>('dialogState');
    this.followedUp = conversationState.createProperty<string | undefined>('liveChatFollowedUp');
    this.dialogs = new DialogSet(this.dialogState);
    this.dialogs.add(dialog);

    this.onMembersAdded(async (context, next) => {
      const joined = context.activity.membersAdded ?? [];
      if (joined.some((member) => member.id !== context.activity.recipient.id)) {
        await context.sendActivity(turnTexts(context).greeting);
      }
      await next();
    });

    this.onMessage(async (context, next) => {
      // The Emulator's inspector shows a dialog-state snapshot, which only runDialog sends.
      if (context.activity.channelId === Channels.Emulator) await runDialog(dialog, context, this.dialogState);
      else await this.continueOrBegin(context);
      await next();
    });
  }

  override async run(context: TurnContext): Promise<void> {
    // Typing is a hint for a live screen: no transcript, no language, no dialog, no state written.
    if (context.activity.type === ActivityTypes.Typing) {
      await this.handoff?.typing(context.activity.channelId, context.activity.conversation.id);
      return;
    }
    if (this.stateManagerConfiguration !== undefined) context.turnState.set(DIALOG_STATE_MANAGER_CONFIGURATION, this.stateManagerConfiguration);
    await this.recordTranscript(context);
    // Once per turn, before any dialog: every dialog reads its texts through turnTexts(context).
    await this.language.resolve(context);
    const routed = this.handoff === undefined ? { kind: 'bot' as const } : await this.handoff.route(context);
    if (routed.kind === 'bot') await super.run(context);
    else if (routed.kind === 'follow-up') await this.followUp(context, routed.handoffId, routed.options, routed.declined);
    this.stateManagerConfiguration ??= context.turnState.get(DIALOG_STATE_MANAGER_CONFIGURATION);
    await this.conversationState.saveChanges(context, false);
    await this.userState.saveChanges(context, false);
  }

  /**
   * What runDialog does for a bot that is not a skill, without its per-turn extras: it loads
   * every memory scope into a DialogStateManager, builds a snapshot of it as a trace activity
   * (which `recordTranscript` then drops: it holds the customer's profile) and saves the scopes
   * again — about 0.3 ms of CPU per turn in the profile. State is loaded through the accessors
   * and saved at the end of `run`.
   */
  private async continueOrBegin(context: TurnContext): Promise<void> {
    const dc = await this.dialogs.createContext(context);
    const result = await dc.continueDialog();
    if (result.status === DialogTurnStatus.empty) await dc.beginDialog(this.dialog.id);
  }

  /** The customer is typing on a channel that does not run a turn for it (the self-hosted Direct Line). */
  async typing(channelId: string, conversationId: string): Promise<void> {
    await this.handoff?.typing(channelId, conversationId);
  }

  /**
   * A live chat ended before an agent took it: today's flow continues (ticket dialog, or callback
   * dialog for L2) with the same question and tier — once per live chat; later messages, or a
   * "cancel" instead, go to the bot as usual.
   */
  private async followUp(context: TurnContext, handoffId: string, options: EscalationState, declined: boolean): Promise<void> {
    if ((await this.followedUp.get(context)) === handoffId) return super.run(context);
    await this.followedUp.set(context, handoffId);
    if (declined) return super.run(context);
    const dc = await this.dialogs.createContext(context);
    await dc.cancelAllDialogs();
    await dc.beginDialog(this.dialog.id, options);
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
