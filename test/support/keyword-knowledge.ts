import type { Article } from '../../src/knowledge/article.js';
import { KnowledgeIndex } from '../../src/knowledge/knowledge-index.js';
import { HashingTestEmbedder } from '../../src/search/hashing-test-embedder.js';
import { hnswIndexFactory } from '../../src/search/hnsw-index.js';

/**
 * A four-version knowledge base (one article in en and pt) and a sync with the hashing stand-in:
 * what the keyword structures' tests (revision on hot reload, the saved copy at restart) index.
 * Keywords do not depend on the embedder, so the stand-in is enough here.
 */
export const keywordArticle = (id: string, title: string, body: string, questions: string[] = [], language = 'en'): Article => ({
  id, title, body, questions, language, tags: [], file: `${language}/${id}.md`,
});

export const keywordArticles = [
  keywordArticle('reset-password', 'Request a new password', 'Click forgot password on the login page.', ['I forgot my password']),
  keywordArticle('create-user', 'Create a new user', 'Open settings, users, and click add user.', ['add a colleague account']),
  keywordArticle('create-user', 'Criar um novo usuário', 'Abra configurações, usuários, e clique em adicionar.', ['adicionar conta de colega'], 'pt'),
  keywordArticle('databases', 'Supported databases', 'PostgreSQL, SQL Server, MySQL and Oracle are supported.', ['which database engines work']),
];

export const syncKeywordKnowledge = (indexDir: string, list: readonly Article[], previous?: { index: KnowledgeIndex; articles: readonly Article[] }) =>
  KnowledgeIndex.sync({ articles: list, embedder: new HashingTestEmbedder(), indexFactory: hnswIndexFactory, indexDir, ...(previous === undefined ? {} : { previous }) });
