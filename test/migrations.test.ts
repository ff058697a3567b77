import { describe, expect, it } from 'vitest';
import { migrations, RETIRED_MIGRATION_VERSIONS } from '../src/storage/migrations.js';

describe('SQLite schema history', () => {
  it('uses each version once and leaves no gap an existing database would skip', () => {
    const versions = migrations.map((m) => m.version).sort((a, b) => a - b);
    expect(new Set(versions).size).toBe(versions.length);
    const highest = versions.at(-1)!;
    const expected = Array.from({ length: highest }, (_, i) => i + 1).filter((v) => !RETIRED_MIGRATION_VERSIONS.includes(v));
    // A migration numbered below the highest one is never applied to a database that already has
    // the highest: new migrations must take the next number, retired numbers stay unused.
    expect(versions).toEqual(expected);
  });
});
