import { ActivityTypes, type Middleware, type TurnContext } from 'botbuilder';
import { textsFor } from '../i18n/texts.js';

/**
 * Adapter middleware that answers an over-long customer message with a polite refusal and stops
 * the turn there, so a 100 kB paste never reaches the embedder, the classifier, the transcript or
 * a ticket. Installed on every adapter (CloudAdapter and the Direct Line adapter) in app.ts.
 */
export class MessageLengthGuard implements Middleware {
  constructor(private readonly maxChars: number) {}

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const { type, text, locale } = context.activity;
    if (type === ActivityTypes.Message && typeof text === 'string' && text.length > this.maxChars) {
      await context.sendActivity(textsFor(locale).messageTooLong(this.maxChars));
      return;
    }
    await next();
  }
}
