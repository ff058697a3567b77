import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { productLaunch } from '../bench/start-memory.js';
import { repoRoot, tempDir } from './support/test-app.js';

/** The bench must measure the server the way `npm start` runs it, read from package.json, not a copy. */
describe('bench: how npm start runs the server', () => {
  it('takes node options, entry file and environment from the last command of "start"', () => {
    const dir = tempDir('tierdesk-launch-');
    writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({ scripts: { start: 'npm run build && MALLOC_ARENA_MAX=2 node --max-semi-space-size=4 --v8-pool-size=2 dist/src/index.js --flag' } }),
    );
    expect(productLaunch(dir)).toMatchObject({
      env: { MALLOC_ARENA_MAX: '2' },
      nodeArgs: ['--max-semi-space-size=4', '--v8-pool-size=2'],
      entry: 'dist/src/index.js',
    });
  });

  it('reads this checkout: the bundled entry point', () => {
    const launch = productLaunch(repoRoot);
    expect(launch.entry).toBe('dist/bundle/index.js');
    expect(launch.script).toContain('npm run build');
  });

  it('refuses a start script it cannot read instead of measuring something else', () => {
    const dir = tempDir('tierdesk-launch-');
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ scripts: { start: 'tsx src/index.ts' } }));
    expect(() => productLaunch(dir)).toThrow(/cannot read how "npm start" runs the server/);
  });
});
