/**
 * `npx tsx bench/profile-summary.ts <file.cpuprofile>`: self time per function and per package
 * from a V8 CPU profile (`npm run bench -- --profile`, or the split's `--split-profile`), to see
 * where a turn's own work goes.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
export interface CpuProfile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

/** Markdown tables: self time per package and the top functions (per `turns` when given: ms per turn). */
export function summarizeProfile(profile: CpuProfile, options: { top?: number; turns?: number } = {}): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfMs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const total = [...selfMs.values()].reduce((a, b) => a + b, 0);
  const perFunction = new Map<string, number>();
  const perPackage = new Map<string, number>();
  for (const [id, ms] of selfMs) {
    const frame = byId.get(id)!.callFrame;
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(frame.url)?.[1] ?? (frame.url.includes('/src/') || frame.url.includes('/dialogs/') ? 'tierdesk' : frame.url === '' ? `(${frame.functionName || 'native'})` : 'node');
    const name = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*\/(node_modules|work\/main)\//, '')}:${frame.lineNumber + 1}`;
    perFunction.set(name, (perFunction.get(name) ?? 0) + ms);
    perPackage.set(pkg, (perPackage.get(pkg) ?? 0) + ms);
  }
  const per = options.turns ?? 0;
  const unit = per > 0 ? 'ms per turn' : 'self ms';
  const value = (ms: number) => (per > 0 ? (ms / per).toFixed(3) : ms.toFixed(0));
  const top = (map: Map<string, number>, n: number) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n);
  const lines = [`total sampled ${(total / 1000).toFixed(2)} s${per > 0 ? ` over ${per} turns (${(total / per).toFixed(2)} ms per turn)` : ''}`, '', `| package | ${unit} | share |`, '|---|---|---|'];
  for (const [pkg, ms] of top(perPackage, 15)) lines.push(`| ${pkg} | ${value(ms)} | ${((ms / total) * 100).toFixed(1)}% |`);
  lines.push('', `| function | ${unit} | share |`, '|---|---|---|');
  for (const [name, ms] of top(perFunction, options.top ?? 25)) lines.push(`| ${name} | ${value(ms)} | ${((ms / total) * 100).toFixed(1)}% |`);
  // Inclusive (self + callees) time of tierdesk's and botbuilder's functions: which step of the turn costs what.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const inclusive = new Map<string, number>();
  for (const [id, ms] of selfMs) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (!/\/(src|dialogs)\/|botbuilder/.test(frame.url) || frame.functionName === '') continue;
      const name = `${frame.functionName} ${frame.url.replace(/^.*\/(node_modules|work\/main)\//, '')}:${frame.lineNumber + 1}`;
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + ms);
    }
  }
  lines.push('', `| tierdesk / botbuilder function, inclusive | ${unit} | share |`, '|---|---|---|');
  for (const [name, ms] of top(inclusive, options.top ?? 25)) lines.push(`| ${name} | ${value(ms)} | ${((ms / total) * 100).toFixed(1)}% |`);
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(summarizeProfile(JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as CpuProfile, { top: Number(process.argv[3] ?? 25) }));
}
