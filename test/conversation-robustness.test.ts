import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en } from '../src/i18n/en.js';
import { pl } from '../src/i18n/pl.js';
import { pt } from '../src/i18n/pt.js';
import { ExpectRepliesClient, heroCard, type ReplyActivity } from './support/bot-client.js';
import { startTestApp, type RunningApp } from './support/test-app.js';

/**
 * Typed replies that match loosely, commands that work at every prompt, and small talk — over
 * real HTTP with the hashing stand-in embedder (plumbing only: nothing here depends on answer
 * quality; "zebra quantum lasagna" is a question no article answers).
 */
const said = (replies: ReplyActivity[]) => replies.map((r) => [r.text, heroCard(r)?.text].filter(Boolean).join('\n')).join('\n');
const NOW = new Date('2026-11-23T14:10:00Z');

class Customer extends ExpectRepliesClient {
  constructor(baseUrl: string, private readonly locale = 'en-US') {
    super(baseUrl);
  }
  override say(text: string): Promise<ReplyActivity[]> {
    return this.send({ type: 'message', text, locale: this.locale });
  }
  async says(text: string): Promise<string> {
    return said(await this.say(text));
  }
}

describe('conversation robustness (real HTTP, stand-in embedder)', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startTestApp({ TIME_ZONE: 'Europe/Berlin' }, { now: () => NOW });
  });
  afterAll(async () => {
    await running.stop();
  });

  it('answers small talk briefly, in the conversation language, and files nothing', async () => {
    const english = new Customer(running.baseUrl);
    expect(await english.says('Hello!')).toBe(en.smallTalkReplies.hello);
    expect(await english.says('thanks a lot')).toBe(en.smallTalkReplies.thanks);
    // "obrigado" is one word: it is understood as thanks, but the conversation stays English.
    expect(await english.says('obrigado')).toBe(en.smallTalkReplies.thanks);
    expect(await english.says('bye')).toBe(en.smallTalkReplies.bye);
    expect(await new Customer(running.baseUrl, 'pt-BR').says('olá')).toBe(pt.smallTalkReplies.hello);
    expect(await new Customer(running.baseUrl, 'pt-BR').says('Obrigado!')).toBe(pt.smallTalkReplies.thanks);
    expect(await new Customer(running.baseUrl, 'pl-PL').says('cześć')).toBe(pl.smallTalkReplies.hello);
    expect(await new Customer(running.baseUrl, 'pl-PL').says('dzieki')).toBe(pl.smallTalkReplies.thanks);
    expect(await new Customer(running.baseUrl, 'pl-PL').says('pa')).toBe(pl.smallTalkReplies.bye);
    expect((await running.app.tickets.list({ limit: 100, offset: 0 })).items).toHaveLength(0);
  });

  it('"help" at the tier question explains and asks again; "cancel" leaves it; "start over" leaves the email prompt', async () => {
    const customer = new Customer(running.baseUrl);
    expect(await customer.says('zebra quantum lasagna')).toContain(en.tierQuestion);
    const help = await customer.says('help');
    expect(help).toContain(en.helpText);
    expect(help).toContain(en.tierQuestion);
    expect(await customer.says('cancel')).toBe(en.cancelled);
    // Nothing is pending any more: a new question is a new question.
    expect(await customer.says('zebra quantum lasagna')).toContain(en.tierQuestion);
    expect(await customer.says('the first one')).toContain(en.askEmail);
    expect(await customer.says('start over')).toBe(en.startedOver);
    expect(await customer.says('zebra quantum lasagna')).toContain(en.tierQuestion);
  });

  it('"talk to a human" at a prompt goes where "talk to a human" goes outside one', async () => {
    const atPrompt = new Customer(running.baseUrl);
    await atPrompt.say('zebra quantum lasagna');
    await atPrompt.say('A question for the support team');
    const interrupted = await atPrompt.says('I want to talk to a human');

    const outside = new Customer(running.baseUrl);
    await outside.say('zebra quantum lasagna');
    await outside.say('cancel');
    const asked = await outside.says('I want to talk to a human');
    expect(interrupted).toBe(asked);
    expect(interrupted).not.toContain(en.askEmail);
  });

  it('takes loose replies at the tier question and the ticket review ("the second one", "yes please")', async () => {
    const customer = new Customer(running.baseUrl);
    await customer.say('zebra quantum lasagna');
    expect(await customer.says('the first one')).toContain(en.askEmail);
    expect(await customer.says('dora@example.com')).toContain('**Summary:** zebra quantum lasagna');
    expect(await customer.says('the second one')).toContain(en.askSummary);
    expect(await customer.says('Scanned letters show the wrong date')).toContain('**Summary:** Scanned letters show the wrong date');
    expect(await customer.says('yes please')).toMatch(/Done — your ticket is \*\*TD-\d+\*\*/);
  });

  it('books a callback slot picked as "the first one", and a Brazilian number typed without +55', async () => {
    const english = new Customer(running.baseUrl);
    expect(await english.says('Can someone call me back please?')).toContain(en.askPhone);
    expect(await english.says('+44 20 7946 0958')).toContain(en.askSlot('Europe/Berlin'));
    expect(await english.says('the first one')).toMatch(/Booked — \*\*TD-\d+\*\*: a technician will call \+442079460958 on Mon 23 Nov, 15:30–16:00 \(Europe\/Berlin\)/);

    const portuguese = new Customer(running.baseUrl, 'pt-BR');
    expect(await portuguese.says('Vocês podem me ligar de volta, por favor?')).toContain(pt.askPhone);
    expect(await portuguese.says('(11) 91234-5678')).toContain(pt.askSlot('Europe/Berlin'));
    expect(await portuguese.says('a segunda')).toMatch(/Agendado — \*\*TD-\d+\*\*: um técnico vai ligar para \+5511912345678 em seg\., 23 de nov\., 16:00–16:30 \(Europe\/Berlin\)/);
  });

  it('does the same in Portuguese and Polish, without diacritics too', async () => {
    const portuguese = new Customer(running.baseUrl, 'pt-BR');
    expect(await portuguese.says('zebra quantum lasagna')).toContain(pt.tierQuestion);
    expect(await portuguese.says('ajuda')).toContain(pt.helpText);
    expect(await portuguese.says('a primeira')).toContain(pt.askEmail);
    expect(await portuguese.says('joana@example.com.br')).toContain('**Resumo:** zebra quantum lasagna');
    expect(await portuguese.says('sim, por favor')).toMatch(/Pronto — seu chamado é o \*\*TD-\d+\*\*/);

    const polish = new Customer(running.baseUrl, 'pl-PL');
    expect(await polish.says('zebra quantum lasagna')).toContain(pl.tierQuestion);
    expect(await polish.says('pierwszy')).toContain(pl.askEmail);
    expect(await polish.says('anuluj')).toBe(pl.cancelled);
    await polish.say('zebra quantum lasagna');
    await polish.say('pierwsza opcja');
    expect(await polish.says('marek@example.pl')).toContain('**Podsumowanie:** zebra quantum lasagna');
    expect(await polish.says('tak prosze')).toMatch(/Gotowe — Twoje zgłoszenie ma numer \*\*TD-\d+\*\*/);
  });
});
