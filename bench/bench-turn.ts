import { randomUUID } from 'node:crypto';

/**
 * One level-0 turn over `POST /api/messages` with `expectReplies`, each in a new conversation (a
 * first question: state read miss + write, transcript append). Shared by the load generator in
 * bench/run.ts and its worker-thread twin bench/turn-client.ts, so both measure the same request.
 */
export async function benchTurn(port: number, text: string, user: string): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${port}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'message', text, id: randomUUID(), channelId: 'bench', serviceUrl: 'http://127.0.0.1:9', deliveryMode: 'expectReplies',
      from: { id: user }, recipient: { id: 'bot' }, conversation: { id: `bench-${randomUUID()}` }, locale: 'en-US',
    }),
  });
  if (response.status !== 200) throw new Error(`turn failed with HTTP ${response.status}: ${await response.text()}`);
  const body = (await response.json()) as { activities?: unknown[] };
  if ((body.activities?.length ?? 0) === 0) throw new Error('turn got no reply');
}
