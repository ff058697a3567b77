import { randomUUID } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import matter from 'gray-matter';
import { stringify } from 'yaml';
import { HandoffError, type Handoff } from '../handoff/handoff.js';
import type { HandoffService } from '../handoff/handoff-service.js';
import { parseArticle } from '../knowledge/load-articles.js';
import type { KnowledgeState } from '../knowledge/knowledge-service.js';
import type { Logger } from '../logger.js';
import { writeFileAtomically } from '../storage/atomic-file.js';
import { draftFromConversation, type ArticleDraft, type ArticleDraftStore, type DraftEdit } from './article-draft.js';

export interface ArticleDraftsOptions {
  store: ArticleDraftStore;
  handoffs: Pick<HandoffService, 'detail'>;
  /** KNOWLEDGE_DIR: articles are written to `articles/<language>/<id>.md`. */
  knowledgeDir: string;
  knowledge: { readonly status: KnowledgeState; reloadArticles(): Promise<KnowledgeState> };
  logger: Logger;
  now?: () => Date;
}

/**
 * Resolved chats marked "worth an article" become drafts; an admin edits one and publishes it as
 * a new article or merges its questions into an existing article as alternative wordings. Either
 * way the file is validated, written atomically and the knowledge base re-indexed before the call
 * returns, so the next customer is answered from it at level 0 without a restart.
 */
export class ArticleDrafts {
  private readonly now: () => Date;

  constructor(private readonly options: ArticleDraftsOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Handoff listener: drafts a resolved chat marked worth an article (once per chat). */
  async fromResolved(handoff: Handoff): Promise<ArticleDraft | undefined> {
    if (handoff.state !== 'resolved' || !handoff.worthArticle) return undefined;
    const existing = await this.options.store.findByHandoff(handoff.id);
    if (existing) return existing;
    const { messages } = await this.options.handoffs.detail(handoff.id, { kind: 'external', name: 'drafts' });
    const at = this.now().toISOString();
    const draft: ArticleDraft = { id: `d_${randomUUID()}`, state: 'open', createdAt: at, updatedAt: at, ...draftFromConversation(handoff, messages) };
    await this.options.store.create(draft);
    this.options.logger.info('article draft created', { draft: draft.id, handoff: handoff.id });
    return draft;
  }

  list(state?: ArticleDraft['state']): Promise<ArticleDraft[]> {
    return this.options.store.list(state);
  }

  async get(id: string): Promise<ArticleDraft> {
    const draft = await this.options.store.get(id);
    if (draft === undefined) throw new HandoffError(404, 'not_found', 'No such draft.');
    return draft;
  }

  private async open(id: string): Promise<ArticleDraft> {
    const draft = await this.get(id);
    if (draft.state !== 'open') throw new HandoffError(409, 'not_open', `This draft is already ${draft.state}.`);
    return draft;
  }

  async edit(id: string, changes: DraftEdit): Promise<ArticleDraft> {
    const draft = { ...(await this.open(id)), ...changes, updatedAt: this.now().toISOString() };
    await this.options.store.update(draft);
    return draft;
  }

  async discard(id: string): Promise<ArticleDraft> {
    const draft: ArticleDraft = { ...(await this.open(id)), state: 'discarded', updatedAt: this.now().toISOString() };
    await this.options.store.update(draft);
    return draft;
  }

  /** Publishes the draft as `articles/<language>/<articleId>.md` (409 if that article exists). */
  async publish(id: string): Promise<ArticleDraft> {
    const draft = await this.open(id);
    const relative = path.join(draft.language, `${draft.articleId}.md`);
    const file = path.join(this.options.knowledgeDir, 'articles', relative);
    if (await access(file).then(() => true, () => false)) throw new HandoffError(409, 'article_exists', `An article "${draft.articleId}" already exists in ${draft.language}; merge into it or choose another id.`);
    const frontMatter = { id: draft.articleId, title: draft.title, language: draft.language, tags: ['from-live-chat'], questions: draft.questions };
    const source = `---\n${stringify(frontMatter).trimEnd()}\n---\n${draft.body.trim()}\n`;
    this.validate(source, relative);
    await writeFileAtomically(file, source);
    return this.finish(draft, 'published', draft.articleId);
  }

  /** Adds the draft's questions to an existing article as alternative wordings. */
  async merge(id: string, articleId: string): Promise<ArticleDraft> {
    const draft = await this.open(id);
    const status = this.options.knowledge.status;
    const target = status.state === 'ready' ? status.search.article(articleId, draft.language) : undefined;
    if (target === undefined || target.language.split('-')[0] !== draft.language) throw new HandoffError(404, 'not_found', `No article "${articleId}" in ${draft.language}.`);
    const file = path.join(this.options.knowledgeDir, 'articles', target.file);
    const parsed = matter(await readFile(file, 'utf8'), {});
    const questions = Array.isArray(parsed.data.questions) ? (parsed.data.questions as string[]) : [];
    const known = new Set(questions.map((q) => q.toLowerCase()));
    const added = draft.questions.filter((q) => !known.has(q.toLowerCase()));
    const source = `---\n${stringify({ ...parsed.data, questions: [...questions, ...added] }).trimEnd()}\n---\n${parsed.content.replace(/^\n+/, '')}`;
    this.validate(source, target.file);
    await writeFileAtomically(file, source);
    return this.finish(draft, 'merged', articleId);
  }

  private validate(source: string, relative: string): void {
    try {
      parseArticle(source, relative);
    } catch (error) {
      throw new HandoffError(400, 'invalid_article', `${relative}: ${(error as Error).message}`);
    }
  }

  private async finish(draft: ArticleDraft, state: 'published' | 'merged', articleId: string): Promise<ArticleDraft> {
    // Re-index now (the watcher would too, a moment later): the answer is live when this returns.
    await this.options.knowledge.reloadArticles();
    const done: ArticleDraft = { ...draft, state, resultArticleId: articleId, updatedAt: this.now().toISOString() };
    await this.options.store.update(done);
    this.options.logger.info(`article draft ${state}`, { draft: draft.id, article: articleId });
    return done;
  }
}
