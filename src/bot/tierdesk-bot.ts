import { TeamsActivityHandler, type BotState, type StatePropertyAccessor, type TurnContext } from 'botbuilder';
import { runDialog, type Dialog, type DialogState } from 'botbuilder-dialogs';
import { textsFor } from '../i18n/texts.js';

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
  ) {
    super();
    this.dialogState = conversationState.createProperty<DialogState>('dialogState');

    this.onMembersAdded(async (context, next) => {
      const joined = context.activity.membersAdded ?? [];
      if (joined.some((member) => member.id !== context.activity.recipient.id)) {
        await context.sendActivity(textsFor(context.activity.locale).greeting);
      }
      await next();
    });

    this.onMessage(async (context, next) => {
      await runDialog(dialog, context, this.dialogState);
      await next();
    });
  }

  override async run(context: TurnContext): Promise<void> {
    await super.run(context);
    await this.conversationState.saveChanges(context, false);
    await this.userState.saveChanges(context, false);
  }
}
