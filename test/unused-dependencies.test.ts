import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROMPT_CULTURES } from '../src/runtime/unused-dependencies.js';
import { repoRoot } from './support/test-app.js';

const modelDir = path.resolve(repoRoot, process.env.MODEL_DIR ?? '../shared/models');

/** Runs an ES module script (tsx, from the checkout) in a fresh node process; returns the JSON of its last line of output. */
function inFreshProcess<T>(script: string): T {
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as T;
}

/**
 * Loads the embedder in a fresh node process (a test worker may already have imported
 * transformers.js for another file) and reports what got loaded: whether libvips (sharp's native
 * library) and onnxruntime-web were, and a real embedding.
 */
function loadInFreshProcess(skip: boolean): { libvips: boolean; ortWeb: boolean; stubbed: string[]; dimension: number; norm: number } {
  const script = `
    import { readFileSync } from 'node:fs';
    import { createRequire } from 'node:module';
    import { skipUnusedTransformersDependencies } from './src/runtime/unused-dependencies.ts';
    // Without: transformers.js imported first, as any other code could (the embedder's own call is then a no-op).
    const stubbed = ${skip ? 'skipUnusedTransformersDependencies()' : "(await import('@xenova/transformers'), skipUnusedTransformersDependencies())"};
    const { TransformersEmbedder } = await import('./src/search/transformers-embedder.ts');
    const embedder = await TransformersEmbedder.create({ modelId: 'Xenova/all-MiniLM-L6-v2', modelDir: ${JSON.stringify(modelDir)} });
    const [vector] = await embedder.embed(['How do I reset my password?'], 'query');
    const require = createRequire(createRequire(import.meta.url).resolve('@xenova/transformers/package.json'));
    const ortWeb = require.cache[require.resolve('onnxruntime-web')];
    console.log(JSON.stringify({
      libvips: readFileSync('/proc/self/maps', 'utf8').includes('libvips'),
      ortWeb: ortWeb !== undefined && Object.keys(ortWeb.exports).length > 0,
      stubbed,
      dimension: embedder.dimension,
      norm: Math.hypot(...vector),
    }));`;
  return inFreshProcess<ReturnType<typeof loadInFreshProcess>>(script);
}

describe.runIf(process.platform === 'linux')('transformers.js without the packages tierdesk never uses', () => {
  it('embeds with sharp (libvips) and onnxruntime-web left unloaded, which a plain import loads', () => {
    const skipped = loadInFreshProcess(true);
    expect(skipped.stubbed.sort()).toEqual(['onnxruntime-web', 'sharp']);
    expect(skipped.libvips).toBe(false);
    expect(skipped.ortWeb).toBe(false);
    expect(skipped.dimension).toBe(384);
    expect(skipped.norm).toBeCloseTo(1, 5);

    // The same load without the stand-ins maps libvips and loads onnxruntime-web: the check above can fail.
    const plain = loadInFreshProcess(false);
    expect(plain.stubbed).toEqual([]);
    expect(plain.libvips).toBe(true);
    expect(plain.ortWeb).toBe(true);
  }, 60_000);
});

/**
 * The server's entry imports src/runtime/lean-start.ts first; this does the same in a fresh
 * process, then runs a real ChoicePrompt (Portuguese culture, an answer by number and one by
 * ordinal) through botbuilder's TestAdapter.
 */
function promptInFreshProcess(lean: boolean): { standIns: string[]; picked: string[]; dateTimeError: string } {
  const script = `
    ${lean ? "await import('./src/runtime/lean-start.ts');" : ''}
    const { createRequire } = await import('node:module');
    const { ActivityTypes, ConversationState, MemoryStorage, TestAdapter } = await import('botbuilder');
    const { ChoicePrompt, DialogSet, DialogTurnStatus } = await import('botbuilder-dialogs');
    const require = createRequire(createRequire(import.meta.url).resolve('botbuilder-dialogs/package.json'));
    const standIns = Object.keys(require.cache)
      .filter((file) => file.includes('recognizers-text') && Object.keys(require.cache[file].exports).length === 1)
      .map((file) => file.replace(/.*node_modules\\//, '').split('/dist/')[0]).sort();
    const state = new ConversationState(new MemoryStorage());
    const dialogs = new DialogSet(state.createProperty('dialogState'));
    dialogs.add(new ChoicePrompt('choice'));
    const picked = [];
    const adapter = new TestAdapter(async (context) => {
      if (context.activity.type !== ActivityTypes.Message) return;
      const dc = await dialogs.createContext(context);
      const result = await dc.continueDialog();
      if (result.status === DialogTurnStatus.empty) await dc.prompt('choice', { prompt: 'Qual?', choices: ['Boleto', 'Cartão', 'Pix'] });
      else if (result.status === DialogTurnStatus.complete) picked.push(result.result.value);
      await state.saveChanges(context);
    });
    for (const answer of ['2', 'o terceiro']) {
      await adapter.send({ type: 'message', text: 'oi', locale: 'pt-BR' });
      await adapter.send({ type: 'message', text: answer, locale: 'pt-BR' });
    }
    let dateTimeError = '';
    try {
      require('@microsoft/recognizers-text-date-time').recognizeDateTime('tomorrow', 'en-us');
    } catch (error) {
      dateTimeError = error.message;
    }
    console.log(JSON.stringify({ standIns, picked, dateTimeError }));`;
  return inFreshProcess<ReturnType<typeof promptInFreshProcess>>(script);
}

describe('botbuilder-dialogs without the recognizers of prompts tierdesk never uses', () => {
  it('still recognizes choice answers by number and by ordinal, without loading the date-time recognizers', () => {
    const lean = promptInFreshProcess(true);
    expect(lean.standIns).toEqual(['@microsoft/recognizers-text-date-time', '@microsoft/recognizers-text-suite']);
    expect(lean.picked).toEqual(['Cartão', 'Pix']);
    expect(lean.dateTimeError).toMatch(/DateTimePrompt is not supported/);

    // Without lean-start the real packages load, and the prompt answers alike.
    const plain = promptInFreshProcess(false);
    expect(plain.standIns).toEqual([]);
    expect(plain.picked).toEqual(['Cartão', 'Pix']);
    expect(plain.dateTimeError).toBe('');
  }, 60_000);

  it("gives the prompts' culture models the codes the real suite gives", () => {
    // Loaded for real here, from botbuilder-dialogs' folder as it would load them.
    const require = createRequire(createRequire(path.join(repoRoot, 'package.json')).resolve('botbuilder-dialogs/package.json'));
    const suite = require('@microsoft/recognizers-text-suite') as { Culture: Record<string, string>; recognizeNumber?: unknown };
    expect(typeof suite.recognizeNumber).toBe('function'); // the real package, not the stand-in
    const real = suite.Culture;
    for (const [name, code] of Object.entries(PROMPT_CULTURES)) expect(real[name]).toBe(code);
    const models = (require('botbuilder-dialogs') as { PromptCultureModels: { getSupportedCultures(): { locale: string }[] } }).PromptCultureModels;
    expect(models.getSupportedCultures().map((c) => c.locale).sort()).toEqual(Object.values(PROMPT_CULTURES).sort());
  });
});

/** A restify server as http-server.ts builds it (query and body parsers), in a fresh process, with or without lean-start. */
function restifyInFreshProcess(lean: boolean): { loaded: string[]; standIns: string[]; echoed: unknown; spdyError: string } {
  const script = `
    ${lean ? "await import('./src/runtime/lean-start.ts');" : ''}
    const { createRequire } = await import('node:module');
    const restify = (await import('restify')).default;
    const server = restify.createServer();
    server.use(restify.plugins.queryParser({ mapParams: false }));
    server.use(restify.plugins.bodyParser({ mapParams: false }));
    server.post('/echo', async (req, res) => { res.send({ query: req.query, body: req.body }); });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const response = await fetch('http://127.0.0.1:' + server.address().port + '/echo?a=1', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ b: 2 }) });
    const echoed = await response.json();
    server.close();
    const files = Object.keys(createRequire(import.meta.url).cache);
    const loaded = ['spdy-transport', 'sshpk', 'hpack.js'].filter((name) => files.some((file) => file.includes('/node_modules/' + name + '/')));
    const require = createRequire(createRequire(import.meta.url).resolve('restify/package.json'));
    const standIns = ['spdy', 'http-signature'].filter((name) => Object.keys(require.cache[require.resolve(name)]?.exports ?? {}).length === 1);
    let spdyError = '';
    try {
      restify.createServer({ spdy: {} });
    } catch (error) {
      spdyError = error.message;
    }
    console.log(JSON.stringify({ loaded, standIns, echoed, spdyError }));
    process.exit(0);`;
  return inFreshProcess<ReturnType<typeof restifyInFreshProcess>>(script);
}

describe('restify without spdy and http-signature', () => {
  it('serves with the parsers tierdesk uses, without loading spdy-transport, hpack.js or sshpk', () => {
    const lean = restifyInFreshProcess(true);
    expect(lean.standIns).toEqual(['spdy', 'http-signature']);
    expect(lean.loaded).toEqual([]);
    expect(lean.echoed).toEqual({ query: { a: '1' }, body: { b: 2 } });
    expect(lean.spdyError).toMatch(/spdy option is not supported/);

    const plain = restifyInFreshProcess(false);
    expect(plain.standIns).toEqual([]);
    expect(plain.loaded).toEqual(['spdy-transport', 'sshpk', 'hpack.js']);
    expect(plain.echoed).toEqual({ query: { a: '1' }, body: { b: 2 } });
  }, 60_000);
});

/** An article's front matter read as load-articles.ts reads it (gray-matter), in a fresh process, with or without lean-start. */
function frontMatterInFreshProcess(lean: boolean): { esprima: 'stand-in' | 'real' | 'not loaded'; parsed: unknown; functionTag: string } {
  const script = `
    ${lean ? "await import('./src/runtime/lean-start.ts');" : ''}
    const { createRequire } = await import('node:module');
    const matter = (await import('gray-matter')).default;
    const parsed = matter('---\\nid: reset-password\\ntitle: Reset your password\\nquestions:\\n  - forgot my password\\n---\\nBody.\\n', {}).data;
    const require = createRequire(createRequire(createRequire(import.meta.url).resolve('gray-matter/package.json')).resolve('js-yaml/package.json'));
    const cached = require.cache[require.resolve('esprima')];
    const esprima = cached === undefined ? 'not loaded' : typeof cached.exports.tokenize === 'function' ? 'real' : 'stand-in';
    let functionTag = '';
    try {
      matter('---\\nrun: !!js/function "function () { return 1; }"\\n---\\nBody.\\n', {});
    } catch (error) {
      functionTag = error.message;
    }
    console.log(JSON.stringify({ esprima, parsed, functionTag }));`;
  return inFreshProcess<ReturnType<typeof frontMatterInFreshProcess>>(script);
}

describe('front matter without esprima', () => {
  it('reads articles as before, refuses the !!js/function tag as before, and never loads the JavaScript parser', () => {
    const lean = frontMatterInFreshProcess(true);
    expect(lean.esprima).toBe('stand-in');
    expect(lean.parsed).toEqual({ id: 'reset-password', title: 'Reset your password', questions: ['forgot my password'] });
    expect(lean.functionTag).toMatch(/unknown tag !<tag:yaml.org,2002:js\/function>/);

    const plain = frontMatterInFreshProcess(false);
    expect(plain.esprima).toBe('real');
    expect(plain.parsed).toEqual(lean.parsed);
    expect(plain.functionTag).toBe(lean.functionTag);
  }, 60_000);
});
