import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectLineTokens } from '../src/directline/tokens.js';
import { ExpectRepliesClient } from './support/bot-client.js';
import { DirectLineTestClient, StreamRecorder } from './support/directline-client.js';
import { startTestApp, type RunningApp } from './support/test-app.js';

const SITE_SECRET = 'message-limits-site-secret-0123456789abcdef';

describe('bounded messages and streams (real server on loopback)', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startTestApp({ DIRECTLINE_SECRET: SITE_SECRET, MAX_MESSAGE_CHARS: '4000' });
  });
  afterAll(async () => {
    await running.stop();
  });

  it('answers a message over MAX_MESSAGE_CHARS with a polite refusal, and keeps it out of the transcript and tickets', async () => {
    const customer = new ExpectRepliesClient(running.baseUrl);
    const replies = await customer.say(`please help ${'my printer is broken '.repeat(5000)}`);
    expect(replies.map((r) => r.text).join('\n')).toMatch(/too long for me to read \(the limit is 4,000 characters\)/);
    const transcript = running.app.db
      .prepare<[string], { text: string }>('SELECT text FROM transcript WHERE conversation_id = ?')
      .all(customer.conversationId);
    expect(transcript.every((row) => row.text.length <= 4000)).toBe(true);
    // Exactly at the limit is a normal question.
    const atLimit = await customer.say('a'.repeat(4000));
    expect(atLimit.map((r) => r.text ?? '').join('\n')).not.toMatch(/too long/);
  });

  it('refuses the same on the Direct Line endpoint used by the web chat, and 413s bodies over MAX_REQUEST_BYTES', async () => {
    const directLine = new DirectLineTestClient(running.baseUrl);
    const started = await directLine.start(SITE_SECRET);
    const stream = await StreamRecorder.open(started.streamUrl);
    await directLine.say(started.conversationId, started.token, 'x'.repeat(100_000));
    const refusal = await stream.waitFor((activity) => /too long/.test(activity.text ?? ''));
    expect(refusal.from.role).toBe('bot');
    await stream.close();
    const huge = await directLine.request('POST', `/conversations/${started.conversationId}/activities`, started.token, { type: 'message', text: 'x'.repeat(300_000) });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ error: { code: 'payload_too_large' } });
  });

  it('closes a websocket stream when the token that opened it expires', async () => {
    const directLine = new DirectLineTestClient(running.baseUrl);
    const started = await directLine.start(SITE_SECRET);
    // A token for the same conversation that expires two seconds from now (lifetime 60 s, issued 58 s ago).
    const shortLived = await new DirectLineTokens(SITE_SECRET, 60, () => new Date(Date.now() - 58_000)).issue(started.conversationId, 'dl_stream-test');
    const stream = await StreamRecorder.open(started.streamUrl.replace(/t=[^&]+/, `t=${encodeURIComponent(shortLived.token)}`));
    const closed = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the stream stayed open after its token expired')), 15_000);
      stream.socket.once('close', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    expect(closed).toBe(4001);
    // The regular token's stream is still accepted (it has not expired).
    const fresh = await StreamRecorder.open(started.streamUrl);
    expect(fresh.socket.readyState).toBe(fresh.socket.OPEN);
    await fresh.close();
  });
});
