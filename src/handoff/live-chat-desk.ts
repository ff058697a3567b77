import type { TurnContext } from 'botbuilder';
import { ticketFromConversation, type CustomerProfile, type DeskDependencies, type FilingOptions } from '../../dialogs/desk.js';
import type { LiveChatDesk } from '../../dialogs/handoff-dialog.js';
import { turnLanguage } from '../language/turn-language.js';
import type { HandoffService } from './handoff-service.js';

/**
 * The dialogs' view of live chat: availability, and starting a handoff — its ticket (kind
 * `handoff`, with transcript, scores and articles tried) first, then the queue entry.
 */
export function liveChatDesk(service: HandoffService, desk: () => DeskDependencies, articleTitle: (articleId: string) => string | undefined): LiveChatDesk {
  return {
    availability: (tier) => service.availability(tier),
    start: async (context: TurnContext, options: FilingOptions) => {
      const deps = desk();
      const profile: CustomerProfile = await deps.profile.get(context, {});
      const ticket = await deps.tickets.create(await ticketFromConversation(context, deps, 'handoff', options, profile));
      return service.request({
        ticketReference: ticket.reference,
        tier: options.classification.tier,
        question: options.question,
        language: turnLanguage(context).language,
        channelId: ticket.channel.channelId,
        conversationId: ticket.channel.conversationId,
        customer: { userId: ticket.customer.userId, ...(ticket.customer.name ? { name: ticket.customer.name } : {}) },
        conversationReference: ticket.channel.conversationReference ?? {},
        classification: options.classification,
        articlesTried: options.articlesTried.map((a) => {
          const title = articleTitle(a.articleId);
          return { articleId: a.articleId, score: a.score, ...(title === undefined ? {} : { title }) };
        }),
      });
    },
  };
}
