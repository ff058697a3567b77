import { spawn, type ChildProcess } from 'node:child_process';
import { repoRoot } from './test-app.js';

export interface ServerProcess {
  child: ChildProcess;
  /** The address the server logged in "tierdesk listening". */
  url: string;
  /** Everything the process wrote on stderr so far (its JSON log). */
  stderr(): string;
}

/**
 * Starts a tierdesk server as a separate process (`node <args>` in the checkout, with only `env`
 * and PATH) and resolves once it logs the address it listens on; rejects if it exits first or
 * says nothing within `timeoutMs`, with what it wrote on stderr.
 */
export async function startServerProcess(args: string[], env: Record<string, string>, timeoutMs: number): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, { cwd: repoRoot, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), timeoutMs);
    child.stderr!.on('data', () => {
      const match = /"url":"(http:\/\/[^"]+)"/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${stderr}`)));
  });
  return { child, url, stderr: () => stderr };
}
