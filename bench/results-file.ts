import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Writes a bench's report to bench/results/<name>.md, or <name>-2.md, -3.md… when a file of that
 * name is already there: two runs on one day (before and after a change) must not overwrite each
 * other, the first one is often what the second is compared with. Returns the path written.
 */
export function writeResults(root: string, name: string, text: string): string {
  const dir = path.join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  let file = path.join(dir, `${name}.md`);
  for (let n = 2; existsSync(file); n++) file = path.join(dir, `${name}-${n}.md`);
  writeFileSync(file, text);
  return file;
}
