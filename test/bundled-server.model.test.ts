import { once } from 'node:events';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productLaunch } from '../bench/start-memory.js';
import { readFileSync } from 'node:fs';
import { assertAscii, bundleServer, escapeNonAscii, NOT_BUNDLED } from '../scripts/bundle-server.js';
import { ExpectRepliesClient, heroCard } from './support/bot-client.js';
import { MODEL_DIR } from './support/real-model-app.js';
import { startServerProcess, type ServerProcess } from './support/server-process.js';
import { repoRoot, tempDir } from './support/test-app.js';

/**
 * `npm start` runs the bundled server (scripts/bundle-server.ts), not the modules tsc writes: this
 * bundles it the same way (into a folder of its own inside the checkout), starts it as a process on
 * the real model with a small knowledge folder, and talks to it as a customer and a browser would.
 */
describe('the bundled server (what npm start runs)', () => {
  const outdir = path.join(repoRoot, 'dist', `.test-bundle-${process.pid}`);
  let bundledInputs: string[] = [];
  let server: ServerProcess;
  let url = '';

  beforeAll(async () => {
    const bundle = await bundleServer(repoRoot, outdir);
    bundledInputs = bundle.inputs;
    const knowledgeDir = tempDir('tierdesk-bundle-knowledge-');
    for (const part of ['tiers/rules.yaml', 'tiers/en', 'playbooks/en', 'vendors.yaml']) {
      cpSync(path.join(repoRoot, 'knowledge', part), path.join(knowledgeDir, part), { recursive: true });
    }
    mkdirSync(path.join(knowledgeDir, 'articles', 'en'), { recursive: true });
    for (const id of ['change-password', 'download-invoice', 'install-desktop-client', 'locked-account']) {
      cpSync(path.join(repoRoot, 'knowledge', 'articles', 'en', `${id}.md`), path.join(knowledgeDir, 'articles', 'en', `${id}.md`));
    }
    // With the node options `npm start` passes (package.json, read as the bench reads it).
    server = await startServerProcess(
      [...productLaunch(repoRoot).nodeArgs, bundle.entry],
      // NODE_DEBUG=module: Node logs every file it loads itself (the bundle's own modules are not files).
      { HOST: '127.0.0.1', PORT: '0', DATA_DIR: tempDir(), KNOWLEDGE_DIR: knowledgeDir, MODEL_DIR, LOG_LEVEL: 'info', NODE_DEBUG: 'module' },
      30_000,
    );
    url = server.url;
    for (let i = 0; i < 1200 && (await fetch(`${url}/ready`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
  }, 180_000);

  afterAll(() => {
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
    rmSync(outdir, { recursive: true, force: true });
  });

  it('leaves out the packages Node must load itself (native addons, the stand-ins of unused packages)', () => {
    expect(bundledInputs.length).toBeGreaterThan(500);
    for (const name of NOT_BUNDLED) expect(bundledInputs.filter((file) => file.includes(`node_modules/${name}/`))).toEqual([]);
  });

  it('loads from node_modules no package it also holds bundled (no module twice) and none lean-start stands in for', () => {
    const packageOf = (file: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file.replace(/\\/g, '/'))?.[1];
    const bundled = new Set(bundledInputs.map(packageOf).filter((name): name is string => name !== undefined));
    const loaded = [...server.stderr().matchAll(/MODULE \d+: load "([^"]+)"/g)].map((m) => m[1]!);
    expect(loaded.some((file) => packageOf(file) === 'better-sqlite3')).toBe(true);
    expect(loaded.filter((file) => bundled.has(packageOf(file) ?? ''))).toEqual([]);
    // Nor the packages src/runtime/lean-start.ts puts stand-ins in place of.
    const standIns = ['@microsoft/recognizers-text-date-time', '@microsoft/recognizers-text-suite', 'spdy', 'http-signature', 'esprima'];
    expect(loaded.filter((file) => standIns.includes(packageOf(file) ?? ''))).toEqual([]);
  });

  it('is ASCII only, so V8 holds its source as one byte per character (half the memory)', () => {
    for (const file of ['index.js', 'embedding-worker.js', 'classifier-training-worker.js']) {
      expect(readFileSync(path.join(outdir, file), 'latin1')).not.toMatch(/[^\x00-\x7f]/);
    }
  });

  it('gets ready on the real model and answers a customer from an article', async () => {
    expect((await fetch(`${url}/ready`)).status).toBe(200);
    const replies = await new ExpectRepliesClient(url).say('how can I change my password');
    const said = replies.map((r) => [r.text, heroCard(r)?.title, heroCard(r)?.text].filter(Boolean).join('\n')).join('\n');
    expect(said).toContain('How do I change my password while logged in?');
  });

  it('serves the embeddable widget, the chat page and the Web Chat bundle from node_modules', async () => {
    for (const [route, type] of [['/widget.js', /javascript/], ['/chat', /html/], ['/webchat/webchat.js', /javascript/]] as const) {
      const response = await fetch(`${url}${route}`);
      expect(response.status, route).toBe(200);
      expect(response.headers.get('content-type'), route).toMatch(type);
      expect((await response.text()).length, route).toBeGreaterThan(500);
    }
  });

  it('stops cleanly on SIGTERM', async () => {
    server.child.kill('SIGTERM');
    const [code] = await once(server.child, 'exit');
    const stderr = server.stderr();
    expect(code).toBe(0);
    expect(stderr).toContain('"message":"shutting down","signal":"SIGTERM"');
    expect(stderr).not.toContain('"level":"error"');
    // Node warns when code outside node_modules calls Buffer(): bundled, restify's body reader is such code.
    expect(stderr).not.toContain('Warning');
  });
});

describe('the bundle\'s ASCII escaping', () => {
  it('writes non-ASCII characters so that regular expressions, strings and untagged templates read the same', () => {
    const source = 'return [/[０〇’ł😀]+/g.exec("x０〇’ł😀y")[0], /[\\p{L}’]+/gu.exec("Żółć’s")[0], "–〇", `const 〇 = ${1}`];';
    const escaped = escapeNonAscii(source);
    expect(escaped).not.toMatch(/[^\x00-\x7f]/);
    expect(new Function(escaped)()).toEqual(new Function(source)());
  });

  it('fails the build, naming the place, when a non-ASCII character is left', () => {
    expect(() => assertAscii('index.js', 'const a = 1; if (/〇/.test(s)) throw Error();')).toThrow(/index\.js has a non-ASCII character in "const a = 1; if \(\/〇/);
    expect(() => assertAscii('index.js', 'const a = /\\u3007/;')).not.toThrow();
  });
});
