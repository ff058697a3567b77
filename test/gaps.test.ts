import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterQuestions, type GapQuestion } from '../src/gaps/gap-clustering.js';
import { gapReportCsv, ticketQuestion } from '../src/gaps/gap-report.js';
import { gapReportSchema } from '../src/gaps/gaps-api.js';
import { SqliteUnmatchedQuestionStore } from '../src/gaps/sqlite-unmatched-question-store.js';
import { normalize } from '../src/search/embedder.js';
import { SqliteFeedbackStore } from '../src/storage/feedback-store.js';
import { sampleTicket } from './fixtures/sample-tickets.js';
import { startTestApp, type RunningApp } from './support/test-app.js';

const q = (question: string, source: GapQuestion['source'], offered: string[] = [], createdAt = '2026-01-01T10:00:00.000Z'): GapQuestion => ({
  question, language: 'en', source, offered, createdAt,
});

/** A unit vector near one of three directions ("topics"), slightly different per question. */
const near = (topic: number, wobble: number) => normalize(Float32Array.from({ length: 8 }, (_, d) => (d === topic ? 1 : 0) + (d === 7 ? wobble : 0)));

describe('gap clustering', () => {
  it('groups questions by meaning, most frequent topic first, with sources and wrongly offered articles', () => {
    const questions = [
      q('can I export to excel', 'not-helpful', ['export-documents']),
      q('export list as xlsx', 'none-chosen', ['export-documents', 'export-metadata-csv']),
      q('excel export of my files', 'ticket', ['export-documents'], '2026-01-02T10:00:00.000Z'),
      q('is there a dark mode', 'ticket'),
      q('dark theme for the app', 'none-chosen', ['change-interface-language']),
      q('who won the match', 'ticket'),
    ];
    const vectors = [near(0, 0.1), near(0, 0.2), near(0, 0.15), near(1, 0.1), near(1, 0.2), near(2, 0)];
    const topics = clusterQuestions(questions, vectors, 0.9);
    expect(topics.map((t) => t.count)).toEqual([3, 2, 1]);
    expect(topics[0]).toMatchObject({
      bySource: { 'not-helpful': 1, 'none-chosen': 1, ticket: 1 },
      offeredArticles: [
        { articleId: 'export-documents', count: 3 },
        { articleId: 'export-metadata-csv', count: 1 },
      ],
      lastAskedAt: '2026-01-02T10:00:00.000Z',
      languages: ['en'],
    });
    expect([topics[0]!.topic, ...topics[0]!.examples].sort()).toEqual(['can I export to excel', 'excel export of my files', 'export list as xlsx']);
    expect(topics[1]!.offeredArticles).toEqual([{ articleId: 'change-interface-language', count: 1 }]);
  });

  it('keeps every question apart when nothing is similar enough', () => {
    const topics = clusterQuestions([q('a', 'ticket'), q('b', 'ticket')], [near(0, 0), near(1, 0)], 0.5);
    expect(topics.map((t) => t.count)).toEqual([1, 1]);
  });

  it('writes CSV with quoting', () => {
    const csv = gapReportCsv({
      generatedAt: '', since: '', questions: 1, topicThreshold: 0.9,
      topics: [{ topic: 'export, "excel"', count: 1, examples: [], bySource: { 'not-helpful': 1, 'none-chosen': 0, ticket: 0 }, languages: ['en'], offeredArticles: [], lastAskedAt: 'x' }],
    });
    expect(csv.split('\n')[1]).toBe('"export, ""excel""",1,1,0,0,en,,,x');
  });

  it("takes the customer's own words from a ticket the bot filed", () => {
    expect(ticketQuestion({ subject: 'Export', description: "Export to Excel\n\nCustomer's words: can i get my files in excel" })).toBe('can i get my files in excel');
    expect(ticketQuestion({ subject: 'Export', description: '' })).toBe('Export');
  });
});

describe('GET /api/gaps', () => {
  const TOKEN = 'gaps-token-0123456789abcdef';
  let running: RunningApp;

  beforeAll(async () => {
    running = await startTestApp({ API_TOKENS: TOKEN });
    const { db } = running.app;
    await new SqliteFeedbackStore(db).record({ conversationId: 'c1', channelId: 'webchat', articleId: 'export-documents', question: 'export my archive to an excel spreadsheet', helpful: false });
    await new SqliteFeedbackStore(db).record({ conversationId: 'c1', channelId: 'webchat', articleId: 'download-invoice', question: 'invoice download worked', helpful: true });
    await new SqliteUnmatchedQuestionStore(db).record({ conversationId: 'c2', channelId: 'webchat', question: 'export my archive to an excel spreadsheet please', offered: ['export-metadata-csv'] });
    await running.app.tickets.create(sampleTicket({ description: "Dark mode\n\nCustomer's words: does the desktop client have a dark mode", articlesTried: [] }));
  });
  afterAll(async () => running.stop());

  const get = (path: string, token: string | null = TOKEN) =>
    fetch(`${running.baseUrl}${path}`, { headers: token === null ? {} : { authorization: `Bearer ${token}` } });

  it('needs a bearer token', async () => {
    const response = await get('/api/gaps', null);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/Bearer/);
  });

  it('rejects a bad query parameter with the field named', async () => {
    const response = await get('/api/gaps?days=0');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_request', field: 'days' } });
  });

  it('clusters not-helpful answers, none-chosen and tickets into topics', async () => {
    const response = await get('/api/gaps?days=7');
    expect(response.status).toBe(200);
    const report = gapReportSchema.parse(await response.json());
    expect(report.questions).toBe(3);
    expect(report.topics[0]).toMatchObject({ count: 2, bySource: { 'not-helpful': 1, 'none-chosen': 1, ticket: 0 } });
    expect(report.topics[0]!.offeredArticles.map((a) => a.articleId).sort()).toEqual(['export-documents', 'export-metadata-csv']);
    expect(report.topics[1]).toMatchObject({ count: 1, topic: 'does the desktop client have a dark mode', bySource: { ticket: 1 } });
  });

  it('serves CSV and is described in the OpenAPI document', async () => {
    const csv = await get('/api/gaps?format=csv');
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect((await csv.text()).split('\n')[0]).toMatch(/^topic,count,not_helpful,none_chosen,tickets/);
    const openapi = (await (await get('/api/openapi.json', null)).json()) as { paths: Record<string, unknown> };
    expect(openapi.paths['/api/gaps']).toBeDefined();
  });
});
