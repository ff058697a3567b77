import { createRequire, Module } from 'node:module';

/**
 * Packages transformers.js 2.17 imports at its top level that tierdesk never calls: `sharp`
 * (image input for vision pipelines; it loads libvips) and `onnxruntime-web` (the browser/WASM
 * backend; in Node transformers.js runs onnxruntime-node). Measured: importing `@xenova/transformers`
 * alone takes 19 MB less RSS without them, the server 12 MB less at /ready + 3 s
 * (bench/results/2026-11-25-round3-start.md).
 */
const UNUSED: Record<string, () => unknown> = {
  // transformers.js only checks that its default export is truthy; any call means an image was given.
  sharp: () =>
    function sharp(): never {
      throw new Error('tierdesk does not load sharp: transformers.js image input is not supported here');
    },
  'onnxruntime-web': () => ({}),
};

let done = false;

/**
 * Puts inert stand-ins for the packages above into Node's CommonJS module cache, resolved from
 * transformers.js's own folder, before transformers.js is first imported: both are CommonJS, and
 * Node's ESM loader takes an already loaded CommonJS module from that cache instead of reading the
 * file. Call it before the first `import('@xenova/transformers')` (it is a no-op afterwards, when
 * a package is already loaded, or when one is not installed).
 * Returns the package names it stubbed (for tests and the bench).
 */
export function skipUnusedTransformersDependencies(): string[] {
  if (done) return [];
  done = true;
  const stubbed: string[] = [];
  let require: NodeJS.Require;
  try {
    require = createRequire(createRequire(import.meta.url).resolve('@xenova/transformers/package.json'));
  } catch {
    return stubbed;
  }
  for (const [name, exports] of Object.entries(UNUSED)) {
    let file: string;
    try {
      file = require.resolve(name);
    } catch {
      continue; // not installed: nothing to skip
    }
    if (require.cache[file] !== undefined) continue; // already loaded for real: leave it
    const module = new Module(file);
    module.filename = file;
    module.loaded = true;
    module.exports = exports();
    require.cache[file] = module;
    stubbed.push(name);
  }
  return stubbed;
}
