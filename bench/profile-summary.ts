/**
 * `npx tsx bench/profile-summary.ts <file.cpuprofile>`: self time per function and per package
 * from a V8 CPU profile (`npm run bench -- --profile`), to see where a turn's own work goes.
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
const profile = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
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
const top = (map: Map<string, number>, n: number) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n);
console.log(`total sampled ${(total / 1000).toFixed(1)} s\n\n| package | self ms | share |\n|---|---|---|`);
for (const [pkg, ms] of top(perPackage, 15)) console.log(`| ${pkg} | ${ms.toFixed(0)} | ${((ms / total) * 100).toFixed(1)}% |`);
console.log('\n| function | self ms | share |\n|---|---|---|');
for (const [name, ms] of top(perFunction, 25)) console.log(`| ${name} | ${ms.toFixed(0)} | ${((ms / total) * 100).toFixed(1)}% |`);
