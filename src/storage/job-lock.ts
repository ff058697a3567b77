/**
 * Runs a periodic job (SLA check, retention…) on one instance at a time. With SQLite there is only
 * one process, so the local lock only keeps one run per job within it; PostgreSQL uses an
 * advisory lock (src/storage/postgres/pg-job-lock.ts) so instances sharing a database never run
 * it together.
 */
export interface JobLock {
  /** Runs `work` unless another instance is running `job` right now; undefined when skipped. */
  runExclusive<T>(job: string, work: () => Promise<T>): Promise<T | undefined>;
}

const runningHere = new Set<string>();

/** One run per job name in this process at a time (a second caller skips, as with the advisory lock). */
export const localJobLock: JobLock = {
  runExclusive: async (job, work) => {
    if (runningHere.has(job)) return undefined;
    runningHere.add(job);
    try {
      return await work();
    } finally {
      runningHere.delete(job);
    }
  },
};
