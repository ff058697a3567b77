import { z } from 'zod';
import type { Handoff, HandoffMessage } from '../handoff/handoff.js';
import { allTexts } from '../i18n/texts.js';

const ANSWER_CARD_FOOTERS = allTexts.map((texts) => texts.answerCardFooter);
/** The default closing line the desk sends on resolve: not part of any answer. */
const CLOSING_LINES = new Set(allTexts.map((texts) => texts.liveChatClosing));

/** Where a draft is: waiting for review, turned into a new article, merged into one, or dropped. */
export const draftStateSchema = z.enum(['open', 'published', 'merged', 'discarded']);

/** An article drafted from a resolved live chat an agent marked "worth an article". */
export const articleDraftSchema = z.object({
  id: z.string(),
  handoffId: z.string(),
  ticketReference: z.string(),
  language: z.string(),
  state: draftStateSchema,
  /** Proposed article id (file name) for a new article. */
  articleId: z.string(),
  title: z.string(),
  /** The customer's question first, then other ways they asked it. */
  questions: z.array(z.string()),
  body: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  /** The article it became (published) or was merged into. */
  resultArticleId: z.string().optional(),
});
export type ArticleDraft = z.infer<typeof articleDraftSchema>;

/** What an admin may change before publishing (HTTP body of PUT /agent/api/drafts/:id). */
export const draftEditSchema = z.strictObject({
  articleId: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be lowercase kebab-case, e.g. "export-audit-log"').max(80).optional(),
  title: z.string().trim().min(3).max(200).optional(),
  questions: z.array(z.string().trim().min(3).max(300)).max(20).optional(),
  body: z.string().trim().min(1).max(20_000).optional(),
});
export type DraftEdit = z.infer<typeof draftEditSchema>;

/** Drafts storage; async because a PostgreSQL implementation will follow the SQLite one. */
export interface ArticleDraftStore {
  create(draft: ArticleDraft): Promise<void>;
  get(id: string): Promise<ArticleDraft | undefined>;
  findByHandoff(handoffId: string): Promise<ArticleDraft | undefined>;
  list(state?: ArticleDraft['state']): Promise<ArticleDraft[]>;
  update(draft: ArticleDraft): Promise<void>;
}

const STOP_WORDS = new Set(['a', 'an', 'the', 'i', 'my', 'we', 'our', 'to', 'do', 'does', 'can', 'how', 'is', 'it', 'of', 'in', 'on', 'for', 'and', 'or', 'me', 'you', 'with', 'what', 'why']);

/** "How do I export the audit log?" → "export-audit-log". */
export function suggestArticleId(question: string): string {
  const words = question
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .split(' ')
    .filter((w) => w.length > 0 && !STOP_WORDS.has(w));
  return words.slice(0, 6).join('-') || 'live-chat-answer';
}

/**
 * Drafts an article from a live chat: the customer's question is the title and first question,
 * their other questions become alternative wordings, the agent's lines the answer. Pure; the
 * admin edits it before it is published.
 */
export function draftFromConversation(handoff: Handoff, messages: readonly HandoffMessage[]): Omit<ArticleDraft, 'id' | 'state' | 'createdAt' | 'updatedAt'> {
  const question = handoff.question.trim();
  const customerQuestions = messages
    .filter((m) => m.from === 'customer' && /\?\s*$/.test(m.text) && m.text.trim().length >= 10)
    .map((m) => m.text.trim());
  const questions = [...new Set([question, ...customerQuestions])].slice(0, 6);
  // Answer cards are other articles already; they do not belong in this one's answer.
  const answers = messages
    .filter((m) => m.from === 'agent' && !CLOSING_LINES.has(m.text.trim()) && !ANSWER_CARD_FOOTERS.some((footer) => m.text.trimEnd().endsWith(`_${footer}_`)))
    .map((m) => m.text.trim())
    .filter(Boolean);
  const title = question.length > 3 ? question.slice(0, 200) : `Question from ${handoff.ticketReference}`;
  return {
    handoffId: handoff.id,
    ticketReference: handoff.ticketReference,
    language: handoff.language,
    articleId: suggestArticleId(question),
    title,
    questions,
    body: answers.join('\n\n') || question,
  };
}
