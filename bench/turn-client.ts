/**
 * The in-process split's load generator, run in a worker thread (bench/run.ts `clientThread`):
 * the turns' HTTP client (fetch, JSON) then runs on its own thread and heap, so the server
 * thread's time and CPU per turn count the server alone. One turn at a time, each a new
 * conversation, as bench/run.ts's `turn`. Posts `{ latencies }` (client-side ms per turn).
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { benchTurn } from './bench-turn.js';

interface Job {
  port: number;
  texts: string[];
  /** Same conversation for every turn (a follow-up) instead of a new one per turn. */
  user: string;
}

const { port, texts, user } = workerData as Job;

const turn = (text: string) => benchTurn(port, text, user);

const latencies: number[] = [];
for (const text of texts) {
  const t = performance.now();
  await turn(text);
  latencies.push(performance.now() - t);
}
parentPort!.postMessage({ latencies });
