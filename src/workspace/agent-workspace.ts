import type { Agent } from '../agents/agent.js';
import type { Handoff, HandoffMessage } from '../handoff/handoff.js';
import type { HandoffService } from '../handoff/handoff-service.js';
import { formatDateTime } from '../i18n/format.js';
import { textsFor } from '../i18n/texts.js';
import type { KnowledgeState } from '../knowledge/knowledge-service.js';
import { plainText } from '../knowledge/article.js';
import type { TicketService } from '../tickets/ticket-service.js';
import { HandoffError } from '../handoff/handoff.js';
import { fillVariables, type VariableValues } from './fill-variables.js';
import type { PlaybookLibrary } from './playbook-library.js';
import type { Playbook } from './playbook.js';
import type { ArticleSendStore } from './article-sends.js';
import type { Logger } from '../logger.js';

/** A playbook ready for one conversation: `text` has every variable filled. */
export interface FilledPlaybook {
  id: string;
  title: string;
  tier: Playbook['tier'];
  kind: Playbook['kind'];
  keywords: string[];
  language: string;
  text: string;
}

/** An article the agent could send, with its fused search score (0–1). */
export interface Suggestion {
  articleId: string;
  title: string;
  language: string;
  score: number;
  excerpt: string;
}

export interface AgentWorkspaceOptions {
  playbooks: PlaybookLibrary;
  handoffs: HandoffService;
  tickets: TicketService;
  knowledge: () => KnowledgeState;
  /** Business time zone (TIME_ZONE), for `{sla.due}`. */
  timeZone: string;
  /** Default language: its playbooks stand in when the conversation's language has none. */
  defaultLanguage: string;
  /** Where sent answer cards are counted (supervisor view); without it sends are not recorded. */
  sends?: ArticleSendStore;
  logger?: Logger;
}

/** An article agents sent by hand, with its title in the reader's language when it has one. */
export interface SentArticle {
  articleId: string;
  title: string;
  language: string;
  count: number;
}

const SUGGESTIONS = 5;

/**
 * What the console's side panel works with for one conversation: playbooks with variables filled
 * (the conversation's tier first), article suggestions with scores, and an article sent as an
 * answer card. Access rules are the handoff service's: the tier skill or the agent's own chat.
 */
export class AgentWorkspace {
  constructor(private readonly options: AgentWorkspaceOptions) {}

  /** The values of `{customer.name}` … `{sla.due}` for a conversation. */
  async values(handoff: Handoff, agent: Pick<Agent, 'name'>): Promise<VariableValues> {
    const ticket = await this.options.tickets.get(handoff.ticketReference);
    const texts = textsFor(handoff.language);
    return {
      ...(handoff.customer.name ? { 'customer.name': handoff.customer.name } : {}),
      'ticket.reference': handoff.ticketReference,
      'agent.name': agent.name,
      ...(ticket ? { 'sla.due': formatDateTime(ticket.dueAt, this.options.timeZone, texts) } : {}),
    };
  }

  /** Fills the variables of any text the agent sends, so no raw `{…}` reaches the customer. */
  async fill(handoffId: string, agent: Agent, text: string): Promise<string> {
    const { handoff } = await this.options.handoffs.detail(handoffId, { kind: 'agent', agent });
    return fillVariables(text, await this.values(handoff, agent), textsFor(handoff.language).playbookFallbacks);
  }

  /** Playbooks in the conversation's language (default language if it has none), its tier first. */
  async playbooksFor(handoffId: string, agent: Agent): Promise<{ handoff: Handoff; playbooks: FilledPlaybook[] }> {
    const { handoff } = await this.options.handoffs.detail(handoffId, { kind: 'agent', agent });
    const all = this.options.playbooks.playbooks;
    const language = all.some((p) => p.language === handoff.language) ? handoff.language : this.options.defaultLanguage;
    const values = await this.values(handoff, agent);
    const fallbacks = textsFor(handoff.language).playbookFallbacks;
    const rank = (p: Playbook) => (p.tier === handoff.tier ? 0 : p.tier === 'all' ? 1 : 2);
    const playbooks = all
      .filter((p) => p.language === language)
      .map((p, order) => ({ p, order }))
      .sort((a, b) => rank(a.p) - rank(b.p) || (a.p.tier === b.p.tier ? a.order - b.order : a.p.tier.localeCompare(b.p.tier)))
      .map(({ p }) => ({ id: p.id, title: p.title, tier: p.tier, kind: p.kind, keywords: p.keywords, language: p.language, text: fillVariables(p.template, values, fallbacks) }));
    return { handoff, playbooks };
  }

  /** Articles for the customer's question and latest lines, best first, with scores. */
  async suggestions(handoffId: string, agent: Agent): Promise<Suggestion[]> {
    const { handoff, messages } = await this.options.handoffs.detail(handoffId, { kind: 'agent', agent });
    const status = this.options.knowledge();
    if (status.state !== 'ready') return [];
    const latest = messages.filter((m) => m.from === 'customer').slice(-2).map((m) => m.text);
    const query = [...new Set([handoff.question, ...latest])].join('\n');
    const { ranked } = await status.search.answer(query, handoff.language);
    return ranked.slice(0, SUGGESTIONS).flatMap((hit) => {
      const article = status.search.article(hit.articleId, hit.language ?? handoff.language);
      if (article === undefined) return [];
      const excerpt = plainText(article.body).slice(0, 220);
      return [{ articleId: hit.articleId, title: article.title, language: article.language, score: Math.round(hit.score * 1000) / 1000, excerpt }];
    });
  }

  /**
   * Sends an article as an answer card: its title, answer and link as the agent's line (so the
   * transcript shows it as sent by the agent, and every channel can show it).
   */
  async sendAnswerCard(handoffId: string, agent: Agent, articleId: string): Promise<HandoffMessage> {
    const { handoff } = await this.options.handoffs.detail(handoffId, { kind: 'agent', agent });
    const status = this.options.knowledge();
    const article = status.state === 'ready' ? status.search.article(articleId, handoff.language) : undefined;
    if (article === undefined) throw new HandoffError(404, 'not_found', `No article "${articleId}".`);
    const texts = textsFor(handoff.language);
    const card = [`**${article.title}**`, article.body.trim(), ...(article.link ? [`${texts.readFullArticle}: ${article.link}`] : []), `_${texts.answerCardFooter}_`].join('\n\n');
    const text = fillVariables(card, await this.values(handoff, agent), texts.playbookFallbacks);
    const sent = await this.options.handoffs.agentMessage(handoffId, { kind: 'agent', agent }, text.slice(0, 4000));
    // Counted only once the line reached the conversation; a failed count must not fail the send.
    await this.options.sends?.record({ articleId, language: article.language, agentId: agent.id, sentAt: sent.at }).catch((error: Error) => this.options.logger?.error('answer card not counted', { article: articleId, error: error.message }));
    return sent;
  }

  /**
   * The articles agents sent most often since `since`, with titles in `language` when the article
   * exists in it (else in the language it was sent in; else the id). Articles removed since stay listed.
   */
  async mostSent(since: string, limit: number, language: string): Promise<SentArticle[]> {
    if (this.options.sends === undefined) return [];
    const counts = await this.options.sends.top(since, limit);
    const status = this.options.knowledge();
    return counts.map(({ articleId, count, language: sentIn }) => {
      const article = status.state === 'ready' ? (status.search.article(articleId, language) ?? status.search.article(articleId, sentIn)) : undefined;
      return { articleId, count, title: article?.title ?? articleId, language: article?.language ?? sentIn };
    });
  }
}
