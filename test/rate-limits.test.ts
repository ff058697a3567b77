import { describe, expect, it } from 'vitest';
import { TokenBucketLimiter } from '../src/security/rate-limiter.js';

describe('token bucket limiter', () => {
  it('serves a burst up to capacity, then refuses with the seconds until a token is back', () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ capacity: 3, refillPerSecond: 0.5, now: () => now });
    expect([1, 2, 3].map(() => limiter.take('a').allowed)).toEqual([true, true, true]);
    expect(limiter.take('a')).toEqual({ allowed: false, retryAfterSeconds: 2 });
    now += 2000;
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
  });

  it('keeps one bucket per key', () => {
    const now = 0;
    const limiter = new TokenBucketLimiter({ capacity: 1, refillPerSecond: 1, now: () => now });
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
    expect(limiter.take('b').allowed).toBe(true);
  });

  it('never refills beyond capacity after a long quiet time', () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ capacity: 2, refillPerSecond: 1, now: () => now });
    limiter.take('a');
    now += 3_600_000;
    expect(limiter.take('a')).toEqual({ allowed: true, remaining: 1 });
    expect(limiter.take('a')).toEqual({ allowed: true, remaining: 0 });
    expect(limiter.take('a').allowed).toBe(false);
  });

  it('bounds memory: a flood of distinct keys keeps at most maxKeys buckets', () => {
    const now = 0;
    const limiter = new TokenBucketLimiter({ capacity: 1, refillPerSecond: 1, maxKeys: 100, now: () => now });
    for (let i = 0; i < 10_000; i += 1) limiter.take(`key-${i}`);
    expect(limiter.size).toBeLessThanOrEqual(100);
    // the most recent key is still limited
    expect(limiter.take('key-9999').allowed).toBe(false);
  });

  it('forgets idle keys whose bucket has refilled', () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ capacity: 1, refillPerSecond: 1, now: () => now });
    for (let i = 0; i < 500; i += 1) limiter.take(`idle-${i}`);
    now += 10_000;
    for (let i = 0; i < 1000; i += 1) limiter.take('busy');
    expect(limiter.size).toBe(1);
  });
});
