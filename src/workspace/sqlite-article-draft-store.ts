import type { SqliteDatabase } from '../storage/database.js';
import type { ArticleDraft, ArticleDraftStore } from './article-draft.js';

interface Row {
  id: string;
  handoffId: string;
  ticketReference: string;
  language: string;
  state: ArticleDraft['state'];
  articleId: string;
  title: string;
  questions: string;
  body: string;
  resultArticleId: string | null;
  createdAt: string;
  updatedAt: string;
}

const COLUMNS = `id, handoff_id AS handoffId, ticket_reference AS ticketReference, language, state, article_id AS articleId, title,
  questions, body, result_article_id AS resultArticleId, created_at AS createdAt, updated_at AS updatedAt`;

function fromRow(row: Row): ArticleDraft {
  const { resultArticleId, questions, ...rest } = row;
  return { ...rest, questions: JSON.parse(questions) as string[], ...(resultArticleId === null ? {} : { resultArticleId }) };
}

/** ArticleDraftStore on the embedded SQLite database (table from migration 12). */
export class SqliteArticleDraftStore implements ArticleDraftStore {
  constructor(private readonly db: SqliteDatabase) {}

  async create(draft: ArticleDraft): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO article_drafts (id, handoff_id, ticket_reference, language, state, article_id, title, questions, body, result_article_id, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (handoff_id) DO NOTHING`,
      )
      .run(draft.id, draft.handoffId, draft.ticketReference, draft.language, draft.state, draft.articleId, draft.title, JSON.stringify(draft.questions), draft.body, draft.resultArticleId ?? null, draft.createdAt, draft.updatedAt);
  }

  async get(id: string): Promise<ArticleDraft | undefined> {
    const row = this.db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM article_drafts WHERE id = ?`).get(id);
    return row === undefined ? undefined : fromRow(row);
  }

  async findByHandoff(handoffId: string): Promise<ArticleDraft | undefined> {
    const row = this.db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM article_drafts WHERE handoff_id = ?`).get(handoffId);
    return row === undefined ? undefined : fromRow(row);
  }

  async list(state?: ArticleDraft['state']): Promise<ArticleDraft[]> {
    const rows =
      state === undefined
        ? this.db.prepare<[], Row>(`SELECT ${COLUMNS} FROM article_drafts ORDER BY created_at, id`).all()
        : this.db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM article_drafts WHERE state = ? ORDER BY created_at, id`).all(state);
    return rows.map(fromRow);
  }

  async update(draft: ArticleDraft): Promise<void> {
    this.db
      .prepare(`UPDATE article_drafts SET state = ?, article_id = ?, title = ?, questions = ?, body = ?, result_article_id = ?, updated_at = ? WHERE id = ?`)
      .run(draft.state, draft.articleId, draft.title, JSON.stringify(draft.questions), draft.body, draft.resultArticleId ?? null, draft.updatedAt, draft.id);
  }
}
