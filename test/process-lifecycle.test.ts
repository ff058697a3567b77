import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, tempDir } from './support/test-app.js';

/** Starts the real entry point (src/index.ts) as a separate process. */
function startBot(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src', 'index.ts')], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const listening = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bot did not start: ${stderr}`)), 20_000);
    child.stderr.on('data', () => {
      const match = /"url":"(http:\/\/[^"]+)"/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  });
  return { child, listening, stderr: () => stderr };
}

describe('the bot process', () => {
  it('starts without a model, explains the offline setting on /health, and stops cleanly on SIGTERM', async () => {
    const modelDir = tempDir('tierdesk-no-model-');
    const bot = startBot({ DATA_DIR: tempDir(), MODEL_DIR: modelDir });
    try {
      const url = await bot.listening;
      let health: { status: string; knowledge: { state: string; error?: string } } | undefined;
      for (let i = 0; i < 50 && health?.knowledge.state !== 'failed'; i++) {
        health = (await (await fetch(`${url}/health`)).json()) as typeof health;
        if (health?.knowledge.state === 'loading') await new Promise((r) => setTimeout(r, 100));
      }
      expect(health?.status).toBe('ok');
      expect(health?.knowledge.error).toContain(`not found under MODEL_DIR=${modelDir}`);
      expect((await fetch(`${url}/ready`)).status).toBe(503);
    } finally {
      bot.child.kill('SIGTERM');
    }
    const [code] = await once(bot.child, 'exit');
    expect(code).toBe(0);
    expect(bot.stderr()).toContain('"message":"shutting down","signal":"SIGTERM"');
  });

  it('refuses to start with a bad setting and names it', async () => {
    const bot = startBot({ DATA_DIR: tempDir(), PORT: 'not-a-port' });
    const [code] = await once(bot.child, 'exit');
    expect(code).toBe(1);
    expect(bot.stderr()).toMatch(/Invalid configuration:\n {2}PORT: /);
  });
});
