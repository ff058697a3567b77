import type { PgPool } from '../storage/postgres/pool.js';
import type { ArticleDraft, ArticleDraftStore } from './article-draft.js';

interface Row {
  id: string;
  handoffId: string;
  ticketReference: string;
  language: string;
  state: ArticleDraft['state'];
  articleId: string;
  title: string;
  questions: string[];
  body: string;
  resultArticleId: string | null;
  createdAt: string;
  updatedAt: string;
}

const COLUMNS = `id, handoff_id AS "handoffId", ticket_reference AS "ticketReference", language, state, article_id AS "articleId", title,
  questions, body, result_article_id AS "resultArticleId", created_at AS "createdAt", updated_at AS "updatedAt"`;

function fromRow(row: Row): ArticleDraft {
  const { resultArticleId, ...rest } = row;
  return { ...rest, ...(resultArticleId === null ? {} : { resultArticleId }) };
}

/** ArticleDraftStore on PostgreSQL (table from PostgreSQL migration 12), shared by every instance. */
export class PgArticleDraftStore implements ArticleDraftStore {
  constructor(private readonly pool: PgPool) {}

  async create(draft: ArticleDraft): Promise<void> {
    // One draft per handoff even when two instances draft the same resolved chat at once.
    await this.pool.query(
      `INSERT INTO article_drafts (id, handoff_id, ticket_reference, language, state, article_id, title, questions, body, result_article_id, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12) ON CONFLICT (handoff_id) DO NOTHING`,
      [draft.id, draft.handoffId, draft.ticketReference, draft.language, draft.state, draft.articleId, draft.title, JSON.stringify(draft.questions), draft.body, draft.resultArticleId ?? null, draft.createdAt, draft.updatedAt],
    );
  }

  async get(id: string): Promise<ArticleDraft | undefined> {
    const { rows } = await this.pool.query<Row>(`SELECT ${COLUMNS} FROM article_drafts WHERE id = $1`, [id]);
    return rows[0] === undefined ? undefined : fromRow(rows[0]);
  }

  async findByHandoff(handoffId: string): Promise<ArticleDraft | undefined> {
    const { rows } = await this.pool.query<Row>(`SELECT ${COLUMNS} FROM article_drafts WHERE handoff_id = $1`, [handoffId]);
    return rows[0] === undefined ? undefined : fromRow(rows[0]);
  }

  async list(state?: ArticleDraft['state']): Promise<ArticleDraft[]> {
    const { rows } =
      state === undefined
        ? await this.pool.query<Row>(`SELECT ${COLUMNS} FROM article_drafts ORDER BY created_at COLLATE "C", id COLLATE "C"`)
        : await this.pool.query<Row>(`SELECT ${COLUMNS} FROM article_drafts WHERE state = $1 ORDER BY created_at COLLATE "C", id COLLATE "C"`, [state]);
    return rows.map(fromRow);
  }

  async update(draft: ArticleDraft): Promise<void> {
    await this.pool.query(
      `UPDATE article_drafts SET state = $1, article_id = $2, title = $3, questions = $4::jsonb, body = $5, result_article_id = $6, updated_at = $7 WHERE id = $8`,
      [draft.state, draft.articleId, draft.title, JSON.stringify(draft.questions), draft.body, draft.resultArticleId ?? null, draft.updatedAt, draft.id],
    );
  }
}
