import { cpSync, rmSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerSays, launchChromium, openWidget, screenshot } from './support/browser.js';
import { sampleTicket } from './fixtures/sample-tickets.js';
import { addAgent, AGENT_PASSWORD } from './support/agent-console-client.js';
import { startRealModelApp } from './support/real-model-app.js';
import { sampleKnowledgeDir, tempDir, type RunningApp } from './support/test-app.js';

/** Routed to L3 by the operator rule on "regular expression" (knowledge/tiers/rules.yaml). */
const EXPERT_QUESTION = 'Can an expert help me write a regular expression that finds invoice numbers like INV-2024-000123 in OCR text?';
/** The same need in other words, asked by another customer after the article is published. */
const SAME_QUESTION_OTHER_WORDS = 'What regex pattern matches invoice numbers such as INV-2024-000123 in scanned documents?';
const NEW_ARTICLE_TITLE = 'Regular expression for invoice numbers in OCR text';
const BROWSER_TEST_TIMEOUT_MS = 240_000;

function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !/status of 401/.test(message.text())) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return problems;
}

describe('agent workspace: playbook, suggested article, draft published, answered at level 0 without a restart (real model, real Chromium)', () => {
  let running: RunningApp;
  let browser: Browser;
  let knowledgeDir: string;

  beforeAll(async () => {
    knowledgeDir = tempDir('tierdesk-workspace-kb-');
    cpSync(sampleKnowledgeDir, knowledgeDir, { recursive: true });
    [running, browser] = await Promise.all([
      // A 5-hour warning window: an L3 ticket (due in 4 h) shows as about to breach.
      startRealModelApp({ KNOWLEDGE_DIR: knowledgeDir, BUSINESS_HOURS: 'Mon-Sun 00:00-24:00', TIME_ZONE: 'UTC', SUPERVISOR_SLA_WARNING_MINUTES: '300' }),
      launchChromium(),
    ]);
    expect(running.app.knowledge.status.state).toBe('ready');
    await addAgent(running.app.agents, { name: 'Ana', email: 'ana@example.com', tiers: 'L3' });
    await addAgent(running.app.agents, { name: 'Sam', email: 'sam@example.com', tiers: 'L1', admin: true });
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await running?.stop();
    rmSync(knowledgeDir, { recursive: true, force: true });
  });




  async function signIn(page: Page, email: string): Promise<void> {
    await page.goto(`${running.baseUrl}/agent`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(AGENT_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#connection[data-state="open"]').waitFor();
  }

  it('L3 agent inserts a filled playbook and sends a suggested article; admin publishes the draft; a new customer is answered from it', async () => {
    const agentContext = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const agentPage = await agentContext.newPage();
    const agentProblems = watchProblems(agentPage);
    await signIn(agentPage, 'ana@example.com');
    const online = agentPage.getByRole('radio', { name: 'Online' });
    if (!(await online.isChecked())) await online.check({ force: true });
    await agentPage.locator('body[data-status="online"]').waitFor();
    // Ana is no admin: no drafts or supervisor buttons.
    expect(await agentPage.locator('#drafts-open').isHidden()).toBe(true);

    // --- A customer asks for an expert and takes the live chat.
    const customerContext = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    const customerPage = await customerContext.newPage();
    const chat = await openWidget(customerPage, running.baseUrl);
    await customerSays(chat, EXPERT_QUESTION);
    // Level 0 first: the real model may offer near articles ("did you mean"); none fits, so the bot moves on.
    const offer = chat.locator('.webchat__bubble', { hasText: 'can chat with you live right now' });
    const didYouMean = chat.locator('.webchat__bubble', { hasText: 'Did you mean' });
    await offer.or(didYouMean).first().waitFor({ timeout: 30_000 });
    if ((await offer.count()) === 0) await customerSays(chat, 'None of these');
    await offer.waitFor({ timeout: 30_000 });
    await customerSays(chat, 'Chat with a person now');
    const waiting = agentPage.locator('#queued-list li', { hasText: 'regular expression' });
    await waiting.waitFor({ timeout: 15_000 });
    await waiting.locator('.conversation-open').click();
    await agentPage.keyboard.press('Alt+A');
    const composer = agentPage.getByRole('textbox', { name: 'Message to the customer' });
    await composer.waitFor();
    await chat.locator('.webchat__bubble', { hasText: 'Ana from our expert team has joined the chat' }).waitFor({ timeout: 15_000 });
    const reference = (await agentPage.locator('#chat-meta').innerText()).match(/TD-\d+/)![0];

    // --- "/" in the empty reply opens the picker: L3 playbooks first, searchable, keyboard only.
    await composer.focus();
    await agentPage.keyboard.press('/');
    const picker = agentPage.getByRole('dialog', { name: 'Insert a playbook' });
    await picker.waitFor();
    const options = picker.getByRole('option');
    await expect.poll(() => options.count()).toBeGreaterThan(2);
    expect(await options.first().locator('.tier-badge').innerText()).toBe('L3');
    expect(await options.first().getAttribute('aria-selected')).toBe('true');
    await screenshot(agentPage, 'workspace-playbook-picker');
    await agentPage.keyboard.type('diagnostics');
    await expect.poll(() => options.count()).toBe(1);
    await agentPage.keyboard.press('Control+A');
    await agentPage.keyboard.type('specialist');
    await expect.poll(() => options.first().getAttribute('data-playbook-id')).toBe('technical-investigation');
    await agentPage.keyboard.press('Enter');
    await picker.waitFor({ state: 'hidden' });
    const inserted = await composer.inputValue();
    expect(inserted).toContain('Ana from the specialist team');
    expect(inserted).toContain(reference);
    expect(inserted).not.toMatch(/\{[^}]*\}/);
    // The agent edits it before sending.
    await composer.press('End');
    await composer.pressSequentially(' Thanks for the example number!');
    await composer.press('Enter');
    const sentPlaybook = chat.locator('.webchat__bubble', { hasText: 'Ana from the specialist team' });
    await sentPlaybook.waitFor({ timeout: 15_000 });
    expect(await sentPlaybook.innerText()).not.toMatch(/\{[^}]*\}/);

    // --- Suggestions with scores; one click sends the top article as an answer card.
    const suggestion = agentPage.locator('#suggestions .suggestion').first();
    await suggestion.waitFor({ timeout: 15_000 });
    expect(Number(await suggestion.locator('.score-value').innerText())).toBeGreaterThan(0);
    const suggestedTitle = await suggestion.locator('.suggestion-title').innerText();
    await screenshot(agentPage, 'workspace-suggestions');
    await suggestion.getByRole('button', { name: 'Send as answer card' }).click();
    await agentPage.locator('#transcript .from-agent', { hasText: suggestedTitle }).waitFor({ timeout: 15_000 });
    await chat.locator('.webchat__bubble', { hasText: suggestedTitle }).first().waitFor({ timeout: 15_000 });

    // --- The real answer, then resolve as worth an article.
    await composer.fill('Use the pattern INV-\\d{4}-\\d{6} in the OCR rule: it matches INV, the year and the six-digit number of every invoice.');
    await composer.press('Enter');
    await chat.locator('.webchat__bubble', { hasText: 'Use the pattern INV-' }).waitFor({ timeout: 15_000 });
    await agentPage.getByRole('button', { name: 'Resolve' }).click();
    const resolveDialog = agentPage.getByRole('dialog', { name: 'Resolve the conversation' });
    await resolveDialog.getByLabel(/Worth an article/).check();
    await resolveDialog.getByRole('button', { name: 'Resolve' }).click();
    await agentPage.getByText('No active chats.').waitFor();

    // --- The admin reviews the draft, names it and publishes it.
    const adminContext = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const adminPage = await adminContext.newPage();
    const adminProblems = watchProblems(adminPage);
    await signIn(adminPage, 'sam@example.com');
    const draftsButton = adminPage.getByRole('button', { name: 'Drafts' });
    await draftsButton.waitFor();
    await expect
      .poll(async () => {
        await draftsButton.click();
        const found = await adminPage.locator('#draft-form').count();
        if (found === 0) await adminPage.getByRole('dialog', { name: 'Article drafts' }).getByRole('button', { name: 'Close' }).click();
        return found;
      }, { timeout: 15_000 })
      .toBe(1);
    const drafts = adminPage.getByRole('dialog', { name: 'Article drafts' });
    expect(await drafts.getByLabel('Answer').inputValue()).toContain('Use the pattern INV-');
    // The answer card sent during the chat is another article: not copied into this one.
    expect(await drafts.getByLabel('Answer').inputValue()).not.toContain(suggestedTitle);
    expect(await drafts.getByLabel('Answer').inputValue()).not.toContain('handing you back to the assistant');
    expect(await drafts.getByLabel('Questions (one per line)').inputValue()).toContain(EXPERT_QUESTION);
    await drafts.getByLabel('Article id (file name)').fill('invoice-number-regex');
    await drafts.getByLabel('Title', { exact: true }).fill(NEW_ARTICLE_TITLE);
    await screenshot(adminPage, 'workspace-draft-review');
    await drafts.getByRole('button', { name: 'Publish' }).click();
    await adminPage.getByText('Published: the bot answers from it now.').waitFor({ timeout: 60_000 });
    await drafts.getByText('No drafts waiting.').waitFor();
    await drafts.getByRole('button', { name: 'Close' }).click();

    // --- The supervisor view shows today's numbers, SLA timers about to breach and the articles agents send.
    const urgent = await running.app.tickets.create(sampleTicket({ tier: 'L3', subject: 'Scanner cluster offline on floor 3' }));
    await adminPage.getByRole('button', { name: 'Supervisor' }).click();
    const supervisor = adminPage.getByRole('dialog', { name: 'Supervisor view' });
    await supervisor.waitFor();
    await supervisor.locator('#supervisor-agents', { hasText: 'Ana' }).waitFor();
    expect(await supervisor.locator('.supervisor-figure', { hasText: 'Resolved today' }).locator('.figure-value').innerText()).toBe('1');
    const atRisk = supervisor.locator('#supervisor-sla tr', { hasText: urgent.reference });
    expect(await atRisk.innerText()).toMatch(/Scanner cluster offline on floor 3[\s\S]*(23\d|240) min/);
    const sent = supervisor.locator('#supervisor-sent tbody tr').first();
    expect(await sent.locator('strong').innerText()).toBe(suggestedTitle);
    expect(await sent.locator('td').nth(1).innerText()).toBe('1');
    await screenshot(adminPage, 'workspace-supervisor');

    // --- Another customer asks the same thing in other words: level 0 answers from the new article.
    const secondContext = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    const secondPage = await secondContext.newPage();
    const secondChat = await openWidget(secondPage, running.baseUrl);
    await customerSays(secondChat, SAME_QUESTION_OTHER_WORDS);
    await secondChat.locator('.ac-textBlock', { hasText: NEW_ARTICLE_TITLE }).first().waitFor({ timeout: 30_000 });
    expect(await secondChat.locator('.webchat__bubble', { hasText: 'can chat with you live right now' }).count()).toBe(0);

    expect(agentProblems).toEqual([]);
    expect(adminProblems).toEqual([]);
    await Promise.all([agentContext.close(), customerContext.close(), adminContext.close(), secondContext.close()]);
  }, BROWSER_TEST_TIMEOUT_MS);
});
