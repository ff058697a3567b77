import { describe, expect, it } from 'vitest';
import { LruMap } from '../src/lru-map.js';

describe('LruMap', () => {
  it('keeps at most its bound, dropping the least recently used (a read counts as use)', () => {
    const lru = new LruMap<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1);
    lru.set('c', 3);
    expect(lru.size).toBe(2);
    expect(lru.get('b')).toBeUndefined();
    expect([lru.get('a'), lru.get('c')]).toEqual([1, 3]);
    lru.delete('a');
    expect(lru.get('a')).toBeUndefined();
    expect(lru.size).toBe(1);
  });

  it('with a weight bound drops the least recently used until the total fits, and keeps no entry heavier than the bound', () => {
    const lru = new LruMap<string, string>(10, 10);
    lru.set('a', 'A', 4);
    lru.set('b', 'B', 4);
    expect(lru.weight).toBe(8);
    lru.get('a');
    lru.set('c', 'C', 5);
    expect(lru.get('b')).toBeUndefined();
    expect([lru.get('a'), lru.get('c')]).toEqual(['A', 'C']);
    expect(lru.weight).toBe(9);
    lru.set('c', 'C2', 2);
    expect(lru.weight).toBe(6);
    lru.set('huge', 'H', 11);
    expect(lru.get('huge')).toBeUndefined();
    expect(lru.size).toBe(2);
    lru.delete('a');
    expect(lru.weight).toBe(2);
  });
});
