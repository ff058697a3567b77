import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TurnContext } from 'botbuilder';
import { createLogger } from '../src/logger.js';
import { DirectLineChannel } from '../src/directline/directline-channel.js';
import type { Stores } from '../src/storage/stores.js';
import { useStoreBackends, type OpenedStores } from './support/store-backends.js';

const conversation = (id: string) => ({ id, userId: 'user-1', locale: 'en-US', createdAt: '2025-03-03T09:00:00.000Z' });

/** A channel on `stores` whose bot echoes every message, as one instance of the desk would run it. */
function echoChannel(stores: Stores): DirectLineChannel {
  return new DirectLineChannel({
    store: stores.directLine,
    ...(stores.conversationSignals === undefined ? {} : { signals: stores.conversationSignals }),
    bot: {
      run: async (context: TurnContext) => {
        if (context.activity.type === 'message') await context.sendActivity(`echo: ${context.activity.text}`);
      },
    },
    onTurnError: async (_context, error) => {
      throw error;
    },
    botIdentity: { id: 'bot', name: 'bot' },
    logger: createLogger('error'),
  });
}

/** Reads a conversation the way a websocket does: from its watermark, whenever the channel says it changed. */
function follow(channel: DirectLineChannel, conversationId: string) {
  const seen: { text: string | undefined; seq: number }[] = [];
  let sent = 0;
  let reading: Promise<void> = Promise.resolve();
  const read = () => {
    reading = reading.then(async () => {
      for (;;) {
        const page = await channel.activitiesAfter(conversationId, sent);
        if (page.activities.length === 0) return;
        for (const activity of page.activities) seen.push({ text: activity.text, seq: Number(activity.id.split('|')[1]) });
        sent = Number(page.watermark);
      }
    });
  };
  const stop = channel.subscribe(conversationId, read);
  read();
  return { seen, stop };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const backends = useStoreBackends();

describe.each(backends)('Direct Line conversation log on $name', (backend) => {
  let opened: OpenedStores;
  const cleanups: (() => Promise<void> | void)[] = [];
  beforeEach(async () => {
    opened = await backend.open();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await opened.close();
  });

  it('appends in order, pages from a watermark, replaces and removes, and never reuses a position', async () => {
    const store = opened.stores.directLine;
    await store.createConversation(conversation('c1'));
    expect(await store.conversation('c1')).toEqual(conversation('c1'));
    expect(await store.conversation('nope')).toBeUndefined();
    const first = await store.append('c1', { type: 'message', text: 'one' });
    const second = await store.append('c1', { type: 'message', text: 'two' });
    expect(first).toEqual({ seq: 1, activity: { type: 'message', text: 'one', id: 'c1|0000001' } });
    expect(second.activity.id).toBe('c1|0000002');
    expect((await store.activitiesAfter('c1', 1, 10)).map((l) => l.activity.text)).toEqual(['two']);
    expect(await store.replace('c1', 'c1|0000002', { type: 'message', text: 'two, edited' })).toEqual({
      seq: 2,
      activity: { type: 'message', text: 'two, edited', id: 'c1|0000002' },
    });
    expect(await store.replace('c1', 'c1|0000009', { type: 'message' })).toBeUndefined();
    expect(await store.remove('c1', 'c1|0000002')).toBe(true);
    expect(await store.remove('c1', 'c1|0000002')).toBe(false);
    expect((await store.append('c1', { type: 'message', text: 'three' })).seq).toBe(3);
    expect((await store.activitiesAfter('c1', 0, 10)).map((l) => l.seq)).toEqual([1, 3]);
    await expect(store.append('missing', { type: 'message' })).rejects.toThrow(/does not exist/);
  });

  it('gives concurrent appends from two instances distinct, gap-free positions', async () => {
    const a = opened.stores.directLine;
    const b = (await opened.another()).directLine;
    await a.createConversation(conversation('c2'));
    const logged = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? a : b).append('c2', { type: 'message', text: `m${i}` })));
    expect(logged.map((l) => l.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(await b.activitiesAfter('c2', 0, 100)).toHaveLength(30);
  });
});

// Several instances exist only on PostgreSQL (SQLite is one process): LISTEN/NOTIFY carries the news.
describe('Direct Line across instances on postgres', () => {
  const backend = backends.find((b) => b.name === 'postgres')!;
  let opened: OpenedStores;
  const cleanups: (() => Promise<void> | void)[] = [];
  beforeEach(async () => {
    opened = await backend.open();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await opened.close();
  });

  it('streams what another instance logs to a conversation followed here, every activity once and in order', async () => {
    const here = echoChannel(opened.stores);
    const there = echoChannel(await opened.another());
    await here.listenToOtherInstances();
    await there.listenToOtherInstances();
    cleanups.push(() => here.drain(), () => there.drain());

    const { conversation: started } = await there.start('c3', 'user-1', 'en-US');
    const followed = follow(here, 'c3');
    cleanups.push(followed.stop);
    for (let i = 0; i < 5; i++) await there.receive(started, { type: 'message', text: `hello ${i}` });
    await until(() => followed.seen.length >= 10, 'ten activities on the other instance');

    expect(followed.seen.map((s) => s.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(followed.seen.map((s) => s.text)).toEqual(Array.from({ length: 5 }, (_, i) => [`hello ${i}`, `echo: hello ${i}`]).flat());
  });
});
