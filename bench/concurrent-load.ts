import { performance } from 'node:perf_hooks';

/** The q-quantile of samples (nearest rank). */
export const quantile = (samples: number[], q: number): number => {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};

export interface LoadRun {
  perSecond: number;
  p50: number;
  p99: number;
}

/**
 * `total` turns by `concurrency` simulated customers, each waiting for its turn's answer before
 * sending the next: the load generator of bench/run.ts, bench/postgres.ts and bench/ten-k-server.ts.
 * `turn(worker, n)` sends turn n (0-based) as customer `worker` and resolves when it is answered.
 */
export async function concurrentLoad(concurrency: number, total: number, turn: (worker: number, n: number) => Promise<void>): Promise<LoadRun> {
  const latencies: number[] = [];
  let issued = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (issued < total) {
        const n = issued++;
        const t = performance.now();
        await turn(worker, n);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { perSecond: total / ((performance.now() - started) / 1000), p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) };
}
