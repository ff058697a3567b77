import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeResults } from '../bench/results-file.js';
import { tempDir } from './support/test-app.js';

describe('bench reports (bench/results-file.ts)', () => {
  it('keeps an earlier report of the same name: a later run that day gets -2, -3', () => {
    const root = tempDir();
    const first = writeResults(root, '2026-12-07-e5', 'before\n');
    const second = writeResults(root, '2026-12-07-e5', 'after\n');
    const third = writeResults(root, '2026-12-07-e5', 'again\n');
    const dir = path.join(root, 'bench', 'results');
    expect([first, second, third].map((file) => path.relative(dir, file))).toEqual(['2026-12-07-e5.md', '2026-12-07-e5-2.md', '2026-12-07-e5-3.md']);
    expect(readdirSync(dir).sort()).toEqual(['2026-12-07-e5-2.md', '2026-12-07-e5-3.md', '2026-12-07-e5.md']);
    expect(readFileSync(first, 'utf8')).toBe('before\n');
    expect(readFileSync(third, 'utf8')).toBe('again\n');
  });
});
