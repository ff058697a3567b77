/**
 * The in-process split's load generator, run in a worker thread (bench/run.ts `clientThread`):
 * the turns' HTTP client (fetch, JSON) then runs on its own thread and heap, so the server
 * thread's time and CPU per turn count the server alone. One turn at a time, each a new
 * conversation, as bench/run.ts's `turn`. Posts `{ latencies }` (client-side ms per turn).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';

interface Job {
  port: number;
  texts: string[];
  /** Same conversation for every turn (a follow-up) instead of a new one per turn. */
  user: string;
}

const { port, texts, user } = workerData as Job;

async function turn(text: string): Promise<void> {
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

const latencies: number[] = [];
for (const text of texts) {
  const t = performance.now();
  await turn(text);
  latencies.push(performance.now() - t);
}
parentPort!.postMessage({ latencies });
