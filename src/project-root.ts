import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The checkout's root folder (where package.json names "tierdesk"). Files shipped beside the code
 * (web/, the Teams schema) are found from here, so the same code works from src/ under tsx/vitest
 * and from dist/src/ after `npm run build`.
 */
export function projectRoot(start: string = import.meta.dirname): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'tierdesk') return dir;
    if (path.dirname(dir) === dir) throw new Error(`No tierdesk package.json above ${start}`);
  }
}
