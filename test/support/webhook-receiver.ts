import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One POST a loopback receiver got. */
export interface ReceivedHook {
  deliveryId: string;
  body: string;
}

/**
 * A webhook receiver on 127.0.0.1 that answers 200 (after `delayMs`, to keep deliveries in flight
 * a while) and records every POST. `close()` stops it.
 */
export async function startHookReceiver(delayMs = 0): Promise<{ url: string; received: ReceivedHook[]; close(): Promise<void> }> {
  const received: ReceivedHook[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ deliveryId: String(req.headers['x-tierdesk-delivery']), body: Buffer.concat(chunks).toString('utf8') });
      setTimeout(() => {
        res.statusCode = 200;
        res.end();
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
