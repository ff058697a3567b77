import { constants, setPriority } from 'node:os';

/**
 * Gives the calling thread the lowest CPU priority (nice 19), so that it only gets a core the
 * threads answering customers leave idle. For background work on a worker thread: a calibration's
 * classifier training after a hot reload ran beside the model's thread and the main thread on a
 * 2-core machine, and the customers' turns waited for the cores it held.
 *
 * Linux only: there setpriority(2) for "this process" (id 0) sets the calling thread's priority
 * alone (test/thread-priority.test.ts checks that the main thread keeps its own). Elsewhere it
 * would lower the whole process, so the thread keeps its priority (returns false).
 */
export function lowerThisThreadPriority(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    setPriority(constants.priority.PRIORITY_LOW);
    return true;
  } catch {
    return false;
  }
}
