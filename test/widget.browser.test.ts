import type { Browser, Frame, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot } from './support/browser.js';
import { startTestApp, type RunningApp } from './support/test-app.js';

const QUESTION = 'How do I request a new password?';
const ARTICLE_TITLE = 'How do I request a new password?';

/** Set TIERDESK_SCREENSHOTS=<folder> to keep screenshots of each step (for looking at the widget). */

/** Polls `check` until it holds (bounded); Playwright's own waits cover the rest. */
async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** True when `locator`'s element has focus in its own document or shadow root. */
function isFocused(locator: Locator): Promise<boolean> {
  // Runs in the page; this project compiles without the DOM lib, so `el` is the browser's element.
  return locator.evaluate((el) => el.getRootNode().activeElement === el);
}

describe('support widget on a host page (real app, real Chromium)', () => {
  let running: RunningApp;
  let browser: Browser;
  beforeAll(async () => {
    [running, browser] = await Promise.all([
      startTestApp(),
      launchChromium(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await running?.stop();
  });


  function chatFrame(page: Page): Frame {
    const frame = page.frames().find((f) => new URL(f.url()).pathname === '/chat');
    if (frame === undefined) throw new Error('the chat frame is not on the page');
    return frame;
  }

  it('answers a question, takes feedback, and keeps the conversation across a reload', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));

    await page.goto(`${running.baseUrl}/demo`);
    const launcher = page.getByRole('button', { name: 'Open chat: Support' });
    const panel = page.getByRole('dialog', { name: 'Support' });

    // Keyboard: Tab reaches the launcher, its focus is visible, Enter opens the panel.
    await page.keyboard.press('Tab');
    expect(await isFocused(launcher)).toBe(true);
    expect(await launcher.evaluate((el) => el.ownerDocument.defaultView?.getComputedStyle(el).outlineStyle)).not.toBe('none');
    expect(await launcher.getAttribute('aria-expanded')).toBe('false');
    await page.keyboard.press('Enter');
    await panel.waitFor({ state: 'visible' });
    expect(await launcher.getAttribute('aria-expanded')).toBe('true');
    expect(await page.getByRole('button', { name: 'Close chat' }).isVisible()).toBe(true);

    const frameElement = page.locator('iframe[title="Support chat"]');
    await frameElement.waitFor();
    const chat = page.frameLocator('iframe[title="Support chat"]');
    await chat.locator('.webchat__bubble', { hasText: 'support assistant' }).first().waitFor({ timeout: 15_000 });

    // Focus moved into the chat: the customer can type straight away.
    const sendBox = chat.locator('[data-id="webchat-sendbox-input"]');
    await eventually(() => isFocused(sendBox), 'the send box has focus');
    await page.keyboard.type(QUESTION);
    await page.keyboard.press('Enter');

    const cardTitle = chat.locator('.ac-textBlock', { hasText: ARTICLE_TITLE }).first();
    await cardTitle.waitFor({ timeout: 10_000 });
    expect((await cardTitle.innerText()).trim()).toBe(ARTICLE_TITLE);
    await screenshot(page, '1-answer');

    await chat.locator('button.ac-pushButton', { hasText: 'Yes, that helped' }).click();
    await chat.locator('.webchat__bubble', { hasText: 'Thanks for letting me know' }).waitFor({ timeout: 10_000 });
    // The click shows as the customer's own message.
    await chat.locator('.webchat__bubble--from-user', { hasText: 'Yes, that helped' }).waitFor();
    await screenshot(page, '2-thanks');

    // Escape inside the chat closes the panel and gives focus back to the launcher.
    await sendBox.focus();
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'hidden' });
    expect(await launcher.getAttribute('aria-expanded')).toBe('false');
    await eventually(() => isFocused(launcher), 'the launcher has focus again');

    const conversationId = await chatFrame(page).locator('body').getAttribute('data-conversation-id');
    expect(conversationId).toMatch(/^dl-/);

    // Reload the host page: the same conversation comes back with its history.
    await page.reload();
    await launcher.click();
    await panel.waitFor({ state: 'visible' });
    await chat.locator('.webchat__bubble', { hasText: 'Thanks for letting me know' }).waitFor({ timeout: 15_000 });
    await chat.locator('.ac-textBlock', { hasText: ARTICLE_TITLE }).first().waitFor();
    expect(await chat.locator('.webchat__bubble--from-user', { hasText: QUESTION }).count()).toBe(1);
    expect(await chat.locator('.webchat__bubble', { hasText: 'support assistant' }).count()).toBe(1);
    expect(await chatFrame(page).locator('body').getAttribute('data-conversation-id')).toBe(conversationId);
    await screenshot(page, '3-after-reload');

    // No script errors and no Content-Security-Policy violations on the way.
    expect(problems).toEqual([]);
    await page.close();
  });

  it('works on a page of another origin, with the title, colour and position from the tag', async () => {
    const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    // about:blank content: the host page shares nothing with the bot's origin.
    await page.setContent(
      `<!doctype html><html><body><h1>Another shop</h1>` +
        `<script src="${running.baseUrl}/widget.js" data-title="Help centre" data-color="#6b2fa0" data-position="left" async></script></body></html>`,
    );
    const launcher = page.getByRole('button', { name: 'Open chat: Help centre' });
    await launcher.waitFor();
    const box = await launcher.boundingBox();
    expect(box!.x).toBeLessThan(100);
    expect(await launcher.evaluate((el) => el.ownerDocument.defaultView?.getComputedStyle(el).backgroundColor)).toBe('rgb(107, 47, 160)');
    await launcher.click();
    const chat = page.frameLocator('iframe[title="Help centre chat"]');
    await chat.locator('.webchat__bubble', { hasText: 'support assistant' }).first().waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: 'Close chat' }).click();
    await page.getByRole('dialog', { name: 'Help centre' }).waitFor({ state: 'hidden' });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('serves the Web Chat bundle from the bot with caching headers (no CDN)', async () => {
    const first = await fetch(`${running.baseUrl}/webchat/webchat.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toMatch(/max-age=\d+/);
    expect(first.headers.get('content-type')).toMatch(/javascript/);
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    expect((await first.text()).length).toBeGreaterThan(1_000_000);
    const again = await fetch(`${running.baseUrl}/webchat/webchat.js`, { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);

    const widget = await fetch(`${running.baseUrl}/widget.js`);
    expect(widget.status).toBe(200);
    expect(widget.headers.get('cache-control')).toMatch(/max-age=/);
    const demo = await (await fetch(`${running.baseUrl}/demo`)).text();
    expect(demo.match(/<script\b/g)).toHaveLength(1);
    expect(demo).toContain('src="/widget.js"');
    const chatPage = await (await fetch(`${running.baseUrl}/chat`)).text();
    expect(chatPage).not.toMatch(/https?:\/\//);
    // Only the listed assets under web/ are served.
    expect((await fetch(`${running.baseUrl}/web/demo.html`)).status).toBe(404);
    expect((await fetch(`${running.baseUrl}/web/..%2Fpackage.json`)).status).toBe(404);
  });
});
