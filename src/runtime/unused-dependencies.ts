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

/**
 * Packages botbuilder-dialogs requires at its top level for prompts tierdesk never uses:
 * `@microsoft/recognizers-text-date-time` (DateTimePrompt only) and `@microsoft/recognizers-text-suite`,
 * which PromptCultureModels loads only for nine culture codes ('en-us', 'pt-br', …) and which
 * itself loads the date-time, number-with-unit and sequence recognizers. Together 26 MB of RSS
 * and ~0.25 s of CPU at start (measured: bench/results/2026-12-06-turn-memory.md). ChoicePrompt's
 * number/ordinal matching (`@microsoft/recognizers-text-number`) and ConfirmPrompt's
 * (`-choice`) stay real; the suite's stand-in carries the culture codes its `Culture` gives.
 */
const UNUSED_BY_DIALOGS: Record<string, () => unknown> = {
  // DateTimePrompt calls recognizeDateTime; nothing else reads this package.
  '@microsoft/recognizers-text-date-time': () => ({
    recognizeDateTime(): never {
      throw new Error('tierdesk does not load @microsoft/recognizers-text-date-time: DateTimePrompt is not supported here');
    },
  }),
  // promptCultureModels.js reads nine culture codes from it at load, nothing else.
  '@microsoft/recognizers-text-suite': () => ({ Culture: PROMPT_CULTURES }),
};

/**
 * The culture codes botbuilder-dialogs' PromptCultureModels reads from the suite's `Culture`
 * (the same values as `@microsoft/recognizers-text-number`'s: test/unused-dependencies.test.ts).
 * Written out rather than taken from the number package at run time: in the server bundle that
 * package is already bundled (ChoicePrompt uses it), and a `require` of it here loaded a second
 * copy from node_modules, a 1.2 MB source V8 held as a 2.4 MB string (not ASCII) plus its code.
 */
export const PROMPT_CULTURES = {
  Chinese: 'zh-cn',
  Dutch: 'nl-nl',
  English: 'en-us',
  French: 'fr-fr',
  German: 'de-de',
  Italian: 'it-it',
  Japanese: 'ja-jp',
  Portuguese: 'pt-br',
  Spanish: 'es-es',
} as const;

/**
 * Packages restify requires at its top level for features tierdesk never turns on: `spdy`
 * (server.js calls it only when `createServer` gets a `spdy` option; it loads spdy-transport,
 * hpack.js and more) and `http-signature` (only the authorizationParser plugin calls it; it loads
 * sshpk). Nothing else in node_modules requires either. Measured with a require hook while
 * importing the built app: ~130 ms of CPU together (spdy 41 + spdy-transport 31 + hpack.js 11,
 * http-signature 26 + sshpk 23) of its 1.5 s.
 */
const UNUSED_BY_RESTIFY: Record<string, () => unknown> = {
  spdy: () => ({
    createServer(): never {
      throw new Error('tierdesk does not load spdy: restify\'s spdy option is not supported here');
    },
  }),
  'http-signature': () => ({
    parseRequest(): never {
      throw new Error('tierdesk does not load http-signature: restify\'s authorizationParser is not supported here');
    },
  }),
};

/**
 * js-yaml 3 (gray-matter's YAML parser, for the articles' front matter) requires `esprima` at its
 * top level for the `!!js/function` tag, which only its unsafe full schema reads; gray-matter
 * parses with `safeLoad`, which never does. The require is hidden from bundlers (`_require`), so
 * the server bundle loaded esprima from node_modules: a 284 kB source V8 held as a two-byte string
 * (567 kB, not ASCII) and its module's code.
 */
const UNUSED_BY_FRONT_MATTER: Record<string, () => unknown> = {
  esprima: () => ({
    parse(): never {
      throw new Error("tierdesk does not load esprima: YAML's !!js/function tag is not supported here");
    },
  }),
};

let done = false;
let dialogsDone = false;
let frontMatterDone = false;
let restifyDone = false;

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
  return stubPackages(['@xenova/transformers'], UNUSED);
}

/**
 * The same for botbuilder-dialogs' unused recognizers (UNUSED_BY_DIALOGS). Must run before
 * botbuilder-dialogs is first loaded: the server's entry imports `./runtime/lean-start.js` before the app.
 * Returns the package names it stubbed.
 */
export function skipUnusedDialogRecognizers(): string[] {
  if (dialogsDone) return [];
  dialogsDone = true;
  return stubPackages(['botbuilder-dialogs'], UNUSED_BY_DIALOGS);
}

/**
 * The same for restify's unused dependencies (UNUSED_BY_RESTIFY). Must run before restify is
 * first loaded: the server's entry imports `./runtime/lean-start.js` before the app. Returns the names stubbed.
 */
export function skipUnusedServerDependencies(): string[] {
  if (restifyDone) return [];
  restifyDone = true;
  return stubPackages(['restify'], UNUSED_BY_RESTIFY);
}

/**
 * The same for js-yaml's `esprima` (UNUSED_BY_FRONT_MATTER), resolved as js-yaml resolves it from
 * gray-matter's folder. Must run before gray-matter is first loaded. Returns the names stubbed.
 */
export function skipUnusedFrontMatterDependencies(): string[] {
  if (frontMatterDone) return [];
  frontMatterDone = true;
  return stubPackages(['gray-matter', 'js-yaml'], UNUSED_BY_FRONT_MATTER);
}

/** `owners`: the chain of packages that leads to the one requiring the stubbed ones (each resolved from the one before). */
function stubPackages(owners: readonly string[], stubs: Record<string, () => unknown>): string[] {
  const stubbed: string[] = [];
  let require = createRequire(import.meta.url);
  try {
    for (const owner of owners) require = createRequire(require.resolve(`${owner}/package.json`));
  } catch {
    return stubbed;
  }
  for (const [name, exports] of Object.entries(stubs)) {
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
