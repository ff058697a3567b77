import { createRequire } from 'node:module';

type Trim = (pad: number) => number;

/** The bound `malloc_trim`, `null` once it is known not to be there (not Linux, not glibc, no koffi). */
let trim: Trim | null | undefined;

function bind(): Trim | null {
  if (process.platform !== 'linux') return null;
  // On musl (Alpine) there is no libc.so.6 to load, and its free() returns memory already.
  try {
    const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
    return koffi.load('libc.so.6').func('int malloc_trim(size_t pad)') as Trim;
  } catch {
    return null;
  }
}

/**
 * Hands the free pages of the C heap back to the kernel: glibc's `malloc_trim(0)`, through koffi
 * (a maintained FFI library with prebuilt binaries; Node itself never calls it). Returns whether
 * it ran.
 *
 * Why: glibc's `free()` returns memory to the kernel only from the top of an arena. Whatever is
 * freed below a block still in use stays in the process: the array buffers of a calibration's
 * ~6,000 rankings, say, freed in between the buffers that outlive it. Measured on a 10,000-article
 * start that had to calibrate: RSS stayed ~100 MB above a start that found its calibration, all
 * of it glibc's main-arena `[heap]` (118–122 MB against 17), and `malloc_trim(0)` run from gdb
 * returned 67 MB of it (bench/results/2026-12-07-round23.md). Only `malloc_trim` releases the
 * free pages in the middle of an arena (madvise), in every arena, the worker threads' too (the
 * model's thread frees most of an index build's). Measured with this call, RSS at /ready: 474 →
 * 410 MB for that 10,000-article start, 507 → 296 MB for the sample knowledge base built and
 * calibrated from scratch (bench/results/2026-12-08-round24.md).
 *
 * It takes tens of milliseconds for hundreds of MB and holds each arena's lock meanwhile, so it
 * runs after a load or a calibration, with the garbage collections that free those buffers, not
 * on a turn's path.
 */
export function returnFreedMemory(): boolean {
  if (trim === undefined) trim = bind();
  if (trim === null) return false;
  trim(0);
  return true;
}
