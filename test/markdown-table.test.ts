import { describe, expect, it } from 'vitest';
import { markdownTable } from '../src/markdown-table.js';

describe('markdownTable (npm run eval and bench tables)', () => {
  it('pads every column to its widest cell, numbers included, so the table reads aligned', () => {
    expect(markdownTable(['set', 'top-1'], [['bike shop', '89.6%'], ['en', 90.5]])).toBe(
      ['| set       | top-1 |', '|-----------|-------|', '| bike shop | 89.6% |', '| en        | 90.5  |'].join('\n'),
    );
  });

  it('prints the header and its rule for a table with no rows', () => {
    expect(markdownTable(['a', 'bb'], [])).toBe('| a | bb |\n|---|----|');
  });
});
