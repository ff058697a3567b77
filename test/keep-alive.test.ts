import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type RunningApp } from './support/test-app.js';

/** Busy-waits: stands for a stretch of work that holds the server's event loop. */
function holdEventLoop(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end);
}

/** Reads HTTP/1.1 responses off one socket; resolves with the raw text once `count` complete responses arrived, rejects if the socket dies first. */
function responses(socket: net.Socket, count: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      const complete = text.split('HTTP/1.1 ').length - 1;
      // Each /health answer is small and sent whole; a response is complete once its body (JSON) closes.
      if (complete >= count && text.trimEnd().endsWith('}')) resolve(text);
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`connection closed after ${text.split('HTTP/1.1 ').length - 1} response(s)`)));
  });
}

describe('keep-alive connections (real server on loopback)', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startTestApp();
  });
  afterAll(async () => {
    await running.stop();
  });

  it('answers a request sent on an idle keep-alive connection while the event loop was held longer than Node’s default keep-alive timeout', async () => {
    const { port } = new URL(running.baseUrl);
    const socket = net.connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const request = 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n';
    const first = responses(socket, 1);
    socket.write(request);
    expect(await first).toMatch(/^HTTP\/1\.1 200/);
    socket.removeAllListeners('data').removeAllListeners('error').removeAllListeners('close');
    // The client sends its next request at once, and the server's loop is busy for 7 s before it
    // reads it (Node's default closes an idle connection after 5 s, plus 1 s of grace): with the
    // default, the timer fires first, the connection is closed with the request unread, and the
    // client gets ECONNRESET.
    const second = responses(socket, 1);
    socket.write(request);
    holdEventLoop(7000);
    expect(await second).toMatch(/^HTTP\/1\.1 200/);
    socket.destroy();
  }, 20_000);
});
