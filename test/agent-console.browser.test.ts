import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerSays, launchChromium, openWidget, screenshot } from './support/browser.js';
import { addAgent, AGENT_PASSWORD } from './support/agent-console-client.js';
import { repoRoot, startTestApp, tempDir, type RunningApp } from './support/test-app.js';

/** Routed to L3 by the operator rule on "regular expression" (knowledge/tiers/rules.yaml), whatever the embedder. */
const EXPERT_QUESTION = 'Can an expert help me write a regular expression that finds invoice numbers like INV-2024-000123 in OCR text?';
const FAQ_QUESTION = 'How do I request a new password?';
const AGENT = { name: 'Ana', email: 'ana@example.com', tiers: 'L3' };

/** Room for a busy CI machine (the steps wait for elements; a healthy run takes a few seconds each). */
const BROWSER_TEST_TIMEOUT_MS = 90_000;

/** Set TIERDESK_SCREENSHOTS=<folder> to keep screenshots of the console (docs/screenshots comes from these). */

/** Collects script errors and CSP violations of a page (the expected 401 of the signed-out session check aside). */
function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    if (/status of 401/.test(message.text())) return;
    problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return problems;
}

describe('agent console and the customer in the widget (real app, real Chromium, two pages)', () => {
  let running: RunningApp;
  let browser: Browser;
  beforeAll(async () => {
    [running, browser] = await Promise.all([
      startTestApp({ BUSINESS_HOURS: 'Mon-Sun 00:00-24:00', TIME_ZONE: 'UTC' }),
      launchChromium(),
    ]);
    await addAgent(running.app.agents, AGENT);
  });
  afterAll(async () => {
    await browser?.close();
    await running?.stop();
  });


  /** The customer's side: the widget on the demo page, opened, ready to type. */


  it('signs in, accepts an L3 customer from the queue, chats both ways, resolves; the customer rates it and the bot answers again', async () => {
    const agentPage = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const customerPage = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    const agentProblems = watchProblems(agentPage);
    const customerProblems = watchProblems(customerPage);

    // --- The agent signs in (a wrong password first: the error is shown, nothing else happens).
    await agentPage.goto(`${running.baseUrl}/agent`);
    await agentPage.getByLabel('Email').fill(AGENT.email);
    await agentPage.getByLabel('Password').fill('not the password');
    await agentPage.getByRole('button', { name: 'Sign in' }).click();
    await agentPage.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();
    await screenshot(agentPage, 'agent-sign-in');
    await agentPage.getByLabel('Password').fill(AGENT_PASSWORD);
    await agentPage.getByRole('button', { name: 'Sign in' }).click();
    await agentPage.getByRole('navigation', { name: 'Inbox' }).waitFor();
    await agentPage.locator('#connection[data-state="open"]').waitFor();
    // Nothing sensitive is remembered by the browser.
    // (Runs in the page; this project compiles without the DOM lib.)
    const stored = await agentPage.evaluate(() => JSON.stringify({ ...(globalThis as unknown as { localStorage: Record<string, string> }).localStorage }));
    expect(stored).not.toContain(AGENT_PASSWORD);
    expect(stored).not.toMatch(/csrf/i);
    const online = agentPage.getByRole('radio', { name: 'Online' });
    if (!(await online.isChecked())) await online.check({ force: true });
    await agentPage.locator('body[data-status="online"]').waitFor();
    await agentPage.getByText('Nobody is waiting in your tiers.').waitFor();

    // --- The customer asks an expert question in the widget and takes the live chat offer.
    const chat = await openWidget(customerPage, running.baseUrl);
    await customerSays(chat, EXPERT_QUESTION);
    // The offer is a card with two buttons (typing the choice works too: see the reconnect test below).
    await chat.locator('.webchat__bubble', { hasText: 'Someone from our expert team can chat with you live right now' }).waitFor({ timeout: 15_000 });
    await chat.getByRole('button', { name: 'File a ticket instead' }).first().waitFor();
    await screenshot(customerPage, 'widget-live-chat-offer');
    await chat.getByRole('button', { name: 'Chat with a person now' }).first().click();
    await chat.locator('.webchat__bubble', { hasText: /number 1 in the queue for our expert team/ }).waitFor({ timeout: 10_000 });

    // --- The agent sees it in the inbox: tier, question, classification; the title counts it.
    const waiting = agentPage.locator('#queued-list li', { hasText: 'regular expression' });
    await waiting.waitFor({ timeout: 10_000 });
    expect(await waiting.locator('.tier-badge').innerText()).toBe('L3');
    expect(await waiting.innerText()).toMatch(/rule/);
    await expect.poll(() => agentPage.title()).toBe('(1) tierdesk agent');

    // Keyboard: Alt+I goes to the inbox, Tab reaches the Accept button, and focus is visible.
    await agentPage.keyboard.press('Alt+I');
    expect(await agentPage.evaluate(() => (globalThis as unknown as { document: { activeElement: { className: string } } }).document.activeElement.className)).toBe('conversation-open');
    await agentPage.keyboard.press('Tab');
    const acceptInline = waiting.getByRole('button', { name: /^Accept/ });
    expect(await acceptInline.evaluate((el) => el.ownerDocument.activeElement === el)).toBe(true);
    expect(await acceptInline.evaluate((el) => el.ownerDocument.defaultView?.getComputedStyle(el).outlineStyle)).not.toBe('none');

    // Opening it first shows the transcript so far, then Accept (Alt+A) takes it.
    await waiting.locator('.conversation-open').click();
    await agentPage.locator('#transcript .from-customer', { hasText: 'regular expression' }).first().waitFor();
    await screenshot(agentPage, 'agent-inbox');
    await agentPage.keyboard.press('Alt+A');
    const composer = agentPage.getByRole('textbox', { name: 'Message to the customer' });
    await composer.waitFor();
    await agentPage.locator('#active-list li', { hasText: 'regular expression' }).waitFor();
    await expect.poll(() => agentPage.locator('#queued-list li').count()).toBe(0);
    await chat.locator('.webchat__bubble', { hasText: 'Ana from our expert team has joined the chat' }).waitFor({ timeout: 10_000 });

    // --- Both sides talk: Enter sends, each message appears on the other side.
    // While the agent types, the customer sees Web Chat's typing indicator.
    await composer.pressSequentially('Hi! Do all invoice numbers', { delay: 10 });
    await chat.locator('.webchat__typing-indicator').waitFor({ timeout: 10_000 });
    await composer.pressSequentially(' start with INV- or RE/?');
    await composer.press('Enter');
    await chat.locator('.webchat__bubble', { hasText: 'Do all invoice numbers start with INV-' }).waitFor({ timeout: 10_000 });
    // While the customer types in the widget, the console says so (and nothing is sent yet).
    const typingLine = agentPage.locator('#typing-indicator');
    expect(await typingLine.innerText()).toBe('');
    const sendBox = chat.locator('[data-id="webchat-sendbox-input"]');
    await sendBox.pressSequentially('Yes, always one', { delay: 20 });
    await agentPage.locator('#typing-indicator', { hasText: 'The customer is typing…' }).waitFor({ timeout: 10_000 });
    await sendBox.fill('');
    await customerSays(chat, 'Yes, always one of those two prefixes.');
    await agentPage.locator('#transcript .from-customer', { hasText: 'always one of those two prefixes' }).waitFor({ timeout: 10_000 });

    // An internal note (Alt+N switches the composer) is shown to the agent, never to the customer.
    await agentPage.keyboard.press('Alt+N');
    const noteBox = agentPage.getByRole('textbox', { name: 'Internal note' });
    await noteBox.fill('Customer uses OCR from the scanner app; pattern below worked in my test.');
    await noteBox.press('Enter');
    await agentPage.locator('#transcript .from-note', { hasText: 'pattern below worked' }).waitFor();
    await agentPage.keyboard.press('Alt+N');
    await composer.fill('Try this pattern: (INV-\\d{4}-\\d{6}|RE/\\d{2}/\\d{4})');
    await composer.press('Enter');
    await chat.locator('.webchat__bubble', { hasText: 'Try this pattern' }).waitFor({ timeout: 10_000 });
    await agentPage.locator('#transcript .from-agent .delivery-delivered').last().waitFor({ timeout: 10_000 });
    await screenshot(agentPage, 'agent-chat');
    expect(await chat.locator('.webchat__bubble', { hasText: 'pattern below worked' }).count()).toBe(0);

    // The transfer dialog opens from the keyboard and Escape closes it without doing anything.
    await agentPage.keyboard.press('Alt+T');
    const transferDialog = agentPage.getByRole('dialog', { name: 'Transfer the conversation' });
    await transferDialog.waitFor();
    await screenshot(agentPage, 'agent-transfer');
    await agentPage.keyboard.press('Escape');
    await transferDialog.waitFor({ state: 'hidden' });

    // On a tablet the inbox becomes a drawer behind a button.
    await agentPage.setViewportSize({ width: 820, height: 1180 });
    await agentPage.getByRole('navigation', { name: 'Inbox' }).waitFor({ state: 'hidden' });
    await screenshot(agentPage, 'agent-tablet');
    await agentPage.getByRole('button', { name: /Inbox/ }).click();
    await agentPage.getByRole('navigation', { name: 'Inbox' }).waitFor();
    await agentPage.keyboard.press('Escape');
    await agentPage.getByRole('navigation', { name: 'Inbox' }).waitFor({ state: 'hidden' });
    await agentPage.setViewportSize({ width: 1280, height: 800 });

    // --- The agent resolves with a closing message; the customer is back with the bot and asked to rate.
    const handoffId = await agentPage.locator('#active-list li').first().getAttribute('data-handoff-id');
    await agentPage.getByRole('button', { name: 'Resolve' }).click();
    const resolveDialog = agentPage.getByRole('dialog', { name: 'Resolve the conversation' });
    await resolveDialog.getByLabel('Closing message (optional)').fill('Glad that pattern works for you!');
    await resolveDialog.getByLabel(/Worth an article/).check();
    await screenshot(agentPage, 'agent-resolve');
    await resolveDialog.getByRole('button', { name: 'Resolve' }).click();
    await resolveDialog.waitFor({ state: 'hidden' });
    await agentPage.getByText('No active chats.').waitFor();
    await chat.locator('.webchat__bubble', { hasText: 'Glad that pattern works for you!' }).waitFor({ timeout: 10_000 });
    await chat.locator('.webchat__bubble', { hasText: 'How happy are you with the help you got?' }).waitFor({ timeout: 10_000 });
    await customerSays(chat, '5');
    await chat.locator('.webchat__bubble', { hasText: 'Thank you for the rating!' }).waitFor({ timeout: 10_000 });
    const rated = await agentPage.evaluate(async (id) => {
      const response = await fetch(`/agent/api/handoffs/${id}`);
      return ((await response.json()) as { handoff: { state: string; satisfaction?: number } }).handoff;
    }, handoffId);
    expect(rated).toMatchObject({ state: 'resolved', satisfaction: 5 });

    // --- The bot answers the next FAQ question itself.
    await customerSays(chat, FAQ_QUESTION);
    await chat.locator('.ac-textBlock', { hasText: FAQ_QUESTION }).first().waitFor({ timeout: 10_000 });
    await expect.poll(() => agentPage.title()).toBe('tierdesk agent');

    expect(agentProblems).toEqual([]);
    expect(customerProblems).toEqual([]);
    await Promise.all([agentPage.close(), customerPage.close()]);
  }, BROWSER_TEST_TIMEOUT_MS);

  it('shows "taken by someone else" to the agent who lost the race, and the item leaves their inbox', async () => {
    // Two L3 agents look at the same waiting customer; the other one accepts first (through the API).
    await addAgent(running.app.agents, { name: 'Bo', email: 'bo@example.com', tiers: 'L3' });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const problems = watchProblems(page);
    await page.goto(`${running.baseUrl}/agent`);
    await page.getByLabel('Email').fill('bo@example.com');
    await page.getByLabel('Password').fill(AGENT_PASSWORD);
    await page.keyboard.press('Enter');
    await page.locator('#connection[data-state="open"]').waitFor();
    const online = page.getByRole('radio', { name: 'Online' });
    if (!(await online.isChecked())) await online.check({ force: true });
    await page.locator('body[data-status="online"]').waitFor();

    const customerPage = await browser.newPage();
    const chat = await openWidget(customerPage, running.baseUrl);
    await customerSays(chat, 'My regex for customer IDs matches too much, can an expert look at it?');
    await chat.locator('.webchat__bubble', { hasText: 'can chat with you live right now' }).waitFor({ timeout: 15_000 });
    await customerSays(chat, 'Chat with a person now');
    const waiting = page.locator('#queued-list li', { hasText: 'customer IDs' });
    await waiting.waitFor({ timeout: 10_000 });

    // Ana signs in elsewhere (plain HTTP) and wins; Bo's Accept then answers "taken".
    const signIn = await fetch(`${running.baseUrl}/agent/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: AGENT.email, password: AGENT_PASSWORD }),
    });
    const { csrfToken } = (await signIn.json()) as { csrfToken: string };
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
    const handoffId = await waiting.getAttribute('data-handoff-id');
    await page.route(`**/agent/api/handoffs/${handoffId}/accept`, async (route) => {
      // Hold Bo's click until Ana's accept is through: the race is decided, deterministically, for Ana.
      const won = await fetch(`${running.baseUrl}/agent/api/handoffs/${handoffId}/accept`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrfToken } });
      expect(won.status).toBe(200);
      await route.continue();
    });
    await waiting.getByRole('button', { name: /^Accept/ }).click();
    await page.getByText('Taken by someone else.').first().waitFor({ timeout: 10_000 });
    await waiting.waitFor({ state: 'detached' });

    // Ana passes the chat to Bo: it shows up in his chats with a notice; he sends it on to the L4 queue.
    const bo = await page.evaluate(async () => ((await (await fetch('/agent/api/session')).json()) as { agent: { id: string } }).agent.id);
    const passed = await fetch(`${running.baseUrl}/agent/api/handoffs/${handoffId}/transfer`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' },
      body: JSON.stringify({ agentId: bo }),
    });
    expect(passed.status).toBe(200);
    await page.getByText('A colleague passed you a chat: My regex for customer IDs').waitFor({ timeout: 10_000 });
    await page.locator('#active-list li', { hasText: 'customer IDs' }).locator('.conversation-open').click();
    await page.getByRole('textbox', { name: 'Message to the customer' }).waitFor();
    await page.keyboard.press('Alt+T');
    const transferDialog = page.getByRole('dialog', { name: 'Transfer the conversation' });
    await transferDialog.getByRole('combobox', { name: 'Tier' }).selectOption('L4');
    await transferDialog.getByRole('button', { name: 'Transfer' }).click();
    await page.getByText('Transferred. The conversation left your chats.').waitFor();
    await page.getByText('No active chats.').waitFor();
    await chat.locator('.webchat__bubble', { hasText: /transferring you to our/ }).last().waitFor({ timeout: 10_000 });

    // Bo prefers Polish: the console switches at once and the choice is saved on his account.
    await page.getByRole('combobox', { name: 'Language' }).selectOption('pl');
    await page.getByRole('navigation', { name: 'Skrzynka' }).waitFor();
    await page.getByRole('button', { name: 'Wyloguj się' }).waitFor();
    await expect.poll(() => page.evaluate(async () => ((await (await fetch('/agent/api/session')).json()) as { agent: { language: string } }).agent.language)).toBe('pl');

    // The sound can be switched off, and stays off after a reload (the session cookie keeps him signed in).
    const sound = page.locator('#sound-toggle');
    expect(await sound.getAttribute('aria-pressed')).toBe('true');
    await sound.click();
    expect(await sound.getAttribute('aria-pressed')).toBe('false');
    await page.reload();
    await page.locator('#connection[data-state="open"]').waitFor();
    expect(await page.locator('#sound-toggle').getAttribute('aria-pressed')).toBe('false');
    await page.getByRole('navigation', { name: 'Skrzynka' }).waitFor();

    expect(problems.filter((p) => !/status of 409/.test(p))).toEqual([]);
    await Promise.all([page.close(), customerPage.close()]);
  }, BROWSER_TEST_TIMEOUT_MS);

  it('serves the console page and its assets from the bot under a strict CSP, with ETags', async () => {
    const page = await fetch(`${running.baseUrl}/agent`);
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toMatch(/style-src 'self'(;|$)/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script>(?!<)/);
    expect(html).not.toMatch(/\sstyle="/);

    const script = await fetch(`${running.baseUrl}/agent/assets/agent.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    const etag = script.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await fetch(`${running.baseUrl}/agent/assets/agent.js`, { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
    expect((await fetch(`${running.baseUrl}/agent/assets/index.html`)).status).toBe(404);
    expect((await fetch(`${running.baseUrl}/agent/assets/..%2F..%2Fpackage.json`)).status).toBe(404);
  });
});

/** A port that was free a moment ago (the restarted app must come back on the same address). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('agent console across a bot restart', () => {
  it('limits password guessing, shows the lost connection, reconnects by itself and keeps the agent signed in', async () => {
    const env = { BUSINESS_HOURS: 'Mon-Sun 00:00-24:00', TIME_ZONE: 'UTC', PORT: String(await freePort()), AGENT_SIGNIN_ATTEMPTS_PER_MINUTE: '3' };
    const dataDir = tempDir();
    let running = await startTestApp(env, {}, dataDir);
    const browser = await launchChromium();
    try {
      await addAgent(running.app.agents, AGENT);
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(`${running.baseUrl}/agent`);
      await page.getByLabel('Email').fill(AGENT.email);
      await page.getByLabel('Password').fill(AGENT_PASSWORD);
      await page.keyboard.press('Enter');
      const connection = page.getByRole('status').filter({ hasText: /Live|Connecting|Connection lost/ });
      await page.locator('#connection[data-state="open"]').waitFor();
      expect(await connection.innerText()).toBe('Live');

      // Someone guessing passwords in another tab is slowed down, and told so.
      const guesser = await browser.newPage();
      await guesser.goto(`${running.baseUrl}/agent`);
      const alert = guesser.getByRole('alert').filter({ hasText: /Wrong email or password|Too many sign-in attempts/ });
      for (let attempt = 0; attempt < 5 && !/Too many/.test((await alert.allInnerTexts()).join(' ')); attempt++) {
        await guesser.getByLabel('Email').fill(AGENT.email);
        await guesser.getByLabel('Password').fill(`guess ${attempt}`);
        await guesser.getByRole('button', { name: 'Sign in' }).click();
        await guesser.getByRole('button', { name: 'Sign in' }).waitFor();
        await alert.waitFor();
      }
      expect(await alert.innerText()).toMatch(/^Too many sign-in attempts\. Try again in \d+ s\.$/);
      await guesser.close();

      await running.stop({ keepData: true });
      await page.locator('#connection[data-state="lost"]').waitFor({ timeout: 10_000 });
      expect(await connection.innerText()).toBe('Connection lost, reconnecting…');

      running = await startTestApp(env, {}, dataDir);
      await page.locator('#connection[data-state="open"]').waitFor({ timeout: 15_000 });
      expect(await connection.innerText()).toBe('Live');
      // Still signed in (the session lives in the database), inbox in place.
      expect(await page.locator('#sign-in-view').isHidden()).toBe(true);
      await page.getByRole('navigation', { name: 'Inbox' }).waitFor();
    } finally {
      await browser.close();
      await running.stop();
    }
  }, BROWSER_TEST_TIMEOUT_MS);
});

describe('agent console texts', () => {
  it('has every sentence in English, Portuguese and Polish, with the same placeholders', async () => {
    // Plain browser JavaScript (no type declarations): loaded by URL so the compiler leaves it alone.
    const url = pathToFileURL(path.join(repoRoot, 'web', 'agent', 'strings.js')).href;
    const { STRINGS } = (await import(url)) as { STRINGS: Record<string, Record<string, string>> };
    const english = STRINGS.en!;
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const language of ['pt', 'pl']) {
      const table = STRINGS[language]!;
      expect(Object.keys(table).sort(), language).toEqual(Object.keys(english).sort());
      for (const [key, text] of Object.entries(english)) {
        expect(placeholders(table[key]!), `${language}.${key}`).toEqual(placeholders(text));
        expect(table[key]!.trim(), `${language}.${key}`).not.toBe('');
      }
    }
  });
});
