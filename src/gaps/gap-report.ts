import { dot } from '../search/embedder.js';
import type { KnowledgeSearch } from '../search/knowledge-search.js';
import type { FeedbackStore } from '../storage/feedback-store.js';
import type { TicketStore } from '../tickets/ticket-store.js';
import { clusterQuestions, type GapQuestion, type GapTopic } from './gap-clustering.js';
import type { UnmatchedQuestionStore } from './unmatched-question-store.js';

/** Where unresolved questions are read from. */
export interface GapSources {
  feedback: Pick<FeedbackStore, 'notHelpful'>;
  unmatched: Pick<UnmatchedQuestionStore, 'list'>;
  tickets: Pick<TicketStore, 'list'>;
}

export interface GapReport {
  generatedAt: string;
  since: string;
  /** Questions considered (after dropping empty ones). */
  questions: number;
  /** Similarity two groups of questions needed to become one topic (derived from the knowledge base). */
  topicThreshold: number;
  topics: GapTopic[];
}

/** Questions per report at most (the newest): clustering is quadratic. */
const MAX_QUESTIONS = 2000;
const TICKET_PAGE = 200;

/** The customer's own words from a ticket the bot filed ("…\n\nCustomer's words: <question>"), else its description. */
export function ticketQuestion(ticket: { subject: string; description: string }): string {
  const marker = "Customer's words: ";
  const at = ticket.description.lastIndexOf(marker);
  if (at >= 0) return ticket.description.slice(at + marker.length).trim();
  return (ticket.description.trim() || ticket.subject).trim();
}

/** Every unresolved question since `since` from the three sources, oldest first. */
export async function collectGapQuestions(sources: GapSources, since: string): Promise<GapQuestion[]> {
  const questions: GapQuestion[] = [];
  for (const f of await sources.feedback.notHelpful(since)) {
    questions.push({ question: f.question, language: undefined, source: 'not-helpful', offered: [f.articleId], createdAt: f.createdAt });
  }
  for (const u of await sources.unmatched.list(since)) {
    questions.push({ question: u.question, language: u.language, source: 'none-chosen', offered: u.offered, createdAt: u.createdAt });
  }
  for (let offset = 0; ; offset += TICKET_PAGE) {
    const page = await sources.tickets.list({ limit: TICKET_PAGE, offset });
    const recent = page.items.filter((t) => t.createdAt >= since);
    for (const ticket of recent) {
      questions.push({ question: ticketQuestion(ticket), language: undefined, source: 'ticket', offered: ticket.articlesTried.map((a) => a.articleId), createdAt: ticket.createdAt });
    }
    // Newest first: once a page reaches past `since` (or the end), older pages cannot qualify.
    if (recent.length < page.items.length || page.items.length < TICKET_PAGE) break;
  }
  return questions
    .filter((q) => q.question.trim().length > 0)
    .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0))
    .slice(-MAX_QUESTIONS);
}

/**
 * How similar two customer questions must be to count as one topic, for this model and this
 * knowledge base: the similarity that half of the pairs of alternative questions of the same article
 * (same language) reach. Scores of different models sit in different ranges (e5 0.7–0.9, MiniLM
 * lower), so a fixed number would merge everything on one model and nothing on another.
 */
export function topicThreshold(search: KnowledgeSearch): number {
  const { index } = search;
  const byArticle = new Map<string, Float32Array[]>();
  for (const [label, owner] of index.labels) {
    if (owner.kind !== 'question') continue;
    const vector = index.passageVector(label);
    if (vector === undefined) continue;
    const key = `${owner.language}/${owner.articleId}`;
    byArticle.set(key, [...(byArticle.get(key) ?? []), vector]);
  }
  const pairs: number[] = [];
  for (const vectors of byArticle.values()) {
    for (let i = 0; i < vectors.length; i++) for (let j = i + 1; j < vectors.length; j++) pairs.push(dot(vectors[i]!, vectors[j]!));
  }
  if (pairs.length === 0) return 0.8;
  pairs.sort((a, b) => a - b);
  return pairs[Math.floor(pairs.length * 0.5)]!;
}

/** Collects, embeds and clusters the unresolved questions since `since`. */
export async function buildGapReport(sources: GapSources, search: KnowledgeSearch, since: string, now = new Date()): Promise<GapReport> {
  const questions = await collectGapQuestions(sources, since);
  const vectors = questions.length === 0 ? [] : await search.embedQuestions(questions.map((q) => q.question));
  const threshold = topicThreshold(search);
  return {
    generatedAt: now.toISOString(),
    since,
    questions: questions.length,
    topicThreshold: threshold,
    topics: clusterQuestions(questions, vectors, threshold),
  };
}

/** CSV of the topics (one row each), for a spreadsheet. */
export function gapReportCsv(report: GapReport): string {
  const cell = (value: string | number) => {
    const text = String(value);
    return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const rows: (string | number)[][] = [
    ['topic', 'count', 'not_helpful', 'none_chosen', 'tickets', 'languages', 'offered_articles', 'examples', 'last_asked_at'],
    ...report.topics.map((t) => [
      t.topic,
      t.count,
      t.bySource['not-helpful'],
      t.bySource['none-chosen'],
      t.bySource.ticket,
      t.languages.join(' '),
      t.offeredArticles.map((a) => `${a.articleId} (${a.count})`).join('; '),
      t.examples.join(' | '),
      t.lastAskedAt,
    ]),
  ];
  return rows.map((row) => row.map(cell).join(',')).join('\n') + '\n';
}
