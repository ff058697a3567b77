import { createRequire } from 'node:module';

/**
 * Registers onnxruntime-node's native binding in this (the main) thread again. Called after every
 * model thread has loaded it, so that the last thread to load it is one that never exits.
 *
 * Why: onnxruntime-node 1.14 keeps one process-wide reference to its InferenceSession class, and
 * every thread that loads the binding first deletes the reference the previous loader made. When
 * that loader was a thread that has exited, the deletion writes to freed memory and the process
 * later aborts ("free(): invalid next size": measured in 3 of 6 runs of a test that replaced a
 * model thread, and in 2 of 2 runs of twelve replacements). With the main thread as the last
 * loader, model threads may exit (a crash, a failed load, the end of an index build) and new ones
 * may load the binding safely. Not cached by require: each call registers it once more (~1 ms;
 * the library is already in memory). It also keeps the library loaded while no model thread runs
 * (Node would unload it with its last user, and loading it again fails: "Module did not self-register").
 */
export function pinOnnxRuntime(): void {
  // onnxruntime-node comes with @xenova/transformers: resolved from there, as transformers.js loads it.
  const fromTransformers = createRequire(createRequire(import.meta.url).resolve('@xenova/transformers'));
  const binding = fromTransformers.resolve(`onnxruntime-node/bin/napi-v3/${process.platform}/${process.arch}/onnxruntime_binding.node`);
  process.dlopen({ exports: {} }, binding);
}
