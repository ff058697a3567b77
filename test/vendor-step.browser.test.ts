import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.js';
import { en } from '../src/i18n/en.js';
import { addAgent, AGENT_PASSWORD } from './support/agent-console-client.js';
import { DirectLineTestClient } from './support/directline-client.js';
import { repoRoot, startTestApp, tempDir, type RunningApp } from './support/test-app.js';

const DIRECTLINE_SECRET = 'vendor-browser-directline-secret-0123456789';
const AGENT = { name: 'Vera', email: 'vera@example.com', tiers: 'L4' };

describe('vendor step in the agent console (real app, real Chromium)', () => {
  let running: RunningApp;
  let browser: Browser;
  beforeAll(async () => {
    const vendorsFile = path.join(tempDir('tierdesk-vendors-browser-'), 'vendors.yaml');
    writeFileSync(vendorsFile, 'vendors:\n  - {id: acme, name: ACME Hardware, email: support@acme.example, responseHours: 24}\n  - {id: cloudnet, name: CloudNet Hosting, email: ops@cloudnet.example, responseHours: 8}\n');
    [running, browser] = await Promise.all([
      startTestApp({ BUSINESS_HOURS: 'Mon-Sun 00:00-24:00', TIME_ZONE: 'UTC', DIRECTLINE_SECRET, VENDORS_FILE: vendorsFile }),
      launchChromium(),
    ]);
    await addAgent(running.app.agents, AGENT);
  });
  afterAll(async () => {
    await browser?.close();
    await running?.stop();
  });

  it('an L4 agent passes the chat to a vendor: the customer is asked, says yes, the panel shows "waiting on vendor", the typed vendor reply reaches the customer', async () => {
    const page: Page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${running.baseUrl}/agent`);
    await page.getByLabel('Email').fill(AGENT.email);
    await page.getByLabel('Password').fill(AGENT_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#connection[data-state="open"]').waitFor();
    const online = page.getByRole('radio', { name: 'Online' });
    if (!(await online.isChecked())) await online.check({ force: true });
    await page.locator('body[data-status="online"]').waitFor();

    // The customer (Direct Line, like the widget) asks for a person about a vendor problem.
    const dl = new DirectLineTestClient(running.baseUrl);
    const { conversationId, token } = await dl.start((await dl.generateToken(DIRECTLINE_SECRET)).token);
    const botTexts = async () => (await dl.allPages(conversationId, token)).flatMap((p) => p.activities).filter((a) => a.from.role === 'bot').map((a) => [a.text, ...(a.attachments ?? []).map((c) => c.content.text)].filter(Boolean).join('\n'));
    const waitFor = (pattern: RegExp | string) =>
      expect.poll(async () => (await botTexts()).some((t) => (typeof pattern === 'string' ? t === pattern : pattern.test(t))), { timeout: 10_000 }).toBe(true);
    await dl.say(conversationId, token, 'I want to speak to someone');
    await expect.poll(async () => (await botTexts()).join('\n'), { timeout: 10_000 }).toMatch(/what kind of help|can chat with you live/);
    if (!(await botTexts()).some((t) => /can chat with you live/.test(t))) await dl.say(conversationId, token, 'A problem with third-party hardware or hosting');
    await waitFor(/can chat with you live right now/);
    await dl.say(conversationId, token, 'Chat with a person now');

    const waiting = page.locator('#queued-list li').first();
    await waiting.waitFor({ timeout: 10_000 });
    expect(await waiting.locator('.tier-badge').innerText()).toBe('L4');
    await waiting.locator('.conversation-open').click();
    await page.keyboard.press('Alt+A');
    await waitFor(/has joined the chat/);

    // The vendor panel: pick a vendor, ask the customer.
    const panel = page.locator('#vendor-step');
    await panel.getByText('Not passed to a vendor.').waitFor();
    await panel.getByLabel('Vendor', { exact: true }).selectOption({ label: 'CloudNet Hosting' });
    await panel.getByRole('button', { name: 'Ask the customer, then pass to vendor' }).click();
    await panel.getByText(/Asked the customer whether we may share their request with CloudNet Hosting/).waitFor();
    const reference = (await running.app.handoffs.list({ state: 'active', limit: 10 }))[0]!.ticketReference;
    await waitFor(en.vendorConsentQuestion('CloudNet Hosting', reference));
    expect(await panel.getByRole('button', { name: 'Relay to the customer' }).isVisible()).toBe(false);

    // The customer agrees; the agent sees it in the chat and the panel shows the vendor clock.
    await dl.say(conversationId, token, 'yes');
    await waitFor(en.vendorConsentGiven('CloudNet Hosting'));
    await expect.poll(() => page.locator('#transcript .from-customer .message-text', { hasText: /^yes$/ }).count(), { timeout: 10_000 }).toBe(1);
    await panel.getByText(/Waiting on CloudNet Hosting since .+; expected by/).waitFor({ timeout: 10_000 });

    // The vendor's answer, typed in by the agent, reaches the customer; the ticket is back in-house.
    await panel.getByLabel("Vendor's reply").fill('Port 25 is unblocked for your server now.');
    await panel.getByRole('button', { name: 'Relay to the customer' }).click();
    await panel.getByText('CloudNet Hosting replied; the ticket is back with us.').waitFor();
    await waitFor(en.vendorReply('CloudNet Hosting', reference, 'Port 25 is unblocked for your server now.'));
    const ticket = (await running.app.tickets.get(reference))!;
    expect(ticket.status).toBe('open');
    expect(ticket.comments.at(-1)).toMatchObject({ author: 'CloudNet Hosting (vendor, entered by Vera)' });
    expect(problems).toEqual([]);
  }, 90_000);

  it('has every vendor panel sentence in English, Portuguese and Polish, with the same placeholders', async () => {
    // Plain browser JavaScript: loaded by URL so the compiler leaves it alone (it only touches the DOM when constructed).
    const { VENDOR_STRINGS } = (await import(pathToFileURL(path.join(repoRoot, 'web', 'agent', 'vendor-step.js')).href)) as { VENDOR_STRINGS: Record<string, Record<string, string>> };
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const language of ['pt', 'pl']) {
      expect(Object.keys(VENDOR_STRINGS[language]!).sort(), language).toEqual(Object.keys(VENDOR_STRINGS.en!).sort());
      for (const [key, text] of Object.entries(VENDOR_STRINGS.en!)) expect(placeholders(VENDOR_STRINGS[language]![key]!), `${language}.${key}`).toEqual(placeholders(text));
    }
  });
});
