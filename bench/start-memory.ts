/**
 * The start and memory parts of `npm run bench` (bench/run.ts calls them): the server is built
 * once and run the way `npm start` runs it (package.json "start": built JS, its node options), its
 * cold start to /ready with a persisted index is measured several times, and its RSS is split into
 * model session, tokenizer and the rest (app + knowledge) for each model.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

/** How `npm start` launches the server: what follows the build step in package.json's "start". */
export interface Launch {
  /** The script as written, for the bench output. */
  script: string;
  /** Node options before the entry file (e.g. --max-semi-space-size). */
  nodeArgs: string[];
  /** Entry file relative to the project root (dist/bundle/index.js). */
  entry: string;
  /** `NAME=value` assignments in front of `node`, if any. */
  env: Record<string, string>;
}

/**
 * Reads package.json's "start" script and takes its last command (`[NAME=value …] node [options]
 * file.js`), so the bench measures the server exactly as users start it and cannot drift from it.
 */
export function productLaunch(root: string): Launch {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const script = pkg.scripts?.start ?? '';
  const tokens = (script.split('&&').pop() ?? '').trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (tokens[0] !== undefined && /^[A-Za-z_][A-Za-z0-9_]*=/.test(tokens[0])) {
    const [name, ...value] = tokens.shift()!.split('=');
    env[name!] = value.join('=');
  }
  const node = tokens.shift();
  const entryAt = tokens.findIndex((t) => t.endsWith('.js'));
  if (node !== 'node' || entryAt < 0) throw new Error(`bench: cannot read how "npm start" runs the server from "${script}"`);
  return { script, nodeArgs: tokens.slice(0, entryAt), entry: tokens[entryAt]!, env };
}

/**
 * `npm run build` once per bench run: tsc -p tsconfig.build.json, then the server bundle `npm start`
 * runs (scripts/bundle-server.ts); the echo bot and probes run from dist/.
 */
export function buildOnce(root: string): { seconds: number; ok: boolean; errors: string } {
  const started = performance.now();
  const run = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
  // tsc still writes the JS when another file has a type error (noEmitOnError is off); say so rather than stop.
  const bundle = spawnSync(process.execPath, [path.join(root, 'dist', 'scripts', 'bundle-server.js')], { cwd: root, encoding: 'utf8' });
  const entry = productLaunch(root).entry;
  if (bundle.status !== 0 || !existsSync(path.join(root, entry))) {
    throw new Error(`bench: the build produced no ${entry}\n${run.stdout}${run.stderr}${bundle.stdout}${bundle.stderr}`);
  }
  return { seconds: (performance.now() - started) / 1000, ok: run.status === 0, errors: `${run.stdout}${run.stderr}`.trim().split('\n').slice(0, 3).join(' / ') };
}

export interface RunningServer {
  port: number;
  pid: number | undefined;
  readyMs: number;
  stop(): Promise<void>;
}

export interface ServerOptions {
  root: string;
  launch: Launch;
  dataDir: string;
  modelId: string;
  modelDir: string;
  /** MALLOC_TRIM_THRESHOLD_=33554432 as the README advises on Linux (false: --no-trim). */
  trim: boolean;
  /** Extra node options (e.g. --cpu-prof). */
  nodeArgs?: string[];
  env?: Record<string, string>;
  /** Called with every chunk the server writes to stderr (its JSON log lines). */
  onStderr?: (chunk: string) => void;
}

/** The env a measured server gets: the product's, loopback, no rate limits, quiet log. */
function serverEnv(options: ServerOptions, port: number): Record<string, string | undefined> {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: options.dataDir,
    MODEL_DIR: options.modelDir,
    EMBEDDING_MODEL: options.modelId,
    RATE_LIMIT_SESSIONS_PER_MINUTE: '0',
    RATE_LIMIT_MESSAGES_PER_MINUTE: '0',
    RATE_LIMIT_API_PER_MINUTE: '0',
    LOG_LEVEL: 'warn',
    ...options.launch.env,
    // glibc keeps the float model's load-time buffers otherwise (README, Speed and memory).
    ...(options.trim ? { MALLOC_TRIM_THRESHOLD_: '33554432' } : {}),
    ...options.env,
  };
}

async function waitFor(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const started = performance.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (performance.now() - started > timeoutMs) throw new Error(`${url} not ready after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
}

/** Starts the built server as `npm start` does, in its own process; resolves when /ready answers 200. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const started = performance.now();
  const child = spawn(process.execPath, [...options.launch.nodeArgs, ...(options.nodeArgs ?? []), path.join(options.root, options.launch.entry)], {
    cwd: options.root,
    env: serverEnv(options, port),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
    options.onStderr?.(chunk.toString());
  });
  try {
    await waitFor(`http://127.0.0.1:${port}/ready`, child, 30 * 60_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${stderr}`);
  }
  return { port, pid: child.pid, readyMs: performance.now() - started, stop: stopper(child) };
}

/**
 * `npm run ingest` (built) on `dataDir`: brings the kept index up to date and calibrates the answer
 * thresholds before it ends. A server started there and stopped at `/ready` would not: it answers
 * with the last calibration and makes the new one in the background, which stopping aborts, so
 * every measured start after it would calibrate again while it is measured. With `echo`, its
 * output goes to this process's too. Resolves with the seconds to the end of the index sync
 * ("Articles: …") and to the end, and its CPU seconds (sampled each second).
 */
export async function ingestBuilt(options: Pick<ServerOptions, 'root' | 'dataDir' | 'modelId' | 'modelDir'> & { knowledgeDir?: string; echo?: boolean }): Promise<{ syncS: number; totalS: number; cpuS: number; output: string }> {
  const started = performance.now();
  const child = spawn(process.execPath, [path.join(options.root, 'dist', 'src', 'knowledge', 'ingest-cli.js')], {
    cwd: options.root,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATA_DIR: options.dataDir,
      MODEL_DIR: options.modelDir,
      EMBEDDING_MODEL: options.modelId,
      ...(options.knowledgeDir === undefined ? {} : { KNOWLEDGE_DIR: options.knowledgeDir }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let syncS = Number.NaN;
  let output = '';
  let stderr = '';
  let cpuS = 0;
  const sampler = setInterval(() => {
    try {
      cpuS = cpuSeconds(child.pid);
    } catch {
      // exited
    }
  }, 1000);
  child.stdout!.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    output += text;
    if (options.echo) process.stdout.write(text);
    if (Number.isNaN(syncS) && /^Articles: /m.test(text)) syncS = (performance.now() - started) / 1000;
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
    if (options.echo) process.stderr.write(chunk);
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(sampler);
  if (code !== 0) throw new Error(`ingest exited with ${code}\n${stderr}`);
  return { syncS, totalS: (performance.now() - started) / 1000, cpuS, output };
}

/** The bare botbuilder echo bot (bench/echo-bot.ts), built, with the same node options as the server. */
export async function startEchoBot(root: string, launch: Launch): Promise<Omit<RunningServer, 'readyMs'>> {
  const child = spawn(process.execPath, [...launch.nodeArgs, path.join(root, 'dist', 'bench', 'echo-bot.js')], {
    cwd: root,
    env: { ...process.env, ...launch.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /listening (\d+)/.exec(chunk.toString());
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`echo bot exited with ${code}`)));
  });
  return { port, pid: child.pid, stop: stopper(child) };
}

/** utime + stime of a process from /proc/<pid>/stat (Linux; clock ticks of 10 ms). */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export function rssMb(pid: number | undefined): number {
  if (pid === undefined) return process.memoryUsage().rss / 1048576;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

/**
 * What a restarted server finds on disk: the persisted index, the stored tier-example vectors and
 * the model cache (the derived e5 model without its word table, made at the first start).
 */
export function copyPersisted(indexed: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tierdesk-bench-'));
  for (const kept of ['knowledge-index', 'embeddings', 'models']) {
    if (existsSync(path.join(indexed, kept))) cpSync(path.join(indexed, kept), path.join(dir, kept), { recursive: true });
  }
  return dir;
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length === 0 ? NaN : sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export interface ColdStart {
  readySeconds: number[];
  /**
   * CPU seconds the server process had used (all its threads) when /ready first answered: the
   * start's work, robust to other processes taking the cores, where wall time is not.
   */
  cpuSeconds: number[];
  rssAtReady: number[];
  /** RSS 3 s after /ready: the post-load GC's and glibc's releases have landed by then. */
  rssAfter3s: number[];
}

/** `runs` cold starts with a persisted index (a fresh copy each time): process start → /ready 200. */
export async function coldStarts(options: Omit<ServerOptions, 'dataDir'> & { indexed: string; runs: number }): Promise<ColdStart> {
  const result: ColdStart = { readySeconds: [], cpuSeconds: [], rssAtReady: [], rssAfter3s: [] };
  for (let i = 0; i < options.runs; i++) {
    const dataDir = copyPersisted(options.indexed);
    const server = await startServer({ ...options, dataDir });
    result.readySeconds.push(server.readyMs / 1000);
    result.cpuSeconds.push(cpuSeconds(server.pid));
    result.rssAtReady.push(rssMb(server.pid));
    await new Promise((resolve) => setTimeout(resolve, 3000));
    result.rssAfter3s.push(rssMb(server.pid));
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return result;
}

type Probe = Record<string, number | string>;

/** bench/memory-probe.ts, built, in its own process with the product's node options (RSS is per process). */
function probe(root: string, launch: Launch, modelDir: string, trim: boolean, args: string[], modelCache: string): Probe {
  const run = spawnSync(process.execPath, [...launch.nodeArgs, '--expose-gc', path.join(root, 'dist', 'bench', 'memory-probe.js'), ...args], {
    cwd: root,
    env: { ...process.env, ...launch.env, MODEL_DIR: modelDir, PROBE_CACHE_DIR: modelCache, ...(trim ? { MALLOC_TRIM_THRESHOLD_: '33554432' } : {}) },
    encoding: 'utf8',
  });
  try {
    return JSON.parse(run.stdout.trim().split('\n').pop() ?? '') as Probe;
  } catch {
    return { error: run.stderr.slice(-300) };
  }
}

export interface Breakdown {
  label: string;
  start: ColdStart;
  /** RSS the model session adds (tokenizer excluded), MB. */
  session: number;
  tokenizer: number;
  /** The rest of the server's RSS 3 s after /ready: node, modules, stores, index, classifiers, heap. */
  app: number;
}

/** Cold starts plus the per-process probes of one model: the breakdown row. */
export async function breakdown(options: Omit<ServerOptions, 'dataDir'> & { label: string; indexed: string; runs: number }): Promise<Breakdown> {
  const start = await coldStarts(options);
  const { root, launch, modelDir, trim, modelId } = options;
  // One probe process varies by tens of MB (when V8 and glibc return pages): the median of `runs`.
  const added = (stage: string) =>
    median(
      Array.from({ length: Math.max(1, options.runs) }, () => {
        // The server's model cache: the model loads as the server loads it (external-word-table.ts).
        const r = probe(root, launch, modelDir, trim, [stage, modelId, 'default', 'true'], path.join(options.indexed, 'models'));
        return Number(r.afterGc) - Number(r.before);
      }),
    );
  const tokenizerMb = added('tokenizer');
  const withSession = added('pipeline');
  const rss = median(start.rssAfter3s);
  return { label: options.label, start, session: withSession - tokenizerMb, tokenizer: tokenizerMb, app: rss - withSession };
}

/** The "Start and memory" table: one row per model. */
export function breakdownTable(rows: Breakdown[], f1: (x: number) => string): { headers: string[]; cells: string[][] } {
  return {
    headers: ['model', 'cold start to /ready s (median)', 'runs s', 'CPU s to /ready (median)', 'RSS at /ready MB', 'RSS /ready + 3 s MB', 'model session MB', 'tokenizer MB', 'app + knowledge MB'],
    cells: rows.map((r) => [
      r.label,
      f1(median(r.start.readySeconds)),
      r.start.readySeconds.map((s) => s.toFixed(2)).join(', '),
      f1(median(r.start.cpuSeconds)),
      f1(median(r.start.rssAtReady)),
      f1(median(r.start.rssAfter3s)),
      f1(r.session),
      f1(r.tokenizer),
      f1(r.app),
    ]),
  };
}
