import { cpSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allTexts } from '../src/i18n/texts.js';
import { silentLogger } from '../src/logger.js';
import type { Tier } from '../src/tickets/ticket.js';
import { fillVariables, hasRawVariable } from '../src/workspace/fill-variables.js';
import { parsePlaybookFile } from '../src/workspace/parse-playbooks.js';
import { PLAYBOOK_VARIABLES } from '../src/workspace/playbook.js';
import { PlaybookLibrary } from '../src/workspace/playbook-library.js';
import { addAgent, CapturingChannel, ConsoleClient } from './support/agent-console-client.js';
import { sampleKnowledgeDir, startTestApp, tempDir, type RunningApp } from './support/test-app.js';

describe('playbook files: validation points at file and line', () => {
  it('reports a YAML syntax error with its line', () => {
    const source = 'tier: L1\nplaybooks:\n  - id: greeting\n    title: Greeting: hello\n    text: Hello\n';
    const { problems } = parsePlaybookFile(source, 'playbooks/en/l1.yaml', 'en');
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatchObject({ file: 'playbooks/en/l1.yaml', line: 4, message: 'Nested mappings are not allowed in compact mappings' });
  });

  it('reports a schema problem on the line of the offending entry', () => {
    const source = ['tier: L1', 'playbooks:', '  - id: greeting', '    title: Greeting', '    text: Hello', '  - id: Bad_Id', '    title: B', '    text: x'].join('\n');
    const { problems, playbooks } = parsePlaybookFile(source, 'playbooks/en/l1.yaml', 'en');
    expect(playbooks).toEqual([]);
    expect(problems).toContainEqual(expect.objectContaining({ file: 'playbooks/en/l1.yaml', line: 6, message: expect.stringMatching(/playbooks\.1\.id: must be lowercase kebab-case/) }));
    expect(problems).toContainEqual(expect.objectContaining({ line: 7, message: expect.stringMatching(/playbooks\.1\.title/) }));
  });

  it('reports an unknown variable inside a block text on the line it is written', () => {
    const source = ['tier: L2', 'playbooks:', '  - id: greeting', '    title: Greeting', '    text: |', '      Hello {customer.name},', '      your order {order.id} is late.'].join('\n');
    const { problems } = parsePlaybookFile(source, 'playbooks/en/l2.yaml', 'en');
    expect(problems).toEqual([expect.objectContaining({ file: 'playbooks/en/l2.yaml', line: 7, message: expect.stringMatching(/unknown variable \{order\.id\}/) })]);
  });

  it('reports an unknown variable in a step, a lone brace, a duplicate id and text+steps together', () => {
    const source = [
      'tier: L3',
      'playbooks:',
      '  - id: logs',
      '    title: Logs',
      '    steps:',
      '      - Open the diagnostics page',
      '      - Quote {ticket.ref}',
      '  - id: logs',
      '    title: Again',
      '    text: Hello {customer.name',
    ].join('\n');
    const { problems } = parsePlaybookFile(source, 'playbooks/en/l3.yaml', 'en');
    expect(problems).toContainEqual(expect.objectContaining({ line: 7, message: expect.stringMatching(/unknown variable \{ticket\.ref\}/) }));
    expect(problems).toContainEqual(expect.objectContaining({ line: 8, message: expect.stringMatching(/"logs" is already used on line 3/) }));
    expect(problems).toContainEqual(expect.objectContaining({ line: 10, message: expect.stringMatching(/unmatched/) }));
    const both = parsePlaybookFile('tier: L1\nplaybooks:\n  - id: a-b\n    title: Both\n    text: x\n    steps: [y]\n', 'f.yaml', 'en');
    expect(both.problems).toEqual([expect.objectContaining({ line: 3, message: expect.stringMatching(/exactly one of text or steps/) })]);
  });

  it('loads every bundled playbook file without a problem, in en, pt and pl', async () => {
    const library = new PlaybookLibrary(path.join(sampleKnowledgeDir, 'playbooks'), silentLogger);
    await library.reload();
    expect(library.problems).toEqual([]);
    for (const language of ['en', 'pt', 'pl']) {
      const ids = library.playbooks.filter((p) => p.language === language).map((p) => p.id);
      expect(ids, language).toEqual(expect.arrayContaining(['greeting', 'closing', 'technical-investigation', 'collect-logs']));
    }
  });
});

describe('variable filling never leaves a raw {…}', () => {
  const fallbacks = allTexts[0]!.playbookFallbacks;
  it('fills known variables and falls back in the customer language when a value is missing', () => {
    expect(fillVariables('Hi {customer.name}, ticket {ticket.reference} by {sla.due}. {agent.name}', { 'ticket.reference': 'TD-1', 'agent.name': 'Ana' }, fallbacks)).toBe(
      'Hi there, ticket TD-1 by as soon as possible. Ana',
    );
    for (const texts of allTexts) for (const variable of PLAYBOOK_VARIABLES) expect(texts.playbookFallbacks[variable].trim(), `${texts.language} ${variable}`).not.toBe('');
  });

  it('leaves no variable-looking text, whatever the template and values (property)', () => {
    const piece = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom(...PLAYBOOK_VARIABLES.map((v) => `{${v}}`), '{order.id}', '{ customer.name }', '{x}'));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 10 }), fc.dictionary(fc.constantFrom(...PLAYBOOK_VARIABLES), fc.string({ maxLength: 6 })), (pieces, values) => {
        const filled = fillVariables(pieces.join(''), values, fallbacks);
        // A value itself could spell a variable: it is data, but filling once more must still settle it.
        expect(hasRawVariable(fillVariables(filled, values, fallbacks))).toBe(false);
      }),
    );
  });
});

describe('playbooks in the console API (real HTTP)', () => {
  let running: RunningApp;
  let knowledgeDir: string;
  let channel: CapturingChannel;
  let ana: ConsoleClient; // L3
  let boss: ConsoleClient; // admin, L1
  let conversation = 0;

  async function queue(tier: Tier, customerName?: string, language = 'en'): Promise<{ id: string; conversationId: string; reference: string }> {
    conversation += 1;
    const conversationId = `pb${conversation}`;
    const reference = { channelId: 'test', conversation: { id: conversationId }, serviceUrl: channel.url, bot: { id: 'bot' }, user: { id: `u${conversation}` } };
    const ticket = await running.app.tickets.create({ kind: 'handoff', tier, subject: 'help', customer: { userId: `u${conversation}` }, channel: { channelId: 'test', conversationId, conversationReference: reference } });
    const { handoff } = await running.app.handoffs.request({
      ticketReference: ticket.reference,
      tier,
      question: 'Single sign-on with Azure AD fails',
      language,
      channelId: 'test',
      conversationId,
      customer: { userId: `u${conversation}`, ...(customerName ? { name: customerName } : {}) },
      conversationReference: reference,
      classification: { tier, source: 'customer', score: 1, margin: 1, scores: {} },
      articlesTried: [],
    });
    return { id: handoff.id, conversationId, reference: ticket.reference };
  }

  beforeAll(async () => {
    knowledgeDir = tempDir('tierdesk-playbooks-');
    cpSync(sampleKnowledgeDir, knowledgeDir, { recursive: true });
    channel = new CapturingChannel();
    await channel.start();
    running = await startTestApp({ KNOWLEDGE_DIR: knowledgeDir });
    await addAgent(running.app.agents, { name: 'Ana', email: 'ana@example.com', tiers: 'L3', capacity: 5 });
    await addAgent(running.app.agents, { name: 'Boss', email: 'boss@example.com', tiers: 'L1', admin: true });
    ana = await ConsoleClient.signIn(running.baseUrl, 'ana@example.com');
    boss = await ConsoleClient.signIn(running.baseUrl, 'boss@example.com');
  });
  afterAll(async () => {
    await running.stop();
    await channel.stop();
    rmSync(knowledgeDir, { recursive: true, force: true });
  });

  it("lists the conversation's tier first, then every-tier playbooks, with variables filled", async () => {
    const { id, reference } = await queue('L3', 'Maria');
    const { playbooks } = await ana.json<{ playbooks: { id: string; tier: string; text: string }[] }>('GET', `/agent/api/handoffs/${id}/playbooks`);
    const tiers = playbooks.map((p) => p.tier);
    expect(tiers.slice(0, 2)).toEqual(['L3', 'L3']);
    expect(tiers.indexOf('all')).toBe(2);
    const investigation = playbooks.find((p) => p.id === 'technical-investigation')!;
    expect(investigation.text).toContain('Hi Maria, Ana from the specialist team');
    expect(investigation.text).toContain(reference);
    for (const p of playbooks) expect(hasRawVariable(p.text), p.id).toBe(false);
  });

  it('answers in the conversation language, and 403 for an agent without the tier', async () => {
    const { id } = await queue('L3', undefined, 'pl');
    const { playbooks } = await ana.json<{ playbooks: { id: string; text: string }[] }>('GET', `/agent/api/handoffs/${id}/playbooks`);
    expect(playbooks.find((p) => p.id === 'greeting')!.text).toMatch(/^Dzień dobry, Kliencie! Nazywam się Ana/);
    expect((await boss.request('GET', `/agent/api/handoffs/${id}/playbooks`)).status).toBe(403);
  });

  it('fills variables in whatever the agent sends: the customer never gets a raw {…}', async () => {
    const { id, conversationId, reference } = await queue('L3', 'Maria');
    await ana.json('POST', `/agent/api/handoffs/${id}/accept`);
    const { message } = await ana.json<{ message: { text: string; from: string } }>('POST', `/agent/api/handoffs/${id}/messages`, { text: 'Hello {customer.name}, see {ticket.reference} — order {order.id}, due {sla.due}.' });
    expect(message.from).toBe('agent');
    expect(message.text).toMatch(new RegExp(`^Hello Maria, see ${reference} — order order\\.id, due \\S+`));
    expect(hasRawVariable(message.text)).toBe(false);
    const delivered = await channel.waitForText(conversationId, /^Hello Maria/);
    expect(hasRawVariable(delivered)).toBe(false);
  });

  it('lets only admins read and write playbook files (403 otherwise), and validates with file and line', async () => {
    const file = '/agent/api/playbooks/en/l3.yaml';
    expect((await ana.request('GET', file)).status).toBe(403);
    const refused = await ana.request('PUT', file, { source: 'tier: L3\nplaybooks: []\n' });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    expect((await ana.request('GET', '/agent/api/playbooks')).status).toBe(403);

    const before = readFileSync(path.join(knowledgeDir, 'playbooks/en/l3.yaml'), 'utf8');
    const bad = await boss.request('PUT', file, { source: 'tier: L3\nplaybooks:\n  - id: new-one\n    title: New one\n    text: Hi {customer.nam}\n' });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: { code: string; problems: { file: string; line: number }[] } };
    expect(body.error.code).toBe('invalid_playbook');
    expect(body.error.problems).toEqual([expect.objectContaining({ file: 'playbooks/en/l3.yaml', line: 5 })]);
    expect(readFileSync(path.join(knowledgeDir, 'playbooks/en/l3.yaml'), 'utf8')).toBe(before);

    const good = 'tier: L3\nplaybooks:\n  - id: sso-check\n    title: SSO check\n    text: Hi {customer.name}, please try signing in again now.\n';
    expect((await boss.request('PUT', file, { source: good })).status).toBe(200);
    expect((await boss.json<{ source: string }>('GET', file)).source).toBe(good);
    const { id } = await queue('L3', 'Jo');
    const { playbooks } = await ana.json<{ playbooks: { id: string; text: string }[] }>('GET', `/agent/api/handoffs/${id}/playbooks`);
    expect(playbooks[0]).toMatchObject({ id: 'sso-check', text: 'Hi Jo, please try signing in again now.' });
    expect(playbooks.some((p) => p.id === 'collect-logs')).toBe(false);
  });
});
