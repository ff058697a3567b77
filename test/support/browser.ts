import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type FrameLocator, type Page } from 'playwright-core';

/** Debian's Chromium, headless, with the flags every browser test uses (no sandbox, no network of its own). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Saves `<name>.png` to TIERDESK_SCREENSHOTS when set (the README's screenshots come from here). */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.TIERDESK_SCREENSHOTS;
  if (dir === undefined) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`) });
}

/** The customer's side: the widget on the bot's demo page, opened, greeted, ready to type. */
export async function openWidget(page: Page, baseUrl: string): Promise<FrameLocator> {
  await page.goto(`${baseUrl}/demo`);
  await page.getByRole('button', { name: 'Open chat: Support' }).click();
  const chat = page.frameLocator('iframe[title="Support chat"]');
  await chat.locator('.webchat__bubble', { hasText: 'support assistant' }).first().waitFor({ timeout: 30_000 });
  return chat;
}

/** Types a message into Web Chat's send box and sends it. */
export async function customerSays(chat: FrameLocator, text: string): Promise<void> {
  const sendBox = chat.locator('[data-id="webchat-sendbox-input"]');
  await sendBox.fill(text);
  await sendBox.press('Enter');
}
