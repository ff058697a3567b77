import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot } from './support/browser.js';
import { pl } from '../src/i18n/pl.js';
import { pt } from '../src/i18n/pt.js';
import type { Texts } from '../src/i18n/texts.js';
import { startTestApp, type RunningApp } from './support/test-app.js';

/**
 * The widget set to Portuguese and to Polish (data-language, here through /demo?language=…):
 * the widget's own strings, Web Chat's built-in strings (its `locale`), and the bot's replies are
 * all in that language. The stand-in embedder is enough: the questions are the articles' own
 * titles, and what is checked is the language of every string, not answer quality.
 * Set TIERDESK_SCREENSHOTS=<folder> to keep screenshots.
 */

interface Case {
  language: 'pt' | 'pl';
  texts: Texts;
  widget: { open: string; close: string; title: string; frame: string };
  /** Web Chat's own send box placeholder in that locale. */
  sendBoxPlaceholder: RegExp;
  question: string;
}

const CASES: Case[] = [
  {
    language: 'pt',
    texts: pt,
    widget: { open: 'Abrir chat: Suporte', close: 'Fechar chat', title: 'Suporte', frame: 'Suporte – chat' },
    sendBoxPlaceholder: /Digite sua mensagem/i,
    question: 'Como peço uma nova senha?',
  },
  {
    language: 'pl',
    texts: pl,
    widget: { open: 'Otwórz czat: Pomoc techniczna', close: 'Zamknij czat', title: 'Pomoc techniczna', frame: 'Pomoc techniczna – czat' },
    sendBoxPlaceholder: /Wpisz/i,
    question: 'Jak poprosić o nowe hasło?',
  },
];

describe('the widget in Portuguese and Polish (real app, real Chromium)', () => {
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


  for (const { language, texts, widget, sendBoxPlaceholder, question } of CASES) {
    it(`speaks ${language}: widget, Web Chat and bot`, async () => {
      const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));

      await page.goto(`${running.baseUrl}/demo?language=${language}`);
      const launcher = page.getByRole('button', { name: widget.open });
      await launcher.click();
      await page.getByRole('dialog', { name: widget.title }).waitFor({ state: 'visible' });
      expect(await page.getByRole('button', { name: widget.close }).isVisible()).toBe(true);

      const chat = page.frameLocator(`iframe[title="${widget.frame}"]`);
      // The greeting follows the widget's language (the conversation starts with its locale).
      await chat.locator('.webchat__bubble', { hasText: texts.greeting.slice(0, 30) }).first().waitFor({ timeout: 15_000 });
      const sendBox = chat.locator('[data-id="webchat-sendbox-input"]');
      expect(await sendBox.getAttribute('placeholder')).toMatch(sendBoxPlaceholder);

      await sendBox.fill(question);
      await sendBox.press('Enter');
      await chat.locator('.ac-textBlock', { hasText: question }).first().waitFor({ timeout: 15_000 });
      await chat.locator('.ac-textBlock', { hasText: texts.answerSubtitle }).first().waitFor();
      await screenshot(page, `widget-${language}-answer`);

      await chat.locator('button.ac-pushButton', { hasText: texts.noDidNotHelp }).first().click();
      await chat.locator('.webchat__bubble', { hasText: texts.sorryNotHelpful }).first().waitFor({ timeout: 15_000 });
      // Escalation asks in the same language (the tier question, or the next step when the tier is clear).
      await chat
        .locator('.webchat__bubble', { hasText: new RegExp([texts.tierQuestion, texts.askEmail, texts.askPhone].map((s) => s.slice(0, 25).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')) })
        .first()
        .waitFor({ timeout: 15_000 });
      await screenshot(page, `widget-${language}-escalation`);

      // "cancel" in the customer's language leaves the prompt; "thanks" gets a short reply.
      await sendBox.fill(language === 'pt' ? 'cancelar' : 'anuluj');
      await sendBox.press('Enter');
      await chat.locator('.webchat__bubble', { hasText: texts.cancelled.slice(0, 25) }).first().waitFor({ timeout: 15_000 });
      await sendBox.fill(language === 'pt' ? 'obrigado' : 'dzięki');
      await sendBox.press('Enter');
      await chat.locator('.webchat__bubble', { hasText: texts.smallTalkReplies.thanks }).first().waitFor({ timeout: 15_000 });
      await screenshot(page, `widget-${language}-small-talk`);
      expect(problems).toEqual([]);
      await page.close();
    });
  }
});
